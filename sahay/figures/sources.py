"""Where an indicator's figures come from: records through the engine, or aggregate entries.

The indicator's `source` decides, never both added. Scope is applied here, once, for both.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from sahay.accounts.models import ScopeKind
from sahay.accounts.scope import Scope
from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.figures.aggregates import EntryValue, figure_from_entries
from sahay.figures.engine.counting import EVERYWHERE, Tally, Window, Within, tally
from sahay.figures.engine.rules import CountingRule
from sahay.figures.models import AggregateEntry
from sahay.frameworks.models import Indicator, Programme

EntriesByPlace = dict[tuple[int, int], dict[int | None, list[EntryValue]]]


@dataclass
class PlaceValues:
    by_country: dict[int, Decimal | None]
    total: Decimal | None = None
    countries_overlap: bool = False


def window_of(programme: Programme, period: Period, cumulative: bool) -> Window:
    """A period's own dates, or from the programme start to the period's end."""
    return Window(start=programme.start if cumulative else period.start, end=period.end)


def scope_restriction(scope: Scope) -> Within:
    """Which qualifying events a scope may count."""
    if scope.kind == ScopeKind.ALL:
        return EVERYWHERE
    if scope.kind == ScopeKind.COUNTRY:
        return Within(country=scope.country_id)
    if scope.kind == ScopeKind.ORGANISATION:
        return Within(organisation=scope.organisation_id)
    return Within(nothing=True)


@dataclass
class FigureSources:
    scope: Scope
    programme: Programme
    period: Period
    cumulative: bool
    _entries: EntriesByPlace | None = field(default=None, init=False)

    def values(self, indicator: Indicator, countries: list[Country], *, with_total: bool) -> PlaceValues:
        if indicator.source == Indicator.Source.RECORDS:
            return self._from_records(indicator, countries, with_total)
        return self._from_entries(indicator, countries, with_total)

    def tallies(self, indicator: Indicator, *, grouping: str, disaggregate: bool = False) -> dict[int | None, Tally]:
        return tally(
            CountingRule.parse(indicator.counting_rule),
            window=window_of(self.programme, self.period, self.cumulative),
            today=timezone.localdate(),
            grouping=grouping,  # type: ignore[arg-type]
            within=scope_restriction(self.scope),
            disaggregate=disaggregate,
        )

    def _from_records(self, indicator: Indicator, countries: list[Country], with_total: bool) -> PlaceValues:
        by_country = self.tallies(indicator, grouping="country")
        values = PlaceValues(
            by_country={
                country.pk: by_country[country.pk].value if country.pk in by_country else Decimal(0)
                for country in countries
            }
        )
        if with_total:
            values.total = self.tallies(indicator, grouping="programme")[None].value
            country_sum = sum((value or Decimal(0) for value in values.by_country.values()), Decimal(0))
            values.countries_overlap = (
                indicator.counts_unique and values.total is not None and country_sum > values.total
            )
        return values

    def _from_entries(self, indicator: Indicator, countries: list[Country], with_total: bool) -> PlaceValues:
        if self._entries is None:
            self._entries = _entries_by_place(self.scope, self.programme)
        by_country = {
            country.pk: _place_figure(self._entries, indicator, country.pk, self.period, self.cumulative)
            for country in countries
        }
        values = PlaceValues(by_country=by_country)
        if with_total:
            # Entries cannot tell who was counted in two countries: the programme figure is their sum.
            known = [value for value in by_country.values() if value is not None]
            values.total = sum(known, Decimal(0)) if known else None
        return values


def _entries_by_place(scope: Scope, programme: Programme) -> EntriesByPlace:
    """Entries in scope, by (indicator, country), then by organisation (None: entered for the country)."""
    grouped: EntriesByPlace = defaultdict(lambda: defaultdict(list))
    entries = scope.filter(AggregateEntry.objects.filter(indicator__programme=programme))
    rows = entries.order_by().values_list(
        "indicator_id", "country_id", "organisation_id", "period_code", "kind", "disaggregation", "value"
    )
    for indicator_id, country_id, organisation_id, period_code, kind, disaggregation, value in rows:
        grouped[(indicator_id, country_id)][organisation_id].append(
            EntryValue(Period.parse(period_code), kind, disaggregation, value)
        )
    return grouped


def _place_figure(
    entries: EntriesByPlace, indicator: Indicator, country_id: int, period: Period, cumulative: bool
) -> Decimal | None:
    parts = [
        figure_from_entries(values, unique=indicator.counts_unique, period=period, cumulative=cumulative)
        for values in entries.get((indicator.pk, country_id), {}).values()
    ]
    known = [part for part in parts if part is not None]
    return sum(known, Decimal(0)) if known else None


@dataclass
class Breakdown:
    """One figure taken apart: by sex and age band (for counts of people) and by organisation."""

    total: Tally
    by_organisation: list[tuple[str, Decimal]]
    # Estimated reach of mass activities, for indicators that accept it: shown beside, never added.
    reach: Decimal | None = None
    sexes: tuple[str, ...] = ("female", "male", "other", "unknown")
    bands: tuple[str, ...] = ("0-11", "12-17", "18+", "unknown")

    def grid(self) -> list[tuple[str, list[int], int]]:
        """Rows of (sex, counts per age band, row total); cells that are all zero are left out."""
        rows = []
        for sex in self.sexes:
            counts = [self.total.cells.get(f"sex:{sex}|age_band:{band}", 0) for band in self.bands]
            if any(counts):
                rows.append((sex, counts, sum(counts)))
        return rows

    def band_totals(self) -> list[int]:
        return [sum(self.total.cells.get(f"sex:{sex}|age_band:{band}", 0) for sex in self.sexes) for band in self.bands]


def figure_breakdown(
    *, scope: Scope, indicator: Indicator, period: Period, cumulative: bool, country: Country | None
) -> Breakdown | None:
    """A records-based figure in the scope (and country), split by sex and age band and by organisation."""
    from sahay.core.models import Organisation

    if indicator.source != Indicator.Source.RECORDS:
        return None
    rule = CountingRule.parse(indicator.counting_rule)
    window = window_of(indicator.programme, period, cumulative)
    within = scope_restriction(scope).in_country(country.pk if country else None)
    today = timezone.localdate()
    totals = tally(rule, window=window, today=today, grouping="programme", within=within, disaggregate=True)
    total = totals.get(None) or Tally(value=Decimal(0))
    per_organisation = tally(rule, window=window, today=today, grouping="organisation", within=within)
    names = dict(Organisation.objects.filter(pk__in=[key for key in per_organisation if key]).values_list("pk", "name"))
    by_organisation = sorted(
        ((names.get(key, "–"), result.value or Decimal(0)) for key, result in per_organisation.items()),
        key=lambda pair: (-pair[1], pair[0]),
    )
    reach = None
    if rule.accepts_reach:
        kinds = {"activity_kind": rule.where["activity_kind"]} if "activity_kind" in rule.where else {}
        reach_rule = CountingRule(count="reach", source="reach", where=kinds)
        reach = tally(reach_rule, window=window, today=today, grouping="programme", within=within)[None].value
    return Breakdown(total=total, by_organisation=by_organisation, reach=reach)
