"""Checking the ledger: its rows against a fresh derivation, and its figures against the live recount."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from sahay.core.periods import Period, semesters_between
from sahay.figures.engine.counting import Grouping, Tally, Window, tally
from sahay.figures.engine.rules import CountingRule
from sahay.figures.ledger.derive import Row, derive
from sahay.figures.ledger.models import LedgerRow, LedgerRule
from sahay.figures.ledger.rules import parsed

ROW_FIELDS = [field.name for field in fields(Row)]


def row_differences(limit: int = 20) -> list[str]:
    """Rows missing from the ledger or in it without reason, for every kept rule (at most `limit`)."""
    found = []
    for ledger_rule in LedgerRule.objects.order_by("pk"):
        expected = Counter(tuple(getattr(row, name) for name in ROW_FIELDS) for row in derive(parsed(ledger_rule)))
        stored = Counter(LedgerRow.objects.filter(rule=ledger_rule).values_list(*ROW_FIELDS))
        for row, count in (expected - stored).items():
            found.append(f"{ledger_rule}: missing {dict(zip(ROW_FIELDS, row, strict=True))} x{count}")
        for row, count in (stored - expected).items():
            found.append(f"{ledger_rule}: not derived {dict(zip(ROW_FIELDS, row, strict=True))} x{count}")
        if len(found) >= limit:
            break
    return found[:limit]


@dataclass(frozen=True)
class FigureDifference:
    indicator: str
    place: str
    window: str
    cell: str
    ledger: Decimal | int | None
    live: Decimal | int | None

    def __str__(self) -> str:
        return (
            f"{self.indicator} {self.place} {self.window} {self.cell or 'total'}: "
            f"ledger {self.ledger}, live {self.live}"
        )


def windows_of(start: date, end: date) -> Iterator[tuple[str, Window]]:
    """Every window a figure is shown for: each semester, year, quarter and month, and cumulative to each."""
    for semester in semesters_between(start, end):
        yield semester.code, Window(semester.start, semester.end)
        yield f"{semester.code} cumulative", Window(start, semester.end)
    for year in range(start.year, end.year + 1):
        yield str(year), Window(date(year, 1, 1), date(year, 12, 31))
        for quarter in range(1, 5):
            period = Period.parse(f"{year}-Q{quarter}")
            yield period.code, Window(period.start, period.end)
        for month in range(1, 13):
            period = Period.parse(f"{year}-{month:02d}")
            yield period.code, Window(period.start, period.end)


def some_windows(start: date, end: date) -> Iterator[tuple[str, Window]]:
    """The kept windows (half years, cumulative) and one of each other kind: for checks that must be quick."""
    others = {f"{start.year + 1}", f"{start.year + 1}-Q2", f"{start.year + 1}-03"}
    for name, window in windows_of(start, end):
        if "-H" in name or name in others:
            yield name, window


def _cells(tallies: dict[Any, Tally]) -> dict[tuple[Any, str], Any]:
    cells: dict[tuple[Any, str], Any] = {}
    for place, result in tallies.items():
        cells[(place, "")] = result.value
        for cell, count in result.cells.items():
            cells[(place, cell)] = count
        if result.numerator is not None:
            cells[(place, "numerator")] = result.numerator
            cells[(place, "denominator")] = result.denominator
    return cells


Windows = Callable[[date, date], Iterator[tuple[str, Window]]]


def figure_differences(
    *, on_indicator: Callable[[str], None] | None = None, windows: Windows = windows_of
) -> list[FigureDifference]:
    """Every figure of every records-based indicator, place, window and cell, from the ledger and live."""
    from sahay.frameworks.models import Indicator

    today = timezone.localdate()
    found = []
    indicators = Indicator.objects.filter(source=Indicator.Source.RECORDS).select_related("programme")
    for indicator in indicators.order_by("programme__code", "position"):
        if on_indicator is not None:
            on_indicator(indicator.code)
        rule = CountingRule.parse(indicator.counting_rule)
        programme = indicator.programme
        for window_name, window in windows(programme.start, programme.end):
            groupings: tuple[Grouping, ...] = ("programme", "country", "organisation")
            for grouping in groupings:
                figures = {
                    live: _cells(
                        tally(rule, window=window, today=today, grouping=grouping, disaggregate=True, live=live)
                    )
                    for live in (False, True)
                }
                for key in sorted(set(figures[False]) | set(figures[True]), key=str):
                    ledger, live = figures[False].get(key, 0), figures[True].get(key, 0)
                    if ledger != live:
                        place = grouping if key[0] is None else f"{grouping} {key[0]}"
                        found.append(FigureDifference(indicator.code, place, window_name, key[1], ledger, live))
    return found
