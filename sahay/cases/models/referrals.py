"""Referral of a case to another organisation, and what the referral lets the receiver see."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.cases.models.cases import Case
from sahay.core.encryption import EncryptedTextField
from sahay.core.models import Organisation
from sahay.records.models.people import opaque_id


class Referral(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    public_id = models.CharField(max_length=32, unique=True, default=opaque_id, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_received", verbose_name=_("refer to")
    )
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(auto_now_add=True)
    needs = EncryptedTextField(_("what the child needs from them"))
    shares_identity = models.BooleanField(
        _("share the child's name and contact details"),
        default=False,
        help_text=_("Without it, the receiver knows the child only by the case code."),
    )
    consent_override_reason = EncryptedTextField(_("reason for referring without consent"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = EncryptedTextField(_("note"), blank=True)
    # The receiver's case worker for this child, chosen when accepting.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_assigned",
        verbose_name=_("case worker at the receiving organisation"),
    )

    class Meta:
        ordering = ["-referred_at"]
        verbose_name = _("referral")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "to_organisation"],
                condition=Q(status="pending"),
                name="one_pending_referral_per_receiver",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.public_id}"
