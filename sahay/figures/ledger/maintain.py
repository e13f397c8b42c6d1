"""Keeping the ledger equal to the records, in the transaction of each write.

Every save or deletion of a counted record marks what it touched (signals, below; a bulk write marks it
with `touch`). The change step every write goes through (`reports.locks.approved_period_change`, whose
`done` calls `flush`) then re-derives the rows of every record the touch reaches, before the transaction
commits. A figure read in the same transaction flushes first, so it sees its own writes.

Two transactions about the same person or activity could each derive rows from a state the other is
changing. `flush` therefore locks the people, households, activities and items it re-derives, before it
reads them: the second waits for the first to commit and then reads what it wrote.

A write that reaches no change step leaves marks behind. After its commit they are flushed all the same
(so the ledger is right again at once), a warning names the tables, and the test suite fails on it
(`unstepped_writes`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q

from sahay.figures.engine.rules import CountingRule
from sahay.figures.ledger.counts import ROW_COLUMNS, CountedRow, apply, counts_of
from sahay.figures.ledger.derive import Row, chunks, derive, record_source
from sahay.figures.ledger.models import LedgerRow, LedgerRule
from sahay.figures.ledger.rules import parsed, starts_of
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    Household,
    HouseholdMember,
    Participation,
    Person,
    Service,
    TrackedItem,
)

logger = logging.getLogger("sahay.figures.ledger")


@dataclass
class Touched:
    """Ids of what writes in this transaction changed, by kind; the records to re-derive follow from them."""

    persons: set[int] = field(default_factory=set)
    households: set[int] = field(default_factory=set)
    activities: set[int] = field(default_factory=set)
    participations: set[int] = field(default_factory=set)
    services: set[int] = field(default_factory=set)
    items: set[int] = field(default_factory=set)
    reaches: set[int] = field(default_factory=set)
    external_organisations: set[int] = field(default_factory=set)
    organisations: set[int] = field(default_factory=set)
    # The models written to, for the warning about writes outside the change step.
    tables: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any(getattr(self, kind.name) for kind in fields(self) if kind.name != "tables")


class _Marks:
    made = 0


def marks_made() -> int:
    """How many marks were made in this process: a test compares it before and after."""
    return _Marks.made


class _Unstepped:
    """Tables written outside the change step since the test suite last looked (see the module's docstring)."""

    tables: list[str] = []


def unstepped_writes() -> list[str]:
    """Take the tables written outside the change step since the last call."""
    found, _Unstepped.tables = _Unstepped.tables, []
    return found


def _pending() -> Touched | None:
    return getattr(connection, "_sahay_ledger_touched", None)


def touch(*, tables: Iterable[str] = (), **ids: Iterable[int | None]) -> None:
    """Mark records as changed in this transaction, by kind (`Touched`'s fields): their rows are re-derived.

    `tables` names the models written, for the warning about a write outside the change step.
    """
    pending = _pending()
    if pending is None:
        pending = Touched()
        connection._sahay_ledger_touched = pending  # type: ignore[attr-defined]
    # Normally `flush` has run before the commit and this finds nothing to do. (Registered for each mark:
    # marks of a transaction that was rolled back stay behind, and a later one must still be looked after.)
    transaction.on_commit(_flush_after_commit)
    pending.tables.update(tables)
    _Marks.made += 1
    for kind, values in ids.items():
        getattr(pending, kind).update(value for value in values if value is not None)


def pending_tables() -> list[str]:
    """The tables written in this transaction whose records have not been re-derived yet."""
    pending = _pending()
    return sorted(pending.tables) if pending else []


def discard_pending() -> None:
    """Forget marks of a transaction that was rolled back (a test's, or a failed job's)."""
    connection._sahay_ledger_touched = None  # type: ignore[attr-defined]


def _flush_after_commit() -> None:
    pending = _pending()
    if not pending:
        discard_pending()
        return
    tables = sorted(pending.tables)
    logger.warning("counted records written outside the change step: %s", ", ".join(tables))
    _Unstepped.tables += tables
    flush()


def flush() -> None:
    """Re-derive the rows (and kept counts) of every record touched in this transaction, for every kept rule."""
    pending = _pending()
    discard_pending()
    if not pending:
        return
    with transaction.atomic():
        ledger_rules = _kept_rules_shared()
        if not ledger_rules:
            return
        _lock(pending)
        records = _records(pending)
        for ledger_rule in ledger_rules:
            rule = parsed(ledger_rule)
            wanted = records.get(record_source(rule), set())
            if wanted or pending.activities:
                refresh(ledger_rule, rule, wanted, pending.activities)


def _kept_rules_shared() -> list[LedgerRule]:
    """The kept rules, each locked for share: a build that is finishing a rule's counts waits, and is waited for."""
    if connection.vendor == "postgresql":
        return list(LedgerRule.objects.raw("SELECT * FROM figures_ledgerrule ORDER BY id FOR SHARE"))
    return list(LedgerRule.objects.order_by("pk"))


def refresh(ledger_rule: LedgerRule, rule: CountingRule, records: set[int], activities: set[int]) -> None:
    """Derive the rows of these records again (and drop those of the activities' records that are gone)."""
    source = record_source(rule)
    stale: dict[int, int] = {}
    rows_of_rule = LedgerRow.objects.filter(rule=ledger_rule)
    for chunk in chunks(sorted(records)):
        stale.update(rows_of_rule.filter(source=source, record__in=chunk).values_list("pk", "subject"))
    for chunk in chunks(sorted(activities)):
        stale.update(rows_of_rule.filter(activity__in=chunk).values_list("pk", "subject"))
    rows = derive(rule, sorted(records)) if records else []
    if not stale and not rows:
        return
    keeps_counts = ledger_rule.state == LedgerRule.State.READY
    if keeps_counts:
        subjects = set(stale.values()) | {row.subject for row in rows}
        _lock_ids(SUBJECT_MODELS[rule.count], subjects)
        kept = []
        for chunk in chunks(sorted(subjects)):
            kept += list(rows_of_rule.filter(subject__in=chunk).values_list("pk", *ROW_COLUMNS))
        starts = starts_of(ledger_rule)
        before = counts_of(rule, (CountedRow(*values[1:]) for values in kept), starts)
        after = counts_of(
            rule,
            [CountedRow(*values[1:]) for values in kept if values[0] not in stale]
            + [CountedRow(*(getattr(row, column) for column in ROW_COLUMNS)) for row in rows],
            starts,
        )
    for chunk in chunks(sorted(stale)):
        LedgerRow.objects.filter(pk__in=chunk).delete()
    store(ledger_rule, rows)
    if keeps_counts:
        apply(ledger_rule.pk, {key: after[key] - before[key] for key in set(before) | set(after)})


ROW_FIELDS = [field.name for field in fields(Row)]


def store(ledger_rule: LedgerRule, rows: list[Row]) -> None:
    """Insert the rows with one prepared statement (a build stores millions: model instances cost too much)."""
    if not rows:
        return
    table = connection.ops.quote_name(LedgerRow._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in ["rule_id", *ROW_FIELDS])
    marks = ", ".join(["%s"] * (len(ROW_FIELDS) + 1))
    with connection.cursor() as cursor:
        cursor.executemany(
            # The table's and the columns' names are Sahay's own; every value is a parameter.
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608  # nosec B608
            [(ledger_rule.pk, *(getattr(row, name) for name in ROW_FIELDS)) for row in rows],
        )


def _ids(queryset: Any, column: str, **conditions: Iterable[int]) -> set[int]:
    """Values of `column` of the rows matching any of the conditions (field__in=ids), in chunks."""
    found: set[int] = set()
    for lookup, ids in conditions.items():
        for chunk in chunks(sorted(ids)):
            found |= set(queryset.filter(Q(**{lookup: chunk})).values_list(column, flat=True))
    found.discard(None)  # type: ignore[arg-type]
    return found


LOCKED_BY_SOURCE = {
    "participation": "participations",
    "service": "services",
    "activity": "activities",
    "trackeditem": "items",
    "aggregatereach": "reaches",
}
# What each count counts once, whose rows are locked before its counts change.
SUBJECT_MODELS: dict[str, type[Model]] = {
    "unique_people": Person,
    "unique_households": Household,
    "unique_organisations": ExternalOrganisation,
    "items": TrackedItem,
    "events": Activity,
    "reach": AggregateReach,
}
# Locks are taken in this order of tables (and of ids in each), so two writers never wait for each other.
LOCK_ORDER: list[type[Model]] = [Activity, Person, Household, ExternalOrganisation, TrackedItem, AggregateReach]


def lock_records(source: str, ids: Iterable[int]) -> None:
    """Lock what these records' rows are derived from, as a write's flush does (see `_lock`)."""
    touched = Touched()
    kind = LOCKED_BY_SOURCE.get(source)
    if kind is not None:
        getattr(touched, kind).update(ids)
    else:  # an activity's link to an organisation it reached
        touched.activities |= _ids(Activity.reached_organisations.through.objects, "activity_id", pk__in=ids)
    _lock(touched)


def _lock_ids(model: type[Model], ids: Iterable[int]) -> None:
    if not connection.features.has_select_for_update:  # SQLite: one writer at a time already
        return
    for chunk in chunks(sorted(ids)):
        list(model._default_manager.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))


