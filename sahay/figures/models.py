"""Aggregate entries: a value typed in for indicator x country x semester x disaggregation cell."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.core.models import Country, Organisation
from sahay.figures.ledger.models import LedgerCount, LedgerRow, LedgerRule
from sahay.frameworks.models import Indicator

__all__ = ["AggregateEntry", "AggregateEntryChange", "LedgerCount", "LedgerRow", "LedgerRule"]

# The cells an indicator may be split into, by disaggregation; "" is the total.
DISAGGREGATION_CELLS = {
    "sex": ["female", "male", "unknown"],
    "age_band": ["0-11", "12-17", "18+", "unknown"],
}
CELL_LABELS = {
    "sex:female": _("girls and women"),
    "sex:male": _("boys and men"),
    "sex:unknown": _("sex unknown"),
    "age_band:0-11": _("aged 0-11"),
    "age_band:12-17": _("aged 12-17"),
    "age_band:18+": _("aged 18 and over"),
    "age_band:unknown": _("age unknown"),
}


class AggregateEntry(models.Model):
    class Kind(models.TextChoices):
        PERIOD = "period", _("in the semester")
        CUMULATIVE = "cumulative", _("cumulative since the programme start")

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="aggregate_entries", verbose_name=_("indicator")
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    period_code = models.CharField(_("semester"), max_length=10)
    period_start = models.DateField()
    period_end = models.DateField()
    kind = models.CharField(_("counts"), max_length=12, choices=Kind.choices, default=Kind.PERIOD)
    disaggregation = models.CharField(_("disaggregation"), max_length=40, blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-period_start", "indicator__position", "country__code"]
        verbose_name = _("aggregate entry")
        verbose_name_plural = _("aggregate entries")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "country", "organisation", "period_code", "kind", "disaggregation"],
                name="aggregate_entry_unique",
            ),
            models.UniqueConstraint(
                fields=["indicator", "country", "period_code", "kind", "disaggregation"],
                condition=Q(organisation__isnull=True),
                name="aggregate_entry_country_unique",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="aggregate_entry_not_negative"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="aggregate_entry_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.country.code} {self.period_code}"

    @property
    def disaggregation_label(self) -> str:
        return str(CELL_LABELS.get(self.disaggregation, _("total")))


class AggregateEntryChange(models.Model):
    """Each value an entry has had, with who set it and when. Never edited."""

    entry = models.ForeignKey(AggregateEntry, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    old_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    new_value = models.DecimalField(max_digits=14, decimal_places=2)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.entry}: {self.old_value} -> {self.new_value}"
