"""Reads for reporting: reviews, reports and the targets off track, always through the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from sahay.accounts.models import ScopeKind, User
from sahay.accounts.rights import Right
from sahay.accounts.scope import Scope, scope_of
from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.figures.progress import Status
from sahay.figures.selectors import figure_table_in_scope
from sahay.frameworks.models import Indicator, Programme, Target
from sahay.reports.figureset import PROGRAMME, CellKey, Window
from sahay.reports.models import PeriodReview, Report


def off_track_targets(*, programme: Programme, country: Country, period: Period) -> list[Indicator]:
    """Targets whose cumulative figure for the country is off track at the end of the period."""
    table = figure_table_in_scope(
        scope=Scope(ScopeKind.ALL), programme=programme, period=period, cumulative=True, country=country
    )
    return [
        row.indicator
        for group in table.strategies
        for row in group.rows
        if row.indicator.is_target
        and (figure := row.for_country(country.code)) is not None
        and figure.status == Status.OFF_TRACK
    ]


def review_list(*, user: User, programme: Programme, period: Period) -> list[PeriodReview]:
    """Every country of the user's scope for the period, with its review (unsaved drafts where none exists)."""
    existing = {
        review.country_id: review
        for review in PeriodReview.objects.filter(programme=programme, period_code=period.code).select_related(
            "country"
        )
    }
    countries = scope_of(user).countries().filter(programmes=programme).order_by("name_en")
    return [
        existing.get(country.pk) or PeriodReview(programme=programme, country=country, period_code=period.code)
        for country in countries
    ]


def report_list(*, user: User, programme: Programme) -> QuerySet[Report]:
    """Reports the user may read: drafts and approved ones in scope for staff, approved ones for donors."""
    reports = Report.objects.filter(programme=programme).select_related("country")
    scope = scope_of(user)
    if user.has_perm(Right.VIEW_FIGURES.permission):
        if scope.kind == ScopeKind.ALL:
            return reports
        if scope.kind == ScopeKind.COUNTRY and scope.country_id is not None:
            return reports.filter(country_id=scope.country_id)
        return reports.none()  # a partner sees its own organisation's figures, not a country's report
    if user.has_perm(Right.VIEW_PUBLISHED_FIGURES.permission):
        # A donor reads the latest approved version of each report: two versions side by side would show
        # by how much a figure was corrected.
        latest: dict[tuple[int | None, str], tuple[int, int]] = {}
        for pk, country, period_code, version in reports.filter(status=Report.Status.APPROVED).values_list(
            "pk", "country_id", "period_code", "version"
        ):
            key = (country, period_code)
            if key not in latest or version > latest[key][0]:
                latest[key] = (version, pk)
        return reports.filter(pk__in=[pk for _version, pk in latest.values()])
    return reports.none()


@dataclass
class PublishedRow:
    indicator: Indicator
    target: str
    cells: list[tuple[str, str]]  # (period, cumulative) display per place: programme first, then countries


@dataclass
class PublishedTable:
    report: Report
    places: list[str]  # column headings
    rows: list[tuple[str, list[PublishedRow]]]  # per strategy


def published_table(*, programme: Programme, period_code: str | None) -> PublishedTable | None:
    """What a donor sees: the figures of the latest approved programme report (of a period, or the newest)."""
    from sahay.reports.building import shown

    approved = Report.objects.for_place(programme=programme, country=None).filter(status=Report.Status.APPROVED)
    if period_code:
        approved = approved.filter(period_code=period_code)
    report = approved.order_by("-period_code", "-version").first()
    if report is None or report.published is None:
        return None
    published = report.published
    countries = list(programme.countries.order_by("name_en"))
    codes = [PROGRAMME, *(country.code for country in countries)]
    targets = {
        target.indicator_id: target.value
        for target in Target.objects.filter(indicator__programme=programme, country__isnull=True, period_code="")
    }
    groups = []
    for strategy in programme.strategies.all():
        rows = [
            PublishedRow(
                indicator=indicator,
                target=shown_number(targets.get(indicator.pk)),
                cells=[
                    (
                        shown(published.get(CellKey(indicator.code, code, Window.PERIOD))),
                        shown(published.get(CellKey(indicator.code, code, Window.CUMULATIVE))),
                    )
                    for code in codes
                ],
            )
            for indicator in strategy.indicators.all()
        ]
        groups.append((strategy.name, rows))
    return PublishedTable(report=report, places=[_("Programme"), *(c.name for c in countries)], rows=groups)


def shown_number(value: Decimal | None) -> str:
    return "–" if value is None else number_format(value, decimal_pos=0, force_grouping=True)
