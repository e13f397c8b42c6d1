"""A child's legal case. Closed data: only the case's own workers with the legal right read it, and it
cannot be opened by breaking the glass. Evidence is referenced by the authorities' own numbers: Sahay
never holds abuse material."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sahay.cases.models.cases import Case
from sahay.core.encryption import EncryptedTextField
from sahay.records.models import TrackedItem


class LegalCase(models.Model):
    class Stage(models.TextChoices):
        COMPLAINT = "complaint", _("complaint filed")
        INVESTIGATION = "investigation", _("investigation")
        PROSECUTION = "prosecution", _("prosecution")
        TRIAL = "trial", _("hearings")
        VERDICT = "verdict", _("verdict")

    class Verdict(models.TextChoices):
        CONVICTED = "convicted", _("offender convicted")
        ACQUITTED = "acquitted", _("offender acquitted")
        DISMISSED = "dismissed", _("case dismissed")

    class Measure(models.TextChoices):
        VIDEO_TESTIMONY = "video_testimony", _("video testimony")
        SUPPORT_PERSON = "support_person", _("support person present")
        CLOSED_HEARING = "closed_hearing", _("hearing closed to the public")
        SCREEN = "screen", _("screen between child and accused")
        CHILD_FRIENDLY_ROOM = "child_friendly_room", _("child-friendly interview room")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="legal_case")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.COMPLAINT)
    complaint_filed_on = models.DateField(_("complaint filed on"))
    authority = models.CharField(
        _("authority"), max_length=200, help_text=_("Police unit, prosecutor's office or court.")
    )
    authority_reference = EncryptedTextField(
        _("the authority's reference number"),
        help_text=_("Evidence stays with the authorities; refer to it by this number."),
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices, blank=True)
    verdict_on = models.DateField(_("verdict on"), null=True, blank=True)
    offender = models.ForeignKey(
        TrackedItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_cases",
        limit_choices_to={"kind": TrackedItem.Kind.OFFENDER},
        verbose_name=_("offender record"),
    )
    measures = models.JSONField(_("child-friendly measures used"), default=list, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("legal case")

    def __str__(self) -> str:
        return f"legal case of {self.case_id}"

    @property
    def measure_labels(self) -> list[str]:
        labels = dict(self.Measure.choices)
        return [str(labels.get(measure, measure)) for measure in self.measures]


class Hearing(models.Model):
    legal_case = models.ForeignKey(LegalCase, on_delete=models.PROTECT, related_name="hearings")
    held_on = models.DateField(_("held on"))
    note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = _("hearing")

    def __str__(self) -> str:
        return f"hearing {self.held_on}"
