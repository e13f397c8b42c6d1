"""The figures that may leave the app for a half year: frozen ones of an approved report, else computed now.

Disclosure control looks at what the previous half year's report showed, so a half year's published figures
are computed after those of the half year before it. Figures are published by half year only: a year's
figures, published beside its half years, could be subtracted from them.
"""

from __future__ import annotations

from sahay.core.models import Country, Organisation
from sahay.core.periods import Period, PeriodKind, semesters_between
from sahay.frameworks.models import Programme
from sahay.reports.disclosure import PublishedFigures, publish
from sahay.reports.figureset import FigureSet, figure_set


def published_figures(
    *, programme: Programme, period: Period, country: Country | None = None, organisation: Organisation | None = None
) -> PublishedFigures:
    """The half year's figures as outputs show them: the programme and every country, one country, or one
    partner organisation's own."""
    return published_chain(programme=programme, period=period, country=country, organisation=organisation)[-1]


def published_chain(
    *,
    programme: Programme,
    period: Period,
    country: Country | None = None,
    organisation: Organisation | None = None,
    fresh: bool = False,
) -> list[PublishedFigures]:
    """The published figures of every half year up to the period (the period itself last).

    A half year with an approved programme report keeps the figures the report froze; the others are computed
    now, each knowing what the one before showed. With `fresh`, the period itself is computed now even when
    its report was approved (for a new version). A country's figures are its part of the programme's, so what
    one output hides no other output shows; a partner organisation's own figures are published on their own.
    """
    if period.kind != PeriodKind.SEMESTER:
        raise ValueError(f"figures are published by half year, not for {period}")
    if country is not None and organisation is None:
        whole = published_chain(programme=programme, period=period, fresh=fresh)
        return [figures.only_place(country.code) for figures in whole]
    chain: list[PublishedFigures] = []
    semesters = semesters_between(programme.start, period.end)
    previous_truth: FigureSet | None = None  # the true figures of the semester before, when computed
    for index, semester in enumerate(semesters):
        reuse = organisation is None and not (fresh and semester == period)
        figures = frozen_figures(programme=programme, period=semester) if reuse else None
        if figures is None:
            previous = chain[-1] if chain else None
            if previous is not None and previous_truth is None:  # the one before was frozen: its figures now
                previous_truth = figure_set(programme=programme, period=semesters[index - 1], organisation=organisation)
            truth = figure_set(programme=programme, period=semester, organisation=organisation)
            figures = publish(truth, previous, previous_truth)
            previous_truth = truth
        else:
            previous_truth = None
        chain.append(figures)
    return chain


def frozen_figures(*, programme: Programme, period: Period, country: Country | None = None) -> PublishedFigures | None:
    """What the latest approved programme report of the half year published (of one country, or all)."""
    from sahay.reports.models import Report  # models import this module's callers, not the other way round

    report = Report.objects.approved_latest(programme=programme, period_code=period.code, country=None)
    published = report.published if report is not None else None
    if published is None or country is None:
        return published
    return published.only_place(country.code)


def approved_semesters(programme: Programme) -> list[PublishedFigures]:
    """The published figures of every semester whose programme report is approved, oldest first."""
    from sahay.reports.models import Report

    latest: dict[str, Report] = {}
    for report in Report.objects.for_place(programme=programme, country=None).filter(status=Report.Status.APPROVED):
        if report.period_code not in latest or report.version > latest[report.period_code].version:
            latest[report.period_code] = report
    return [published for code in sorted(latest) if (published := latest[code].published) is not None]
