"""The events a window counts: the ledger's rows of a built rule, or else the engine's live query.

Both give the same annotated columns (see `engine.sources`), so `engine.counting` counts either the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import F, Q, QuerySet

from sahay.figures.engine.rules import CountingRule
from sahay.figures.engine.sources import qualifying_events
from sahay.figures.ledger import maintain
from sahay.figures.ledger.models import LedgerRow, LedgerRule
from sahay.figures.ledger.rules import rule_key

COLUMNS = {
    "_subject": F("subject"),
    "_person": F("person"),
    "_sex": F("sex"),
    "_turns_12_on": F("turns_12_on"),
    "_turns_18_on": F("turns_18_on"),
    "_country": F("country"),
    "_organisation": F("organisation"),
    "_activity": F("activity"),
    "_area": F("area"),
    "_start": F("start"),
    "_end": F("end"),
    "_value": F("value"),
}


def ready_rule(rule: CountingRule) -> LedgerRule | None:
    """The rule's ledger when it is built; a write of this transaction not yet in it is put in first."""
    maintain.flush()
    return LedgerRule.objects.filter(key=rule_key(rule), state=LedgerRule.State.READY).first()


def window_events(rule: CountingRule, *, start: date, end: date, today: date, live: bool = False) -> QuerySet[Any]:
    """What the rule counts in the window: overlapping intervals, as `engine.sources.qualifying_events`."""
    ledger_rule = None if live else ready_rule(rule)
    if ledger_rule is None:
        return qualifying_events(rule, start=start, end=end, today=today)
    rows = LedgerRow.objects.filter(rule=ledger_rule, start__lte=end).filter(
        Q(window_from__isnull=True) | Q(window_from__lte=start)
    )
    if today >= start:
        rows = rows.filter(Q(end__gte=start) | Q(end__isnull=True))
    else:  # an open range runs to today, so not into a window that has not started
        rows = rows.filter(end__gte=start, open_record=False)
    return rows.annotate(**COLUMNS)
