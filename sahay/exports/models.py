"""An identity export waiting for its one download: the encrypted archive, kept encrypted at rest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityExport(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("owner")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The password-protected ZIP, encrypted again with the server's keys; emptied after download or expiry.
    archive = models.BinaryField(_("archive"), blank=True, default=b"")
    downloaded_at = models.DateTimeField(_("downloaded at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("identity export")
        verbose_name_plural = _("identity exports")

    def __str__(self) -> str:
        return f"identity export {self.pk}"
