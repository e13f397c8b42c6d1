"""Checks of the figure ledger's kept counts that the tests of the ledger share."""

from __future__ import annotations

from collections import Counter

from sahay.figures.ledger.counts import ROW_COLUMNS, CountedRow, CountKey, counts_of
from sahay.figures.ledger.models import LedgerCount, LedgerRow, LedgerRule
from sahay.figures.ledger.rules import parsed, starts_of


def kept_count_differences() -> list[str]:
    """Kept counts that differ from a count of the ledger's rows made from nothing (as a build makes it).

    `check.row_differences` compares the rows with the records; this compares the counts kept beside them,
    which every write changes by the difference it makes, with the rows as they now are.
    """
    found = []
    for ledger_rule in LedgerRule.objects.filter(state=LedgerRule.State.READY).order_by("pk"):
        rows = LedgerRow.objects.filter(rule=ledger_rule).values_list(*ROW_COLUMNS)
        expected = counts_of(parsed(ledger_rule), (CountedRow(*row) for row in rows), starts_of(ledger_rule))
        kept = LedgerCount.objects.filter(rule=ledger_rule).exclude(n=0).values_list(*CountKey._fields, "n")
        stored: Counter[CountKey] = Counter()
        for values in kept:  # a count is the sum of its rows (they are only ever inserted, as changes)
            stored[CountKey(*values[:-1])] += values[-1]
        for key in sorted(set(expected) | set(stored)):
            if expected.get(key, 0) != stored.get(key, 0):
                found.append(f"{ledger_rule} {key}: kept {stored.get(key, 0)}, counted {expected.get(key, 0)}")
    return found
