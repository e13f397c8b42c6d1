"""Who else may open a case: colleagues it is shared with, emergency access, and the notices sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.cases.models.care import FollowUp
from sahay.cases.models.cases import Case
from sahay.cases.models.referrals import Referral
from sahay.cases.models.requests import CaseRequest
from sahay.core.encryption import EncryptedTextField


class CaseShare(models.Model):
    """A case shared by its supervisor with another case worker of the same organisation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shared_cases")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_shared_once")]

    def __str__(self) -> str:
        return f"case {self.case_id} shared with {self.user_id}"


class GlassAccess(models.Model):
    """Break the glass: one user's emergency access to one case, for a limited time, with a reason."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="glass_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(_("reason"))
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"emergency access to case {self.case_id} by {self.user_id}"


class Notice(models.Model):
    class Kind(models.TextChoices):
        REFERRAL_RECEIVED = "referral_received", _("referral received")
        REFERRAL_ANSWERED = "referral_answered", _("referral answered")
        FOLLOW_UP_DUE = "follow_up_due", _("follow-up due")
        BREAK_GLASS = "break_glass", _("emergency access to your organisation's case")
        CONSENT_WITHDRAWN = (
            "consent_withdrawn",
            _("consent withdrawn: the child's identity is no longer shared with you"),
        )
        CASE_REQUESTED = "case_requested", _("a case worker asks to open a case")
        CASE_REQUEST_ANSWERED = "case_request_answered", _("your request to open a case was answered")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # A request to open a case has no case until it is granted.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    case_request = models.ForeignKey(CaseRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "follow_up"], condition=Q(follow_up__isnull=False), name="follow_up_noticed_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"
