"""Approved periods are locked: a change to their records needs a typed reason, is audited and restated."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.models import Organisation
from sahay.core.periods import Period, semesters_between
from sahay.reports.models import Correction, PeriodReview

CORRECTION_FIELD = "correction_reason"


def range_days(start: date | None, end: date | None) -> list[date]:
    """A day in each half year a date range touches: a range counts in every period it overlaps.

    An open range runs to today.
    """
    if start is None:
        return []
    last = end or timezone.localdate()
    return [semester.start for semester in semesters_between(start, max(start, last))]


def locked_reviews(*, country_id: int, days: Iterable[date | None]) -> list[PeriodReview]:
    """The approved reviews of the country whose semesters contain any of the days."""
    codes = {Period.semester_of(day).code for day in days if day is not None}
    if not codes:
        return []
    return list(
        PeriodReview.objects.filter(
            Q(country_id=country_id, period_code__in=codes, status=PeriodReview.Status.APPROVED)
        ).order_by("period_code")
    )


def correction_require_reason(
    *, country_id: int, days: Iterable[date | None], reason: str, field: str = CORRECTION_FIELD
) -> list[PeriodReview]:
    """Refuse a change to an approved period without a reason; return the reviews it touches."""
    reviews = locked_reviews(country_id=country_id, days=days)
    if reviews and not reason.strip():
        periods = ", ".join(review.period_code for review in reviews)
        raise ValidationError(
            {
                field: _(
                    "The figures of %(periods)s are approved. Say why this change is needed: it will be "
                    "shown as a correction in the next report."
                )
                % {"periods": periods}
            }
        )
    return reviews


def correction_record(
    *,
    reviews: Iterable[PeriodReview],
    made_by: User,
    organisation: Organisation | None,
    record_kind: str,
    record_id: str,
    reason: str,
) -> None:
    """Keep and audit the correction, in the transaction of the change itself."""
    for review in reviews:
        Correction.objects.create(
            review=review, made_by=made_by, record_kind=record_kind, record_id=record_id, reason=reason.strip()
        )
        audit_record(
            action=AuditAction.PERIOD_CORRECTED,
            actor=made_by,
            target_kind=record_kind,
            target_id=record_id,
            organisation=organisation,
            reason=reason.strip(),
            detail={"country": review.country_id, "period": review.period_code},
        )
