"""Approved periods are locked: a change to their records needs a typed reason, is audited and restated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
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


def locked_reviews(*, country_ids: Iterable[int | None], days: Iterable[date | None]) -> list[PeriodReview]:
    """The approved reviews of the countries whose half years contain any of the days.

    Inside a transaction the reviews are locked, so an approval cannot slip in between this check and the
    change it guards.
    """
    codes = {Period.semester_of(day).code for day in days if day is not None}
    countries = {country for country in country_ids if country is not None}
    if not codes or not countries:
        return []
    reviews = PeriodReview.objects.filter(
        Q(country_id__in=countries, period_code__in=codes, status=PeriodReview.Status.APPROVED)
    ).order_by("period_code", "country_id")
    return list(reviews.select_for_update() if transaction.get_connection().in_atomic_block else reviews)


def correction_require_reason(
    *, country_ids: Iterable[int | None], days: Iterable[date | None], reason: str, field: str = CORRECTION_FIELD
) -> list[PeriodReview]:
    """Refuse a change to an approved half year without a reason; return the reviews it touches.

    Call it inside the transaction of the change, with the record's old and new countries and dates.
    """
    reviews = locked_reviews(country_ids=country_ids, days=days)
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


@dataclass
class ApprovedPeriodChange:
    """A change checked against the approved half years it touches; `done` keeps and audits it as a correction."""

    reviews: list[PeriodReview]
    made_by: User
    organisation: Organisation | None
    record_kind: str
    reason: str

    def done(self, record_id: str) -> None:
        """After the write: keep the correction, and bring the figure ledger up to what was written."""
        from sahay.figures.ledger.maintain import flush

        flush()
        correction_record(
            reviews=self.reviews,
            made_by=self.made_by,
            organisation=self.organisation,
            record_kind=self.record_kind,
            record_id=record_id,
            reason=self.reason,
        )


def approved_period_change(
    *,
    made_by: User,
    organisation: Organisation | None,
    record_kind: str,
    country_ids: Iterable[int | None],
    days: Iterable[date | None],
    reason: str,
    field: str = CORRECTION_FIELD,
) -> ApprovedPeriodChange:
    """The one step of every write that can change a figure.

    Call inside the change's transaction, before writing: it refuses a change to an approved half year
    without a reason. Call `done` with the record's id after writing: it keeps the correction and updates
    the figure ledger in the same transaction.
    """
    reviews = correction_require_reason(country_ids=country_ids, days=days, reason=reason, field=field)
    return ApprovedPeriodChange(reviews, made_by, organisation, record_kind, reason)
