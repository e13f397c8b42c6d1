"""Figures from aggregate entries, for one indicator and one place, by the indicator's counting rule.

Events and items add up across semesters and places. Unique counts (people, households, organisations)
do not: a year or a cumulative figure of a unique count is never a sum of semester entries, so it comes
from an entry stated as cumulative, or is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sahay.core.periods import Period, PeriodKind
from sahay.figures.models import AggregateEntry


@dataclass(frozen=True)
class EntryValue:
    """The part of an entry the arithmetic needs, so figures are computed from plain values."""

    period: Period
    kind: str
    disaggregation: str
    value: Decimal


def _cell_total(values: list[EntryValue], disaggregation: str) -> Decimal | None:
    """An entry's cell if asked for one; for the total, the total entry or else the cells of one dimension."""
    if disaggregation:
        cells = [value.value for value in values if value.disaggregation == disaggregation]
        return sum(cells, Decimal(0)) if cells else None
    totals = [value.value for value in values if value.disaggregation == ""]
    if totals:
        return sum(totals, Decimal(0))
    dimensions = sorted({value.disaggregation.split(":")[0] for value in values})
    if not dimensions:
        return None
    return sum((value.value for value in values if value.disaggregation.startswith(dimensions[0] + ":")), Decimal(0))


def figure_from_entries(
    entries: Iterable[EntryValue],
    *,
    unique: bool,
    period: Period,
    cumulative: bool,
    disaggregation: str = "",
) -> Decimal | None:
    """The figure for a period (or cumulative to its end) from one place's entries; None when unknown."""
    entries = list(entries)
    if cumulative:
        if unique:
            # A unique cumulative figure is only what someone stated for exactly this window.
            last_semester = Period.semester_of(period.end)
            stated = [e for e in entries if e.kind == AggregateEntry.Kind.CUMULATIVE and e.period == last_semester]
            return _cell_total(stated, disaggregation)
        window = [e for e in entries if e.kind == AggregateEntry.Kind.PERIOD and e.period.end <= period.end]
    else:
        window = [e for e in entries if e.kind == AggregateEntry.Kind.PERIOD and period.contains(e.period)]
        if unique and period.kind != PeriodKind.SEMESTER:
            # Two semesters of unique people cannot be added into a year.
            window = [e for e in window if e.period == period]
    if not window:
        return None
    by_period: dict[Period, list[EntryValue]] = {}
    for entry in window:
        by_period.setdefault(entry.period, []).append(entry)
    parts = [_cell_total(values, disaggregation) for values in by_period.values()]
    known = [part for part in parts if part is not None]
    return sum(known, Decimal(0)) if known else None
