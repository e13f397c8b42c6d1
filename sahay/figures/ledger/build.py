"""Building a rule's rows from nothing, in batches of records, with progress.

Until a rule is built its figures are counted live (`read.ready_rule`), so nothing wrong is shown while
it builds. Writes during the build keep the rule's rows too (`maintain.flush` keeps every rule it has);
each batch locks what it re-derives, as a write does, so the two cannot interleave.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from sahay.figures.engine.rules import CountingRule
from sahay.figures.ledger.counts import ROW_COLUMNS, CountedRow, CountKey, apply, subject_counts
from sahay.figures.ledger.derive import RECORD_MODELS, chunks, derive, record_source
from sahay.figures.ledger.maintain import discard_pending, lock_records, store
from sahay.figures.ledger.models import LedgerCount, LedgerRow, LedgerRule
from sahay.figures.ledger.rules import ledger_rules_sync, parsed, starts_of

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
                # A write since the build began may have stored rows of these records already.
                LedgerRow.objects.filter(
                    rule=ledger_rule, source=source, record__gte=batch[0], record__lte=batch[-1]
                ).delete()
                rows = derive(rule, batch)
                store(ledger_rule, rows)
            stored += len(rows)
            done += len(batch)
            progress(done, total)
        _count(ledger_rule, rule)
    return stored


def ledger_rebuild(*, progress: Progress | None = None) -> int:
    """Build every kept rule's rows again from the records: after records were written in bulk (the demo, a
    restore, a benchmark's load), which marks nothing. Marks left by writes before it are then done with."""
    ledger_rules_sync()
    stored = ledger_build(LedgerRule.objects.order_by("pk"), progress=progress)
    discard_pending()
    return stored


def _count(ledger_rule: LedgerRule, rule: CountingRule) -> None:
    """Count the rule's rows into its kept counts, and from then on keep them with every write.

    The rule is locked meanwhile (writes take it for share, `maintain.flush`): they wait, then keep counts too.
    """
    with transaction.atomic():
        locked = LedgerRule.objects.select_for_update().get(pk=ledger_rule.pk)
        LedgerCount.objects.filter(rule=locked).delete()
        starts = starts_of(locked)
        totals: Counter[CountKey] = Counter()
        rows = LedgerRow.objects.filter(rule=locked).order_by("subject").values_list(*ROW_COLUMNS)
        subject_rows: list[CountedRow] = []
        for values in rows.iterator(chunk_size=20_000):
            row = CountedRow(*values)
            if subject_rows and subject_rows[0].subject != row.subject:
                totals.update(subject_counts(rule, subject_rows, starts))
                subject_rows = []
            subject_rows.append(row)
        if subject_rows:
            totals.update(subject_counts(rule, subject_rows, starts))
        apply(locked.pk, dict(totals))
        locked.state, locked.built_at = LedgerRule.State.READY, timezone.now()
        locked.save(update_fields=["state", "built_at"])
