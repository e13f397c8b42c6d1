"""Documents kept with a case, encrypted at rest. Never images or video: see cases/uploads.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sahay.cases.models.cases import Case
from sahay.core.encryption import EncryptedTextField
from sahay.records.models.people import opaque_id


class Attachment(models.Model):
    public_id = models.CharField(max_length=32, unique=True, default=opaque_id, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    title = EncryptedTextField(_("title"))
    filename = EncryptedTextField(_("file name"))
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    # The file's bytes, encrypted with the same keys as the fields (core/encryption.py).
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("attachment")

    def __str__(self) -> str:
        return f"attachment {self.public_id}"
