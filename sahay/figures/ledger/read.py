"""The events a window counts: the ledger's rows of a built rule, or else the engine's live query.

Both give the same annotated columns (see `engine.sources`), so `engine.counting` counts either the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q, QuerySet, Sum

from sahay.core.periods import Period
from sahay.figures.engine.rules import CountingRule
from sahay.figures.engine.sources import qualifying_events
from sahay.figures.ledger import maintain
from sahay.figures.ledger.counts import LEVELS
from sahay.figures.ledger.models import LedgerCount, LedgerRow, LedgerRule
from sahay.figures.ledger.rules import rule_key

if TYPE_CHECKING:
    from sahay.figures.engine.counting import Window, Within

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


# Within `one_lookup()`, the built rules, looked up once by the first figure that asks.
_BUILT: ContextVar[dict[str, LedgerRule] | None] = ContextVar("built_ledger_rules", default=None)


@contextmanager
def one_lookup() -> Iterator[None]:
    """Figures read together (a page of them) look the built rules up once, not once each."""
    token = _BUILT.set({})
    try:
        yield
    finally:
        _BUILT.reset(token)


def ready_rule(rule: CountingRule) -> LedgerRule | None:
    """The rule's ledger when it is built; a write of this transaction not yet in it is put in first."""
    maintain.flush()
    built = LedgerRule.objects.filter(state=LedgerRule.State.READY)
    cached = _BUILT.get()
    if cached is None:
        return built.filter(key=rule_key(rule)).first()
    if not cached:
        cached = {ledger_rule.key: ledger_rule for ledger_rule in built}
        _BUILT.set(cached)
    return cached.get(rule_key(rule))


def window_events(
    rule: CountingRule, ledger_rule: LedgerRule | None, *, start: date, end: date, today: date
) -> QuerySet[Any]:
    """What the rule counts in the window: its ledger rows that overlap it (without a ledger, live events).

    The rows are filtered as `engine.sources.qualifying_events` filters the records' date ranges.
    """
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


def kept_counts(
    ledger_rule: LedgerRule | None, *, window: Window, today: date, grouping: str, within: Within
) -> dict[Any, dict[tuple[str, str], int]] | None:
    """The window's counts per place and cell from the kept counts, or None when they are not kept for it.

    Kept for a built rule, from a window start it keeps (that has come) to the end of a half year.
    """
    if ledger_rule is None or within.nothing or window.start > today:
        return None
    if Period.semester_of(window.end).end != window.end or window.start.isoformat() not in ledger_rule.window_starts:
        return None
    dimensions = {grouping} - {"programme"}
    filters: dict[str, int] = {}
    if within.country is not None:
        dimensions.add("country")
        filters["country"] = within.country
    if within.organisation is not None:
        dimensions.add("organisation")
        filters["organisation"] = within.organisation
    level = next(name for name, columns in LEVELS.items() if set(columns) == dimensions)
    group = [] if grouping == "programme" else [grouping]
    counts = (
        LedgerCount.objects.filter(
            rule=ledger_rule, window_start=window.start, level=level, until__lte=window.end, **filters
        )
        .order_by()
        .values(*group, "sex", "band")
        .annotate(total=Sum("n"))
        .filter(total__gt=0)
        .values_list(*group, "sex", "band", "total")
    )
    found: dict[Any, dict[tuple[str, str], int]] = {}
    for *place, sex, band, total in counts:
        found.setdefault(place[0] if place else None, {})[(sex, band)] = int(total)
    return found
