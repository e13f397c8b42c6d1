"""A child's case, owned by the partner organisation that follows it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.core.encryption import EncryptedTextField
from sahay.core.models import Organisation
from sahay.records.models import Person
from sahay.records.models.people import opaque_id


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    class Intake(models.TextChoices):
        COMMUNITY_REPORT = "community_report", _("community report")
        POLICE_REFERRAL = "police_referral", _("police referral")
        HOTLINE = "hotline", _("hotline")
        OUTREACH = "outreach", _("outreach")
        SELF = "self", _("the child came forward")

    class Exploitation(models.TextChoices):
        CHILD_SEX_TOURISM = "child_sex_tourism", _("child sex tourism")
        ONLINE_ABUSE = "online_abuse", _("online sexual abuse or live-streaming")
        ABUSE_MATERIAL = "abuse_material", _("child sexual abuse material")
        TRAFFICKING = "trafficking", _("trafficking for sexual purposes")
        OTHER = "other", _("other")

    class ClosureReason(models.TextChoices):
        GOALS_MET = "goals_met", _("case plan goals met")
        TRANSFERRED = "transferred", _("transferred to another organisation")
        MOVED = "moved", _("the family moved away")
        AGED_OUT = "aged_out", _("reached adulthood, no further need")
        LOST_CONTACT = "lost_contact", _("contact lost")
        DECLINED = "declined", _("the child or family declined further help")

    public_id = models.CharField(max_length=32, unique=True, default=opaque_id, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("child"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("organisation")
    )
    case_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name=_("case worker"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    intake = models.CharField(_("how the case came in"), max_length=30, choices=Intake.choices)
    exploitation = models.CharField(_("type of exploitation"), max_length=30, choices=Exploitation.choices)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(_("reason for closing"), max_length=20, choices=ClosureReason.choices, blank=True)
    summary = EncryptedTextField(_("summary"), blank=True)
    # Optimistic locking: every change states the version it was made from; a stale one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_on", "pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status="open"), name="one_open_case_per_child"),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_on__isnull=True) & Q(closure_reason=""))
                | (Q(status="closed") & Q(closed_on__isnull=False) & Q(closure_reason__gt="")),
                name="case_closure_consistent",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")), name="case_dates"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        """Cases go by the child's pseudonymous code."""
        return self.person.code
