"""A programme's results framework, loaded from a version-controlled YAML file."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.core.i18n import pick
from sahay.core.models import Country


class Programme(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    on_track_threshold = models.DecimalField(_("on track from"), max_digits=4, decimal_places=3)
    at_risk_threshold = models.DecimalField(_("at risk from"), max_digits=4, decimal_places=3)
    countries = models.ManyToManyField(Country, related_name="programmes", verbose_name=_("countries"))
    # How the programme is published as an IATI activity (the framework file's `programme.iati`).
    iati = models.JSONField(_("IATI publishing"), default=dict, blank=True)

    class Meta:
        ordering = ["start", "code"]
        verbose_name = _("programme")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="programme_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(en=self.name_en, nl=self.name_nl)


class Strategy(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="strategies")
    code = models.SlugField(_("code"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["programme", "position"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="strategy_code_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(en=self.name_en, nl=self.name_nl)


class Indicator(models.Model):
    class Direction(models.TextChoices):
        INCREASE = "increase", _("higher is better")
        DECREASE = "decrease", _("lower is better")

    class Source(models.TextChoices):
        RECORDS = "records", _("counted from records")
        AGGREGATE_ENTRIES = "aggregate_entries", _("entered as aggregate figures")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="indicators")
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(_("code"), max_length=30)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_nl = models.CharField(_("name (Dutch)"), max_length=300)
    description_en = models.TextField(_("description (English)"))
    description_nl = models.TextField(_("description (Dutch)"))
    unit_en = models.CharField(_("unit (English)"), max_length=60)
    unit_nl = models.CharField(_("unit (Dutch)"), max_length=60)
    counting_rule = models.JSONField(_("counting rule"))
    disaggregations = models.JSONField(_("disaggregations"), default=list)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    about_victims = models.BooleanField(_("about victims"), default=False)
    # A sentence stating the result in reports, with {place} and {value}: "In {place}, {value} children ...".
    statement_en = models.TextField(_("statement (English)"), blank=True)
    statement_nl = models.TextField(_("statement (Dutch)"), blank=True)
    is_target = models.BooleanField(_("programme target"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["programme", "strategy__position", "position"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="indicator_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return pick(en=self.name_en, nl=self.name_nl)

    @property
    def description(self) -> str:
        return pick(en=self.description_en, nl=self.description_nl)

    @property
    def unit(self) -> str:
        return pick(en=self.unit_en, nl=self.unit_nl)

    @property
    def statement(self) -> str:
        return pick(en=self.statement_en, nl=self.statement_nl)

    @property
    def counts_unique(self) -> bool:
        """Unique counts cannot be summed across periods or places; events and items can."""
        from sahay.figures.engine.rules import CountingRule  # the engine reads rules; models only hold them

        return CountingRule.parse(self.counting_rule).counts_unique


class Target(models.Model):
    """A target for the whole programme (no country) or a country, for the programme period or one period."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("country"))
    period_code = models.CharField(_("period"), max_length=10, blank=True, help_text=_("Empty: the programme period."))
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["indicator", "country__code", "period_code"]
        verbose_name = _("target")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "country", "period_code"], name="target_unique"),
            models.UniqueConstraint(
                fields=["indicator", "period_code"], condition=Q(country__isnull=True), name="programme_target_unique"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.country or 'programme'} {self.period_code or 'programme period'}"


class TargetChange(models.Model):
    """Who changed a target, when, from what to what and why. Never edited."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    old_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    new_value = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.TextField()

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.target}: {self.old_value} -> {self.new_value}"


class Baseline(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="baselines")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    year = models.PositiveIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "country"], name="baseline_unique"),
            models.UniqueConstraint(
                fields=["indicator"], condition=Q(country__isnull=True), name="programme_baseline_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} baseline {self.value} ({self.year})"


class FrameworkVersion(models.Model):
    """Each distinct framework file loaded, kept whole, so every earlier definition can be read back."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="versions")
    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255)
    content = models.TextField()
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-loaded_at", "-pk"]
        get_latest_by = "pk"

    def __str__(self) -> str:
        return f"{self.file_name} {self.sha256[:12]}"
