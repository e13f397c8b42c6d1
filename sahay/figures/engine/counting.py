"""Counting qualifying events in a window, per place, with disaggregation by sex and age band."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest

from sahay.figures.engine.cells import AGE_BANDS, SEXES, age_band, cell_key
from sahay.figures.engine.rules import CountingRule
from sahay.figures.ledger.models import LedgerRule
from sahay.figures.ledger.read import kept_counts, ready_rule, window_events

Grouping = Literal["country", "organisation", "programme"]
GROUP_FIELDS = {"country": "_country", "organisation": "_organisation"}
__all__ = ["AGE_BANDS", "SEXES", "Tally", "Window", "Within", "age_band", "cell_key", "tally"]


@dataclass(frozen=True)
class Window:
    start: date
    end: date


@dataclass(frozen=True)
class Within:
    """Which events a figure may count: all, or those of a country, of an organisation, or both; or none."""

    country: int | None = None
    organisation: int | None = None
    nothing: bool = False

    def condition(self) -> Q:
        """The same, as a filter on the events' `_country` and `_organisation` columns."""
        if self.nothing:
            return Q(pk__in=[])
        condition = Q()
        if self.country is not None:
            condition &= Q(_country=self.country)
        if self.organisation is not None:
            condition &= Q(_organisation=self.organisation)
        return condition

    def in_country(self, country: int | None) -> Within:
        if country is None:
            return self
        if self.country is not None and self.country != country:
            return Within(nothing=True)
        return Within(country=country, organisation=self.organisation, nothing=self.nothing)


EVERYWHERE = Within()


@dataclass
class Tally:
    """A figure for one place: its value and, for counts of people, the cells that add up to it."""

    value: Decimal | None
    cells: dict[str, int] = field(default_factory=dict)
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def _events(
    rule: CountingRule, ledger_rule: LedgerRule | None, window: Window, today: date, within: Within
) -> QuerySet[Any]:
    events = window_events(rule, ledger_rule, start=window.start, end=window.end, today=today)
    return events.filter(within.condition())


def _plain_counts(
    rule: CountingRule, window: Window, today: date, grouping: Grouping, within: Within, live: bool
) -> dict[Any, Decimal]:
    ledger_rule = None if live else ready_rule(rule)
    kept = kept_counts(ledger_rule, window=window, today=today, grouping=grouping, within=within)
    if kept is not None:
        counted = {key: Decimal(sum(cells.values())) for key, cells in kept.items()}
        return {None: counted.get(None, Decimal(0))} if grouping == "programme" else counted
    events = _events(rule, ledger_rule, window, today, within)
    measure = Sum("_value") if rule.count == "reach" else Count("_subject", distinct=True)
    if grouping == "programme":
        total = events.aggregate(n=measure)["n"]
        return {None: Decimal(total or 0)}
    group_field = GROUP_FIELDS[grouping]
    rows = events.order_by().values(group_field).annotate(n=measure).values_list(group_field, "n")
    return {key: Decimal(n or 0) for key, n in rows}


def _people_cells(
    rule: CountingRule, window: Window, today: date, grouping: Grouping, within: Within, live: bool
) -> dict[Any, dict[str, int]]:
    """Each person once per place, split by sex and by age band on their first qualifying date in the window."""
    ledger_rule = None if live else ready_rule(rule)
    kept = kept_counts(ledger_rule, window=window, today=today, grouping=grouping, within=within)
    if kept is not None:
        return {key: {cell_key(sex, band): n for (sex, band), n in cells.items() if n} for key, cells in kept.items()}
    events = _events(rule, ledger_rule, window, today, within)
    keys = [] if grouping == "programme" else [GROUP_FIELDS[grouping]]
    rows = (
        events.order_by()
        .values(*keys, "_subject")
        .annotate(
            first=Min(Greatest("_start", Value(window.start))),
            sex=Max("_sex"),
            turns_12_on=Max("_turns_12_on"),
            turns_18_on=Max("_turns_18_on"),
        )
        .values_list(*keys, "first", "sex", "turns_12_on", "turns_18_on")
    )
    cells: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = row[0] if keys else None
        first, sex, turns_12_on, turns_18_on = row[-4:]
        cells[key][cell_key(sex or "unknown", age_band(first, turns_12_on, turns_18_on))] += 1
    return {key: dict(value) for key, value in cells.items()}


def tally(
    rule: CountingRule,
    *,
    window: Window,
    today: date,
    grouping: Grouping,
    within: Within = EVERYWHERE,
    disaggregate: bool = False,
    live: bool = False,
) -> dict[Any, Tally]:
    """The rule's figure in the window for each place of the grouping (key None for the programme).

    Counted over the ledger when the rule is built there, else live; `live` counts live all the same.
    """
    if rule.count == "percentage":
        if rule.numerator is None or rule.denominator is None:
            raise ValueError("a percentage rule needs a numerator and a denominator")
        numerators = _plain_counts(rule.numerator, window, today, grouping, within, live)
        denominators = _plain_counts(rule.denominator, window, today, grouping, within, live)
        result = {}
        for key in set(numerators) | set(denominators):
            numerator, denominator = numerators.get(key, Decimal(0)), denominators.get(key, Decimal(0))
            value = (numerator * 100 / denominator).quantize(Decimal("0.1")) if denominator else None
            result[key] = Tally(value=value, numerator=numerator, denominator=denominator)
        return result
    if disaggregate and rule.counts_people:
        return {
            key: Tally(value=Decimal(sum(cells.values())), cells=cells)
            for key, cells in _people_cells(rule, window, today, grouping, within, live).items()
        }
    return {
        key: Tally(value=value) for key, value in _plain_counts(rule, window, today, grouping, within, live).items()
    }
