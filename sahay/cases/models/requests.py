"""A case worker's request to open a case on a child the organisation already registered.

A case worker reaches a child only through an assignment, a share or a referral: a case on a child already
registered is opened by a case supervisor of the organisation, who grants the request (or refuses it). The
request keeps the code as typed, found or not, so that asking tells nothing about which codes exist.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sahay.cases.models.cases import Case
from sahay.core.encryption import EncryptedTextField
from sahay.core.models import Organisation
from sahay.records.models.people import opaque_id


class CaseRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a supervisor")
        GRANTED = "granted", _("granted: the case is open")
        REFUSED = "refused", _("refused")

    public_id = models.CharField(max_length=32, unique=True, default=opaque_id, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="case_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    # The code as typed: a child of the organisation may have it, or no one.
    code = models.CharField(_("child's code"), max_length=40)
    child_role = models.CharField(_("the child is"), max_length=30)
    intake = models.CharField(_("how the case came in"), max_length=30, choices=Case.Intake.choices)
    exploitation = models.CharField(_("type of exploitation"), max_length=30, choices=Case.Exploitation.choices)
    opened_on = models.DateField(_("opened on"))
    case_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case worker"),
    )
    summary = EncryptedTextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = EncryptedTextField(_("note"), blank=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("request to open a case")

    def __str__(self) -> str:
        return f"case request {self.public_id}"
