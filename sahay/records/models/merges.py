"""Merges of two records of the same person, with exactly what moved, so that each can be undone."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.core.encryption import EncryptedTextField
from sahay.core.models import Organisation
from sahay.records.models.people import Person


class PersonMerge(models.Model):
    """`merged` was found to be `kept` recorded twice: its rows were moved to `kept`.

    `moved` holds the ids of the rows moved, per table; `removed` the rows deleted because `kept` already had
    the same one (a participation in the same activity, a membership of the same household), with their data,
    so that undoing recreates them.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="person_merges", verbose_name=_("organisation")
    )
    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept", verbose_name=_("kept"))
    merged = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="merges_undergone", verbose_name=_("merged")
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged by")
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    # Encrypted: a reason may describe the person.
    reason = EncryptedTextField(_("reason"))
    moved = models.JSONField(default=dict)
    removed = models.JSONField(default=dict)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-pk"]
        verbose_name = _("merge of people")
        verbose_name_plural = _("merges of people")
        constraints = [
            models.CheckConstraint(condition=~Q(kept=models.F("merged")), name="person_merge_two_people"),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True, undone_by__isnull=True)
                | Q(undone_at__isnull=False, undone_by__isnull=False),
                name="person_merge_undone_consistent",
            ),
            # A record is merged away at most once at a time.
            models.UniqueConstraint(
                fields=["merged"], condition=Q(undone_at__isnull=True), name="person_merge_once_at_a_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} into {self.kept_id}"
