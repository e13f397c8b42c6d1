"""Reads of figures, always through the acting user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from sahay.accounts.models import User
from sahay.accounts.scope import Scope, scope_of
from sahay.core.models import Country
from sahay.core.periods import Period, semesters_between, years_between
from sahay.figures.engine.rules import CountingRule
from sahay.figures.ledger.read import one_lookup, ready_rule, window_events
from sahay.figures.models import AggregateEntry
from sahay.figures.progress import Figure, expected_share
from sahay.figures.sources import FigureSources, scope_restriction, window_of
from sahay.frameworks.models import Indicator, Programme, Strategy, Target
from sahay.records.models import Activity, AggregateReach, ExternalOrganisation, Household, Person, TrackedItem
from sahay.records.selectors import household_list, person_list


def aggregate_entry_list(*, user: User, search: str = "") -> QuerySet[AggregateEntry]:
    entries = scope_of(user).filter(AggregateEntry.objects.select_related("indicator", "country", "organisation"))
    if search:
        entries = (
            entries.filter(indicator__code__icontains=search)
            | entries.filter(country__code__iexact=search)
            | entries.filter(period_code__icontains=search)
        )
    return entries


def programme_periods(programme: Programme) -> list[Period]:
    """The periods a user can pick: semesters, then years, of the programme."""
    return semesters_between(programme.start, programme.end) + years_between(programme.start, programme.end)


def latest_reported_period(*, user: User, programme: Programme) -> Period:
    latest = (
        scope_of(user)
        .filter(AggregateEntry.objects.filter(indicator__programme=programme))
        .order_by("-period_end")
        .values_list("period_code", flat=True)
        .first()
    )
    return Period.parse(latest) if latest else semesters_between(programme.start, programme.end)[0]


@dataclass
class IndicatorFigures:
    indicator: Indicator
    programme_target: Decimal | None
    total: Figure | None
    by_country: dict[str, Figure] = field(default_factory=dict)
    # True when a unique count's country figures add up to more than the programme figure
    # (someone was served in two countries): the page says so.
    countries_overlap: bool = False

    def for_country(self, code: str) -> Figure | None:
        return self.by_country.get(code)


@dataclass
class StrategyFigures:
    strategy: Strategy
    rows: list[IndicatorFigures]


@dataclass
class FigureTable:
    programme: Programme
    period: Period
    cumulative: bool
    countries: list[Country]
    shows_total: bool
    strategies: list[StrategyFigures]

    @property
    def column_count(self) -> int:
        """Indicator, then programme figure, target and progress, or programme target, figures, targets, progress."""
        if self.shows_total:
            return 4 + len(self.countries)
        return 3 + 2 * len(self.countries)


def _targets(programme: Programme, period: Period, cumulative: bool) -> dict[tuple[int, str | None], Decimal]:
    """Targets by (indicator, country code or None for the programme) that apply to this window."""
    wanted_period = "" if cumulative else period.code
    targets = Target.objects.filter(indicator__programme=programme, period_code=wanted_period).select_related("country")
    return {(target.indicator_id, target.country.code if target.country else None): target.value for target in targets}


def figure_table(
    *, user: User, programme: Programme, period: Period, cumulative: bool, country: Country | None = None
) -> FigureTable:
    """Every indicator's figure per country in the user's scope, and the programme total where allowed.

    With `country`, only that country's column (the country page); the caller has checked the scope.
    """
    return figure_table_in_scope(
        scope=scope_of(user), programme=programme, period=period, cumulative=cumulative, country=country
    )


def figure_table_in_scope(
    *, scope: Scope, programme: Programme, period: Period, cumulative: bool, country: Country | None = None
) -> FigureTable:
    in_scope = scope.countries().filter(programmes=programme).order_by("name_en")
    countries = list(in_scope.filter(pk=country.pk) if country else in_scope)
    programme_targets = _targets(programme, period, cumulative=True)
    # A period's own target when one is set; otherwise the programme target, to show the period's share of it.
    period_targets = {} if cumulative else _targets(programme, period, cumulative=False)
    expected = expected_share(programme, period.end) if cumulative else None

    def make_figure(value: Decimal | None, key: tuple[int, str | None]) -> Figure:
        own_target = period_targets.get(key)
        return Figure(
            value=value,
            target=own_target if own_target is not None else programme_targets.get(key),
            judged=cumulative or own_target is not None,
            expected=expected,
            on_track_threshold=float(programme.on_track_threshold),
            at_risk_threshold=float(programme.at_risk_threshold),
        )

    with_total = scope.sees_programme_totals and country is None
    sources = FigureSources(scope=scope, programme=programme, period=period, cumulative=cumulative)
    strategies = []
    with one_lookup():  # the figures of a page look the ledger up once
        for strategy in programme.strategies.all():
            rows = []
            for indicator in strategy.indicators.all():
                row = IndicatorFigures(
                    indicator=indicator, programme_target=programme_targets.get((indicator.pk, None)), total=None
                )
                values = sources.values(indicator, countries, with_total=with_total)
                for column in countries:
                    row.by_country[column.code] = make_figure(
                        values.by_country.get(column.pk), (indicator.pk, column.code)
                    )
                if with_total:
                    row.total = make_figure(values.total, (indicator.pk, None))
                    row.countries_overlap = values.countries_overlap
                rows.append(row)
            strategies.append(StrategyFigures(strategy=strategy, rows=rows))
    return FigureTable(
        programme=programme,
        period=period,
        cumulative=cumulative,
        countries=countries,
        shows_total=scope.sees_programme_totals and country is None,
        strategies=strategies,
    )


@dataclass(frozen=True)
class RecordBehind:
    label: str
    url: str


@dataclass(frozen=True)
class RecordsBehind:
    """A page of the records behind a figure that the user may list, and how many others it counts."""

    page: Page[int] | None
    records: list[RecordBehind]
    of_other_organisations: int = 0


SUBJECT_MODELS = {
    "unique_people": "person",
    "unique_households": "household",
    "unique_organisations": "organisation",
    "items": "item",
    "events": "activity",
    "reach": "reach",
}


def records_behind(
    *,
    user: User,
    indicator: Indicator,
    country: Country | None,
    period: Period,
    cumulative: bool,
    page: str | None = None,
) -> RecordsBehind:
    """The records a figure counts (codes and opaque ids only), within the user's scope, a page at a time."""
    rule = CountingRule.parse(indicator.counting_rule)
    if rule.count == "percentage" or indicator.source != Indicator.Source.RECORDS:
        return RecordsBehind(None, [])
    window = window_of(indicator.programme, period, cumulative)
    events = window_events(
        rule, ready_rule(rule), start=window.start, end=window.end, today=timezone.localdate()
    ).filter(scope_restriction(scope_of(user)).condition())
    if country is not None:
        events = events.filter(_country=country.pk)
    subject_ids = sorted(set(events.order_by().values_list("_subject", flat=True)))
    kind = SUBJECT_MODELS[rule.count]
    others = 0
    if kind in LISTED_IN_SCOPE:
        # People and households of another organisation (served by one in scope) are counted, never named by
        # code: only those the record lists show the user are listed, as the API does (goal 2).
        listed = set(LISTED_IN_SCOPE[kind](user=user).filter(pk__in=subject_ids).values_list("pk", flat=True))
        others = len(subject_ids) - len(listed)
        subject_ids = [subject for subject in subject_ids if subject in listed]
    subjects_page = Paginator(subject_ids, RECORDS_PER_PAGE).get_page(page)
    return RecordsBehind(subjects_page, _labels(rule.count, list(subjects_page.object_list)), others)


