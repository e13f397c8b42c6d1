"""The raw figures a report or export is made of: every indicator, per place, for a period and cumulatively.

A figure set is computed by the engine and never leaves the app as it is: `disclosure.publish` turns it
into the published figures every output shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sahay.accounts.models import ScopeKind
from sahay.accounts.scope import Scope
from sahay.core.models import Country, Organisation
from sahay.core.periods import Period
from sahay.figures.engine.counting import AGE_BANDS, SEXES, Tally
from sahay.figures.engine.rules import CountingRule
from sahay.figures.sources import FigureSources
from sahay.frameworks.models import Indicator, Programme

PROGRAMME = ""  # the place of a programme total; countries are their ISO codes
SPLIT_VALUES = {"sex": SEXES, "age_band": AGE_BANDS}


def split_keys(dimension: str) -> list[str]:
    """The cells a dimension splits a figure into: "sex:female", ..., "sex:unknown"."""
    return [f"{dimension}:{value}" for value in SPLIT_VALUES[dimension]]


class Window(StrEnum):
    PERIOD = "period"
    CUMULATIVE = "cumulative"


@dataclass(frozen=True, order=True)
class CellKey:
    """One number of a report: an indicator's figure for a place and window, whole or one disaggregation."""

    indicator: str
    place: str  # PROGRAMME or a country code
    window: Window
    split: str = ""  # "" for the whole figure, else "sex:female", "age_band:12-17", ...

    def as_text(self) -> str:
        return "|".join((self.indicator, self.place, self.window.value, self.split))

    @classmethod
    def from_text(cls, text: str) -> CellKey:
        indicator, place, window, split = text.split("|")
        return cls(indicator, place, Window(window), split)


@dataclass(frozen=True)
class IndicatorFacts:
    """What the disclosure rules need to know of an indicator."""

    code: str
    about_victims: bool
    # Events and items add up across places and periods; unique counts do not (a child served in two
    # countries or two semesters counts once in the total).
    additive: bool
    splits: tuple[str, ...] = ()  # disaggregation dimensions present ("sex", "age_band")

    def split_keys(self, dimension: str) -> list[str]:
        return split_keys(dimension)


@dataclass
class FigureSet:
    period: Period
    # True when the cumulative window is the period itself (the programme's first period).
    first_period: bool
    places: list[str]
    facts: dict[str, IndicatorFacts]
    values: dict[CellKey, Decimal] = field(default_factory=dict)

    def value(self, key: CellKey) -> Decimal | None:
        return self.values.get(key)


def indicator_facts(indicator: Indicator) -> IndicatorFacts:
    rule = CountingRule.parse(indicator.counting_rule)
    splits = tuple(d for d in indicator.disaggregations if d in SPLIT_VALUES) if rule.counts_people else ()
    return IndicatorFacts(
        code=indicator.code,
        about_victims=indicator.about_victims,
        additive=not rule.counts_unique and rule.count != "percentage",
        splits=splits,
    )


def figure_set(
    *, programme: Programme, period: Period, country: Country | None = None, organisation: Organisation | None = None
) -> FigureSet:
    """Every indicator's raw figures for the period: the programme total and each country, one country, or
    one partner organisation's own (in its country's column)."""
    scope = Scope(ScopeKind.ALL)
    if organisation is not None:
        country = organisation.country
        scope = Scope(ScopeKind.ORGANISATION, country_id=organisation.country_id, organisation_id=organisation.pk)
    countries = list(programme.countries.filter(pk=country.pk) if country else programme.countries.order_by("code"))
    places = [c.code for c in countries] if country else [PROGRAMME, *(c.code for c in countries)]
    codes = {c.pk: c.code for c in countries}
    indicators = list(programme.indicators.all())
    result = FigureSet(
        period=period,
        first_period=period.start <= programme.start,
        places=places,
        facts={indicator.code: indicator_facts(indicator) for indicator in indicators},
    )
    for window in Window:
        cumulative = window == Window.CUMULATIVE
        if cumulative and result.first_period:
            continue
        sources = FigureSources(scope=scope, programme=programme, period=period, cumulative=cumulative)
        for indicator in indicators:
            facts = result.facts[indicator.code]
            if indicator.source == Indicator.Source.RECORDS:
                _add_tallies(result, sources, indicator, facts, window, countries, codes, with_total=country is None)
            else:
                values = sources.values(indicator, countries, with_total=country is None)
                for pk, value in values.by_country.items():
                    if value is not None:
                        result.values[CellKey(indicator.code, codes[pk], window)] = value
                if values.total is not None:
                    result.values[CellKey(indicator.code, PROGRAMME, window)] = values.total
    if result.first_period:  # the cumulative figures of the first period are its period figures
        for key, value in list(result.values.items()):
            result.values[CellKey(key.indicator, key.place, Window.CUMULATIVE, key.split)] = value
    return result


def _add_tallies(
    result: FigureSet,
    sources: FigureSources,
    indicator: Indicator,
    facts: IndicatorFacts,
    window: Window,
    countries: list[Country],
    codes: dict[int, str],
    *,
    with_total: bool,
) -> None:
    disaggregate = bool(facts.splits)
    places: dict[str, Tally] = {}
    by_country = sources.tallies(indicator, grouping="country", disaggregate=disaggregate)
    for pk, code in codes.items():
        places[code] = by_country.get(pk) or Tally(value=Decimal(0))
    if with_total:
        places[PROGRAMME] = sources.tallies(indicator, grouping="programme", disaggregate=disaggregate).get(
            None
        ) or Tally(value=Decimal(0))
    for place, place_tally in places.items():
        if place_tally.value is None:
            continue
        result.values[CellKey(indicator.code, place, window)] = place_tally.value
        for dimension in facts.splits:
            for split in facts.split_keys(dimension):
                total = sum(count for cell, count in place_tally.cells.items() if split in cell.split("|"))
                result.values[CellKey(indicator.code, place, window, split)] = Decimal(total)