def _lock(pending: Touched) -> None:
    """Lock the activities, people, households and items whose records are re-derived, in one order."""
    if not connection.features.has_select_for_update:
        return
    activities = pending.activities | _ids(Participation.objects, "activity_id", pk__in=pending.participations)
    activities |= _ids(AggregateReach.objects, "activity_id", pk__in=pending.reaches)
    people = pending.persons | _ids(Participation.objects, "person_id", pk__in=pending.participations)
    people |= _ids(Service.objects, "person_id", pk__in=pending.services)
    households = pending.households | _ids(Service.objects, "household_id", pk__in=pending.services)
    households |= _ids(HouseholdMember.objects, "household_id", person__in=people)
    locked = {Activity: activities, Person: people, Household: households, TrackedItem: pending.items}
    for model in LOCK_ORDER:
        _lock_ids(model, locked.get(model, set()))


def _records(pending: Touched) -> dict[str, set[int]]:
    """The records whose rows may have changed, by their source name in the ledger."""
    people, households, activities = pending.persons, pending.households, pending.activities
    externals, organisations = pending.external_organisations, pending.organisations
    # A person's roles decide whether the households they belong to count (household_of_role).
    households = households | _ids(HouseholdMember.objects, "household_id", person__in=people)
    participations = pending.participations | _ids(
        Participation.objects,
        "pk",
        activity__in=activities,
        person__in=people,
        activity__organisation__in=organisations,
    )
    services = pending.services | _ids(
        Service.objects, "pk", person__in=people, household__in=households, organisation__in=organisations
    )
    activity_ids = activities | _ids(Activity.objects, "pk", organisation__in=organisations)
    reached = Activity.reached_organisations.through.objects
    links = _ids(reached, "pk", activity__in=activity_ids, externalorganisation__in=externals)
    items = pending.items | _ids(TrackedItem.objects, "pk", company__in=externals, organisation__in=organisations)
    reaches = pending.reaches | _ids(AggregateReach.objects, "pk", activity__in=activity_ids)
    return {
        "participation": participations,
        "service": services,
        "activity": activity_ids,
        reached.model._meta.model_name or "": links,
        "trackeditem": items,
        "aggregatereach": reaches,
    }
