"""Which record an imported row made, by the external id the file gave it, so that importing again updates it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sahay.core.models import Organisation


class ImportedRecord(models.Model):
    """An external id (a partner's own session id, a KoboToolbox instanceID) and the record it names.

    External ids are the partner's own references: never names.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30)  # an import kind's name: "activities", "services", ...
    external_id = models.CharField(_("external id"), max_length=200)
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("imported record")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "external_id"], name="imported_record_unique")
        ]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"
