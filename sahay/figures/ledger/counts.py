"""Counts kept ready for the windows figures are shown for, from the ledger's rows.

A window [S, E] counts a subject when one of its rows overlaps it; the subject's first qualifying day
in the window is the latest of S and the earliest start among those rows (what the age band is taken
on). For a given S that first day, f_S, does not depend on E: the subject counts in every window from
S that ends on or after f_S. So for each window start S that figures are kept for (the programme's
start and each half year's), the ledger keeps how many subjects have their f_S in each half year, per
place and disaggregation cell. A window from S to a half year's end is then a sum over a few rows.

Other windows (a quarter, a month, one that has not started yet) are counted from the rows themselves.
Both are evaluated when read, from rows the writes keep, so neither can be stale.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from django.db import connection, transaction

from sahay.core.periods import Period, semesters_between
from sahay.figures.engine.cells import age_band
from sahay.figures.engine.rules import CountingRule
from sahay.figures.ledger.models import LedgerCount

# Where a count is kept: for everyone (the programme), per country, per organisation, per both.
LEVELS: dict[str, tuple[str, ...]] = {
    "all": (),
    "country": ("country",),
    "organisation": ("organisation",),
    "both": ("country", "organisation"),
}
# Columns of a row that the counts need, in this order.
ROW_COLUMNS = (
    "subject",
    "country",
    "organisation",
    "start",
    "end",
    "window_from",
    "value",
    "sex",
    "turns_12_on",
    "turns_18_on",
)


class CountedRow(NamedTuple):
    subject: int
    country: int
    organisation: int | None
    start: date
    end: date | None
    window_from: date | None
    value: int
    sex: str | None
    turns_12_on: date | None
    turns_18_on: date | None


class CountKey(NamedTuple):
    window_start: date
    level: str
    country: int
    organisation: int
    until: date  # the end of the half year the subject's first qualifying day falls in
    sex: str
    band: str


def window_starts(programme_start: date, programme_end: date) -> list[date]:
    """The window starts counts are kept for: the programme's start and each of its half years'."""
    starts = {programme_start} | {semester.start for semester in semesters_between(programme_start, programme_end)}
    return sorted(starts)


def subject_counts(rule: CountingRule, rows: Sequence[CountedRow], starts: Iterable[date]) -> Counter[CountKey]:
    """What one subject's rows add to the kept counts."""
    added: Counter[CountKey] = Counter()
    with_cells = rule.counts_people
    for start in starts:
        valid = [
            row
            for row in rows
            if (row.end is None or row.end >= start) and (row.window_from is None or row.window_from <= start)
        ]
        if not valid:
            continue
        for level, columns in LEVELS.items():
            by_place: dict[tuple[int, int], list[CountedRow]] = defaultdict(list)
            for row in valid:
                country = row.country if "country" in columns else 0
                organisation = (row.organisation or 0) if "organisation" in columns else 0
                by_place[(country, organisation)].append(row)
            for (country, organisation), place_rows in by_place.items():
                first = min(max(row.start, start) for row in place_rows)
                sex = band = ""
                if with_cells:
                    sex = max((row.sex or "unknown") for row in place_rows)
                    band = age_band(first, place_rows[0].turns_12_on, place_rows[0].turns_18_on)
                until = Period.semester_of(first).end
                # A reach estimate is its own subject, with one row: the count adds up its value.
                amount = sum(row.value for row in place_rows) if rule.count == "reach" else 1
                added[CountKey(start, level, country, organisation, until, sex, band)] += amount
    return added


def counts_of(rule: CountingRule, rows: Iterable[CountedRow], starts: Sequence[date]) -> Counter[CountKey]:
    """The kept counts of many subjects' rows (given together, subject by subject, or in any order)."""
    by_subject: dict[int, list[CountedRow]] = defaultdict(list)
    for row in rows:
        by_subject[row.subject].append(row)
    total: Counter[CountKey] = Counter()
    for subject_rows in by_subject.values():
        total.update(subject_counts(rule, subject_rows, starts))
    return total


def apply(rule_id: int, changes: dict[CountKey, int]) -> None:
    """Add the changes to the kept counts as rows of their own.

    Only ever inserted, never updated: two transactions that change the same count each add a row and
    wait for nothing, however long either runs (an import keeps its locks until it commits). A read adds
    the rows up; `compact` folds them together now and then.
    """
    LedgerCount.objects.bulk_create(
        (LedgerCount(rule_id=rule_id, n=amount, **key._asdict()) for key, amount in sorted(changes.items()) if amount),
        batch_size=2000,
    )


def compact(rule_id: int) -> int:
    """Fold each count's rows into one; returns how many rows were folded away.

    Rows are taken with DELETE ... RETURNING, so each is added up by the one compaction that removed it:
    two at once cannot count a row twice, and writers, who only insert, never wait for it.
    """
    table = connection.ops.quote_name(LedgerCount._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As a write does: a build finishing this rule's counts (which takes its row for update) waits for
            # the compaction, or the compaction for it, never each for the other.
            cursor.execute("SELECT id FROM figures_ledgerrule WHERE id = %s FOR SHARE", [rule_id])
        cursor.execute(
            # The table's and the columns' names are Sahay's own; the one value is a parameter.
            f"DELETE FROM {table} WHERE rule_id = %s RETURNING {', '.join(CountKey._fields)}, n",  # noqa: S608  # nosec B608
            [rule_id],
        )
        totals: Counter[CountKey] = Counter()
        removed = 0
        for *key, amount in cursor.fetchall():
            totals[CountKey(*key)] += amount
            removed += 1
        apply(rule_id, dict(totals))
    return removed - sum(1 for amount in totals.values() if amount)


def compact_all() -> int:
    """Compact every kept rule's counts; returns how many rows were folded away."""
    from sahay.figures.ledger.models import LedgerRule

    return sum(compact(rule_id) for rule_id in LedgerRule.objects.values_list("pk", flat=True))
