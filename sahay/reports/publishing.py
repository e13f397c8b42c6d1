"""The figures that may leave the app for a period: frozen ones of an approved report, else computed now.

Disclosure control looks at what the previous half-year's report showed, so a semester's published figures
are computed after those of the semester before it.
"""

from __future__ import annotations

from sahay.core.models import Country
from sahay.core.periods import Period, PeriodKind, semesters_between
from sahay.frameworks.models import Programme
from sahay.reports.disclosure import PublishedFigures, publish
from sahay.reports.figureset import figure_set


def previous_semester(programme: Programme, period: Period) -> Period | None:
    if period.kind != PeriodKind.SEMESTER:
        return None
    earlier = [semester for semester in semesters_between(programme.start, period.start) if semester < period]
    return earlier[-1] if earlier else None


def published_figures(*, programme: Programme, period: Period, country: Country | None = None) -> PublishedFigures:
    """The period's figures as outputs show them (the programme and every country, or one country)."""
    return published_chain(programme=programme, period=period, country=country)[-1]


def published_chain(
    *, programme: Programme, period: Period, country: Country | None = None, fresh: bool = False
) -> list[PublishedFigures]:
    """The published figures of every semester up to the period (the period itself last).

    A semester with an approved report keeps the figures the report froze; the others are computed now,
    each knowing what the one before showed. With `fresh`, the period itself is computed now even when a
    report of it was approved (a new version of that report). A period that is not a semester stands alone.
    """
    if period.kind != PeriodKind.SEMESTER:
        return [publish(figure_set(programme=programme, period=period, country=country))]
    chain: list[PublishedFigures] = []
    for semester in semesters_between(programme.start, period.end):
        recompute = fresh and semester == period
        frozen = None if recompute else frozen_figures(programme=programme, period=semester, country=country)
        if frozen is None:
            previous = chain[-1] if chain else None
            frozen = publish(figure_set(programme=programme, period=semester, country=country), previous)
        chain.append(frozen)
    return chain


def frozen_figures(*, programme: Programme, period: Period, country: Country | None) -> PublishedFigures | None:
    """The published figures of the latest approved report for exactly this period and place, if any."""
    from sahay.reports.models import Report  # models import this module's callers, not the other way round

    report = Report.objects.approved_latest(programme=programme, period_code=period.code, country=country)
    return report.published if report is not None else None


def approved_semesters(programme: Programme) -> list[PublishedFigures]:
    """The published figures of every semester whose programme report is approved, oldest first."""
    from sahay.reports.models import Report

    latest: dict[str, Report] = {}
    for report in Report.objects.for_place(programme=programme, country=None).filter(status=Report.Status.APPROVED):
        if report.period_code not in latest or report.version > latest[report.period_code].version:
            latest[report.period_code] = report
    return [published for code in sorted(latest) if (published := latest[code].published) is not None]
