"""Writes for reporting: a period review's moves, and a report's narratives, approval and new versions.

Each move is one service, audited in its transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.scope import scope_of
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.context_processors import demo_data_is_synthetic
from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.frameworks.models import Programme
from sahay.reports.files import report_files_render
from sahay.reports.freezing import frozen_report_data
from sahay.reports.models import OffTrackExplanation, PeriodReview, PeriodReviewStep, Report
from sahay.reports.selectors import off_track_targets

Status = PeriodReview.Status


def _require(user: User, right: Right, country: Country | None) -> None:
    if not user.has_perm(right.permission):
        raise PermissionDenied
    if country is not None and not scope_of(user).covers_country(country):
        raise PermissionDenied


def _save_explanations(review: PeriodReview, explanations: dict[str, str]) -> None:
    """Keep the explanations typed; every target off track must have one."""
    missing = []
    for indicator in off_track_targets(programme=review.programme, country=review.country, period=review.period):
        text = explanations.get(indicator.code, "").strip()
        if text:
            OffTrackExplanation.objects.update_or_create(review=review, indicator=indicator, defaults={"text": text})
        elif not review.explanations.filter(indicator=indicator).exists():
            missing.append(indicator.code)
    if missing:
        raise ValidationError(
            {"explanations": _("Explain why these targets are off track: %(codes)s.") % {"codes": ", ".join(missing)}}
        )


def _step(review: PeriodReview, status: str, user: User, comment: str, action: AuditAction) -> PeriodReview:
    review.status = status
    review.save()
    PeriodReviewStep.objects.create(review=review, status=status, taken_by=user, comment=comment.strip())
    audit_record(
        action=action,
        actor=user,
        target_kind="period_review",
        target_id=str(review.pk),
        target_label=str(review),
        reason=comment.strip(),
        detail={"country": review.country.code, "period": review.period_code},
    )
    return review


def review_submit(
    *,
    programme: Programme,
    country: Country,
    period: Period,
    submitted_by: User,
    explanations: dict[str, str],
    comment: str = "",
) -> PeriodReview:
    """A country coordinator hands the country's figures for the period in for approval."""
    _require(submitted_by, Right.SUBMIT_PERIODS, country)
    with transaction.atomic():
        review, _created = PeriodReview.objects.select_for_update().get_or_create(
            programme=programme, country=country, period_code=period.code
        )
        if review.status not in (Status.DRAFT, Status.RETURNED):
            raise ValidationError(_("These figures are already %(status)s.") % {"status": review.get_status_display()})
        _save_explanations(review, explanations)
        return _step(review, Status.SUBMITTED, submitted_by, comment, AuditAction.PERIOD_SUBMITTED)


def review_return(*, review: PeriodReview, returned_by: User, comment: str) -> PeriodReview:
    """A programme manager sends submitted figures back, saying what to look at."""
    _require(returned_by, Right.APPROVE_PERIODS, review.country)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what needs another look.")})
    with transaction.atomic():
        review = PeriodReview.objects.select_for_update().get(pk=review.pk)
        if review.status != Status.SUBMITTED:
            raise ValidationError(_("Only submitted figures can be returned."))
        return _step(review, Status.RETURNED, returned_by, comment, AuditAction.PERIOD_RETURNED)


def review_approve(
    *, review: PeriodReview, approved_by: User, explanations: dict[str, str], comment: str = ""
) -> PeriodReview:
    """A programme manager approves submitted figures: the period is locked for the country from then on."""
    _require(approved_by, Right.APPROVE_PERIODS, review.country)
    with transaction.atomic():
        review = PeriodReview.objects.select_for_update().get(pk=review.pk)
        if review.status != Status.SUBMITTED:
            raise ValidationError(_("Only submitted figures can be approved."))
        _save_explanations(review, explanations)
        return _step(review, Status.APPROVED, approved_by, comment, AuditAction.PERIOD_APPROVED)


def report_draft(*, programme: Programme, country: Country | None, period: Period, user: User) -> Report:
    """The report being written for the place and period: the open draft, or a new first version."""
    _require(user, Right.WRITE_REPORTS, country)
    if country is None and not scope_of(user).sees_programme_totals:
        raise PermissionDenied
    with transaction.atomic():
        latest = Report.objects.for_place(programme=programme, country=country).filter(period_code=period.code)
        report = latest.select_for_update().order_by("-version").first()
        if report is None:
            report = Report.objects.create(
                programme=programme, country=country, period_code=period.code, created_by=user
            )
        return report


def report_narratives_save(*, report: Report, user: User, context: str, challenges: str, stories: str) -> Report:
    _require(user, Right.WRITE_REPORTS, report.country)
    if report.is_approved:
        raise ValidationError(_("An approved report cannot be changed: issue a new version."))
    report.context, report.challenges, report.stories = context.strip(), challenges.strip(), stories.strip()
    report.save(update_fields=["context", "challenges", "stories"])
    return report


def _unapproved_countries(report: Report) -> list[str]:
    countries = [report.country] if report.country else list(report.programme.countries.order_by("name_en"))
    approved = set(
        PeriodReview.objects.filter(
            programme=report.programme, period_code=report.period_code, status=Status.APPROVED
        ).values_list("country_id", flat=True)
    )
    return [country.name for country in countries if country.pk not in approved]


def report_approve(*, report: Report, approved_by: User) -> Report:
    """Freeze the report's figures and texts: from now on it reads the same, whatever is corrected later.

    Its files are rendered and kept once the approval has committed, so that downloads serve them as they are.
    """
    _require(approved_by, Right.APPROVE_PERIODS, report.country)
    waiting = _unapproved_countries(report)
    if waiting:
        raise ValidationError(
            _("The figures of %(countries)s for %(period)s are not approved yet.")
            % {"countries": ", ".join(waiting), "period": report.period_code}
        )
    frozen = frozen_report_data(report)  # computed before the transaction: it reads a lot, writes nothing
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.is_approved:
            raise ValidationError(_("This version is already approved."))
        report.frozen, report.status = frozen, Report.Status.APPROVED
        report.approved_by, report.approved_at = approved_by, timezone.now()
        report.save()
        audit_record(
            action=AuditAction.REPORT_APPROVED,
            actor=approved_by,
            target_kind="report",
            target_id=str(report.pk),
            target_label=str(report),
        )
        # After the commit, outside the transaction: rendering takes seconds, and on SQLite a write transaction
        # holds every other writer that long. Should it fail, the approval stands and each file is rendered on
        # its first download instead (robust: the error is logged, not raised to the approver).
        transaction.on_commit(_files_renderer(report.pk), robust=True)
    return report


def _files_renderer(report_pk: int) -> Callable[[], None]:
    def render_approved_report_files() -> None:  # a named function: Django's log of a failure names it
        report_files_render(Report.objects.get(pk=report_pk), synthetic=demo_data_is_synthetic())

    return render_approved_report_files


def report_new_version(*, report: Report, user: User) -> Report:
    """Start the next version of an approved report, with its narratives to edit."""
    _require(user, Right.WRITE_REPORTS, report.country)
    with transaction.atomic():
        siblings = Report.objects.for_place(programme=report.programme, country=report.country).filter(
            period_code=report.period_code
        )
        latest = siblings.select_for_update().order_by("-version").first()
        if latest is None or not latest.is_approved:
            raise ValidationError(_("A new version can only follow an approved one."))
        return Report.objects.create(
            programme=report.programme,
            country=report.country,
            period_code=report.period_code,
            version=latest.version + 1,
            context=latest.context,
            challenges=latest.challenges,
            stories=latest.stories,
            created_by=user,
        )
