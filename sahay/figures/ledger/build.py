"""Building a rule's rows from nothing, in batches of records, with progress.

Until a rule is built its figures are counted live (`read.ready_rule`), so nothing wrong is shown while
it builds. Writes during the build keep the rule's rows too (`maintain.flush` keeps every rule it has);
each batch locks what it re-derives, as a write does, so the two cannot interleave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from sahay.figures.ledger.derive import RECORD_MODELS, chunks, derive, record_source
from sahay.figures.ledger.maintain import lock_records, store
from sahay.figures.ledger.models import LedgerRow, LedgerRule
from sahay.figures.ledger.rules import parsed

BATCH = 20_000
Progress = Callable[[int, int], None]


def _ignore(done: int, total: int) -> None:
    pass


def ledger_build(ledger_rules: Iterable[LedgerRule], *, progress: Progress | None = None) -> int:
    """Build the rules' rows from the records; returns how many rows were stored."""
    ledger_rules = list(ledger_rules)
    plans = []
    for ledger_rule in ledger_rules:
        rule = parsed(ledger_rule)
        model = RECORD_MODELS[rule.source]
        ids = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        plans.append((ledger_rule, rule, ids))
    total = sum(len(ids) for _rule, _parsed, ids in plans)
    progress = progress or _ignore
    done = stored = 0
    progress(done, total)
    for ledger_rule, rule, ids in plans:
        LedgerRule.objects.filter(pk=ledger_rule.pk).update(state=LedgerRule.State.BUILDING, built_at=None)
        LedgerRow.objects.filter(rule=ledger_rule).delete()
        source = record_source(rule)
        for batch in chunks(ids, BATCH):
            with transaction.atomic():
                lock_records(source, batch)
                LedgerRow.objects.filter(rule=ledger_rule, source=source, record__in=batch).delete()
                rows = derive(rule, batch)
                store(ledger_rule, rows)
            stored += len(rows)
            done += len(batch)
            progress(done, total)
        LedgerRule.objects.filter(pk=ledger_rule.pk).update(state=LedgerRule.State.READY, built_at=timezone.now())
    return stored
