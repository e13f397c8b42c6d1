"""Period reviews (draft, submitted, approved), corrections to approved periods, and issued reports."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.frameworks.models import Indicator, Programme
from sahay.reports.disclosure import PublishedFigures


class PeriodReview(models.Model):
    """A country's figures for a period, on their way from draft to approved."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned with a comment")
        APPROVED = "approved", _("Approved")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="period_reviews")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, verbose_name=_("country"))
    period_code = models.CharField(_("period"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["programme", "-period_code", "country__name_en"]
        verbose_name = _("period review")
        constraints = [
            models.UniqueConstraint(fields=["programme", "country", "period_code"], name="period_review_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.period_code}"

    @property
    def period(self) -> Period:
        return Period.parse(self.period_code)

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED


class PeriodReviewStep(models.Model):
    """One move of a review (submitted, returned, approved), with who, when and the comment. Never edited."""

    review = models.ForeignKey(PeriodReview, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=10, choices=PeriodReview.Status.choices)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-taken_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.review} {self.status}"


class OffTrackExplanation(models.Model):
    """Why a target is off track, asked for before a period is approved."""

    review = models.ForeignKey(PeriodReview, on_delete=models.CASCADE, related_name="explanations")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("explanation"))

    class Meta:
        ordering = ["indicator__position"]
        constraints = [models.UniqueConstraint(fields=["review", "indicator"], name="explanation_unique")]

    def __str__(self) -> str:
        return f"{self.review} {self.indicator.code}"


class Correction(models.Model):
    """A change to the records of an approved period: the typed reason, shown as a restatement later."""

    review = models.ForeignKey(PeriodReview, on_delete=models.PROTECT, related_name="corrections")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)
    record_kind = models.CharField(max_length=40)
    record_id = models.CharField(max_length=40)  # an opaque id, never a person's code
    reason = models.TextField(_("reason for the correction"))

    class Meta:
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return f"{self.review} {self.record_kind} {self.record_id}"


class ReportQuerySet(models.QuerySet["Report"]):
    def for_place(self, *, programme: Programme, country: Country | None) -> ReportQuerySet:
        return self.filter(programme=programme, country=country)  # None: the programme's own (IS NULL)

    def approved_latest(self, *, programme: Programme, period_code: str, country: Country | None) -> Report | None:
        return (
            self.for_place(programme=programme, country=country)
            .filter(period_code=period_code, status=Report.Status.APPROVED)
            .order_by("-version")
            .first()
        )


class Report(models.Model):
    """A half-year progress report for the programme or one country. Approving it freezes its figures."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="reports")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("country"))
    period_code = models.CharField(_("period"), max_length=10)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    context = models.TextField(_("context"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    stories = models.TextField(_("stories of change"), blank=True)
    # Frozen at approval: the published figures (never a raw count), what the report showed of earlier half
    # years, its explanations and restatements, so the report reads the same for ever.
    frozen = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-period_code", "country__name_en", "-version"]
        verbose_name = _("report")
        constraints = [
            models.UniqueConstraint(fields=["programme", "country", "period_code", "version"], name="report_version"),
            models.UniqueConstraint(
                fields=["programme", "period_code", "version"],
                condition=Q(country__isnull=True),
                name="programme_report_version",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(frozen__isnull=False), name="approved_report_is_frozen"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country or _('Programme')} {self.period_code} v{self.version}"

    @property
    def period(self) -> Period:
        return Period.parse(self.period_code)

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def published(self) -> PublishedFigures | None:
        frozen: dict[str, Any] | None = self.frozen
        return PublishedFigures.from_json(frozen["published"]) if frozen else None


class ReportFile(models.Model):
    """A file of an approved report as it was rendered, kept so that serving it renders nothing.

    `digest` names what it was drawn from (the report's content in its language and the renderers' code): a
    file whose digest is no longer the current one is never served, but rendered again and replaced.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    file_format = models.CharField(max_length=10)  # a download format ("pdf", ...), or "page": the app's preview
    language = models.CharField(max_length=10)
    digest = models.CharField(max_length=64)  # SHA-256, hex
    content = models.BinaryField()
    rendered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "file_format", "language"], name="report_file_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.file_format} {self.language}"
