"""Reporting periods as programme.md writes them: `2017`, `2017-H1`, `2017-Q3`, `2017-07`."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class PeriodKind(StrEnum):
    YEAR = "year"
    SEMESTER = "semester"
    QUARTER = "quarter"
    MONTH = "month"


_PATTERNS = {
    PeriodKind.YEAR: re.compile(r"^(?P<year>\d{4})$"),
    PeriodKind.SEMESTER: re.compile(r"^(?P<year>\d{4})-H(?P<part>[12])$"),
    PeriodKind.QUARTER: re.compile(r"^(?P<year>\d{4})-Q(?P<part>[1-4])$"),
    PeriodKind.MONTH: re.compile(r"^(?P<year>\d{4})-(?P<part>0[1-9]|1[0-2])$"),
}
_MONTHS_PER_PART = {PeriodKind.YEAR: 12, PeriodKind.SEMESTER: 6, PeriodKind.QUARTER: 3, PeriodKind.MONTH: 1}


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    kind: PeriodKind
    code: str

    @classmethod
    def parse(cls, code: str) -> Period:
        return _parse(code)

    @classmethod
    def semester_of(cls, day: date) -> Period:
        return cls.parse(f"{day.year}-H{1 if day.month <= 6 else 2}")

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def __str__(self) -> str:
        return self.code


@lru_cache(maxsize=4096)
def _parse(code: str) -> Period:
    """Periods are immutable, and the same few codes are read for every figure: parse each once."""
    text = (code or "").strip()
    for kind, pattern in _PATTERNS.items():
        match = pattern.match(text)
        if match:
            year = int(match["year"])
            part = int(match.groupdict().get("part") or 1)
            months = _MONTHS_PER_PART[kind]
            first_month = (part - 1) * months + 1
            last_month = first_month + months - 1
            last_day = calendar.monthrange(year, last_month)[1]
            return Period(date(year, first_month, 1), date(year, last_month, last_day), kind, text)
    raise ValidationError(
        _("“%(code)s” is not a period. Write 2017, 2017-H1, 2017-Q3 or 2017-07."),
        code="invalid_period",
        params={"code": text},
    )


def semesters_between(start: date, end: date) -> list[Period]:
    """Every semester that overlaps the range, in order."""
    periods = []
    current = Period.semester_of(start)
    while current.start <= end:
        periods.append(current)
        next_start = date(current.end.year + (current.end.month == 12), current.end.month % 12 + 1, 1)
        current = Period.semester_of(next_start)
    return periods


def years_between(start: date, end: date) -> list[Period]:
    return [Period.parse(str(year)) for year in range(start.year, end.year + 1)]