RECORDS_PER_PAGE = 200
# The subjects that belong to an organisation, and the lists that say which of them the user may see.
LISTED_IN_SCOPE = {"person": person_list, "household": household_list}


def _labels(count: str, subjects: list[int]) -> list[RecordBehind]:
    kind = SUBJECT_MODELS[count]
    if kind == "person":
        return [
            RecordBehind(person.code, reverse("person_edit", args=[person.public_id]))
            for person in Person.objects.filter(pk__in=subjects).order_by("code")
        ]
    if kind == "household":
        return [
            RecordBehind(household.code, reverse("household_edit", args=[household.public_id]))
            for household in Household.objects.filter(pk__in=subjects).order_by("code")
        ]
    if kind == "organisation":
        return [
            RecordBehind(organisation.name, reverse("external_edit", args=[organisation.pk]))
            for organisation in ExternalOrganisation.objects.filter(pk__in=subjects).order_by("name")
        ]
    if kind == "item":
        # Offender records are listed by their opaque id: their titles are closed data.
        return [
            RecordBehind(
                item.title if item.kind != "offender" else item.public_id, reverse("item_edit", args=[item.public_id])
            )
            for item in TrackedItem.objects.filter(pk__in=subjects).order_by("pk")
        ]
    if kind == "reach":
        return [
            RecordBehind(
                f"{reach.activity.title}: {reach.estimate}",
                reverse("activity_participants", args=[reach.activity.public_id]),
            )
            for reach in AggregateReach.objects.filter(pk__in=subjects).select_related("activity")
        ]
    return [
        RecordBehind(f"{activity.date} {activity.title}", reverse("activity_participants", args=[activity.public_id]))
        for activity in Activity.objects.filter(pk__in=subjects).order_by("date")
    ]
