"""Disclosure control: the one rule set every figure passes before it leaves the app.

In indicators about victims, counts of 1 to 4 are shown as "<5" at every level, the programme total
included; 0 is shown. Complementary suppression hides further cells so that no hidden count can be
worked out from totals, from other cells, or from the previous report: a sum that holds with equality in the
true figures is taken as one (not as a bound), and the difference of two consecutive cumulative figures is a
count about victims too. A split that would show every victim of a suppressed count with one attribute is
withheld. Anything that goes wrong here
raises `DisclosureError`, and the caller outputs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sahay.reports.figureset import CellKey, FigureSet

SMALL_MIN, SMALL_MAX = 1, 4


class DisclosureError(Exception):
    """The rule set could not be applied: nothing may be output."""


class Mark(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # a count of 1 to 4 about victims: shown as "<5"
    HIDDEN = "hidden"  # hidden so that a small count cannot be worked out: shown as "x"


@dataclass(frozen=True)
class PublishedCell:
    mark: Mark
    # The figure when shown; None when suppressed. The raw value never enters a published cell.
    value: Decimal | None

    @property
    def display(self) -> str:
        if self.mark == Mark.SMALL:
            return "<5"
        if self.mark == Mark.HIDDEN:
            return "x"
        if self.value is None:  # a shown cell always has its figure; never display a guess
            raise ValueError("a shown cell without a value")
        return f"{self.value:,.0f}" if self.value == self.value.to_integral_value() else f"{self.value:,}"

    @property
    def suppressed(self) -> bool:
        return self.mark != Mark.SHOWN


@dataclass
class PublishedFigures:
    """A figure set after disclosure control: what reports, exports, the donor view and IATI show."""

    period_code: str
    cells: dict[CellKey, PublishedCell]

    def get(self, key: CellKey) -> PublishedCell | None:
        return self.cells.get(key)

    def only_place(self, place: str) -> PublishedFigures:
        """One country's part, hidden exactly as in the whole, so that the two cannot be played off."""
        return PublishedFigures(self.period_code, {key: cell for key, cell in self.cells.items() if key.place == place})

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period_code,
            "cells": {
                key.as_text(): [cell.mark.value, None if cell.value is None else str(cell.value)]
                for key, cell in sorted(self.cells.items())
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublishedFigures:
        return cls(
            period_code=data["period"],
            cells={
                CellKey.from_text(key): PublishedCell(Mark(mark), None if value is None else Decimal(value))
                for key, (mark, value) in data["cells"].items()
            },
        )


def publish(
    figures: FigureSet, previous: PublishedFigures | None = None, previous_truth: FigureSet | None = None
) -> PublishedFigures:
    """The figure set as it may be shown outside the app, given what the previous report showed.

    With the previous half year's true figures, sums across the two reports that hold with equality (no victim
    counted before among this half year's, say) are audited as the sums they are, and the victims first counted
    this half year (the difference of the two cumulative figures) are protected as a count about victims.
    """
    # Imported here because the audit builds on this module's types.
    from sahay.reports.disclosure_audit import protect

    try:
        marks = {key: _primary(figures, key, value) for key, value in figures.values.items()}
        for facts in figures.facts.values():
            if facts.about_victims:
                protect(figures, facts, marks, previous, previous_truth.values if previous_truth else None)
        cells = {  # cells withheld by the rules have left `marks`: they are not published at all
            key: PublishedCell(mark, value if mark == Mark.SHOWN else None)
            for key, value in figures.values.items()
            if (mark := marks.get(key)) is not None
        }
    except DisclosureError:
        raise
    except Exception as error:  # any failure of the rules means nothing is output
        raise DisclosureError(str(error)) from error
    return PublishedFigures(period_code=figures.period.code, cells=cells)


def _primary(figures: FigureSet, key: CellKey, value: Decimal) -> Mark:
    if figures.facts[key.indicator].about_victims and SMALL_MIN <= value <= SMALL_MAX:
        return Mark.SMALL
    return Mark.SHOWN
