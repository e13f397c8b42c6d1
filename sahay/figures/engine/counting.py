"""Counting qualifying events in a window, per place, with disaggregation by sex and age band."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest

from sahay.figures.engine.rules import CountingRule
from sahay.figures.ledger.read import window_events

Grouping = Literal["country", "organisation", "programme"]
GROUP_FIELDS = {"country": "_country", "organisation": "_organisation"}
SEXES = ("female", "male", "other", "unknown")
AGE_BANDS = ("0-11", "12-17", "18+", "unknown")


@dataclass(frozen=True)
class Window:
    start: date
    end: date


@dataclass
class Tally:
    """A figure for one place: its value and, for counts of people, the cells that add up to it."""

    value: Decimal | None
    cells: dict[str, int] = field(default_factory=dict)
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def age_band(first: date, turns_12_on: date | None, turns_18_on: date | None) -> str:
    if turns_18_on is None or turns_12_on is None:
        return "unknown"
    if first < turns_12_on:
        return "0-11"
    if first < turns_18_on:
        return "12-17"
    return "18+"


def cell_key(sex: str, band: str) -> str:
    return f"sex:{sex}|age_band:{band}"


def _events(rule: CountingRule, window: Window, today: date, restrict: Q, live: bool) -> QuerySet[Any]:
    """The ledger's rows of the rule when it is built (`live`: the engine's query all the same)."""
    return window_events(rule, start=window.start, end=window.end, today=today, live=live).filter(restrict)


def _plain_counts(
    rule: CountingRule, window: Window, today: date, grouping: Grouping, restrict: Q, live: bool
) -> dict[Any, Decimal]:
    events = _events(rule, window, today, restrict, live)
    measure = Sum("_value") if rule.count == "reach" else Count("_subject", distinct=True)
    if grouping == "programme":
        total = events.aggregate(n=measure)["n"]
        return {None: Decimal(total or 0)}
    group_field = GROUP_FIELDS[grouping]
    rows = events.order_by().values(group_field).annotate(n=measure).values_list(group_field, "n")
    return {key: Decimal(n or 0) for key, n in rows}


def _people_cells(
    rule: CountingRule, window: Window, today: date, grouping: Grouping, restrict: Q, live: bool
) -> dict[Any, dict[str, int]]:
    """Each person once per place, split by sex and by age band on their first qualifying date in the window."""
    events = _events(rule, window, today, restrict, live)
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
    restrict: Q | None = None,
    disaggregate: bool = False,
    live: bool = False,
) -> dict[Any, Tally]:
    """The rule's figure in the window for each place of the grouping (key None for the programme).

    Counted over the ledger when the rule is built there, else live; `live` counts live all the same.
    """
    restrict = restrict or Q()
    if rule.count == "percentage":
        if rule.numerator is None or rule.denominator is None:
            raise ValueError("a percentage rule needs a numerator and a denominator")
        numerators = _plain_counts(rule.numerator, window, today, grouping, restrict, live)
        denominators = _plain_counts(rule.denominator, window, today, grouping, restrict, live)
        result = {}
        for key in set(numerators) | set(denominators):
            numerator, denominator = numerators.get(key, Decimal(0)), denominators.get(key, Decimal(0))
            value = (numerator * 100 / denominator).quantize(Decimal("0.1")) if denominator else None
            result[key] = Tally(value=value, numerator=numerator, denominator=denominator)
        return result
    if disaggregate and rule.counts_people:
        return {
            key: Tally(value=Decimal(sum(cells.values())), cells=cells)
            for key, cells in _people_cells(rule, window, today, grouping, restrict, live).items()
        }
    return {
        key: Tally(value=value) for key, value in _plain_counts(rule, window, today, grouping, restrict, live).items()
    }
