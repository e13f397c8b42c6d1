"""A rule's ledger rows, taken from the engine's own queries.

Most records qualify or not whatever the window: a participation is checked on its activity's date, an
item on the day it reached a status. Their rows are the engine's qualifying events as they are.

A service is a range, and the engine checks age and roles on its first day inside the window. Such a
check can only change on a few days: a birthday at the rule's age bound, or the start or end of a role
the rule names (of the person, or of a member of the household served). The engine's own query is asked
on the service's first day and on each of those days inside its range; the days it qualifies make the
rows, one per run of qualifying days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.db import models

from sahay.figures.engine.rules import CountingRule
from sahay.figures.engine.sources import SOURCES
from sahay.records.models import (
    Activity,
    AggregateReach,
    HouseholdMember,
    Participation,
    PersonRole,
    Service,
    TrackedItem,
)

# The engine takes a service's age and roles on max(its start, the window's start): from the first day
# there is, that is its own start.
EARLIEST = date.min
# Filters of services that the engine evaluates on a day that depends on the window.
WINDOW_DEPENDENT = ("age_on_date", "role", "household_of_role")
CHUNK = 2000

RECORD_MODELS: dict[str, type[models.Model]] = {
    "participations": Participation,
    "services": Service,
    "activities": Activity,
    "activity_organisations": Activity.reached_organisations.through,
    "cooperations": TrackedItem,
    "curricula": TrackedItem,
    "policy_strategies": TrackedItem,
    "offenders": TrackedItem,
    "reach": AggregateReach,
}
EVENT_COLUMNS = (
    "pk",
    "_activity",
    "_subject",
    "_person",
    "_country",
    "_organisation",
    "_area",
    "_start",
    "_end",
    "_value",
    "_sex",
    "_turns_12_on",
    "_turns_18_on",
)


def record_source(rule: CountingRule) -> str:
    """The name a rule's rows give their record's table."""
    return RECORD_MODELS[rule.source]._meta.model_name or ""


@dataclass(frozen=True)
class Row:
    """A ledger row before it is stored (the fields of `LedgerRow` but its rule)."""

    source: str
    record: int
    activity: int | None
    subject: int
    person: int | None
    country: int
    organisation: int | None
    area: int | None
    start: date
    end: date | None
    value: int
    sex: str | None
    turns_12_on: date | None
    turns_18_on: date | None
    window_from: date | None = None
    open_record: bool = False


def _row(source: str, values: Sequence[Any]) -> Row:
    record, activity, subject, person, country, organisation, area, start, end, value, *person_details = values
    sex, turns_12_on, turns_18_on = person_details
    return Row(
        source=source,
        record=record,
        activity=activity,
        subject=subject,
        person=person,
        country=country,
        organisation=organisation,
        area=area,
        start=start,
        end=end,
        value=int(value),
        sex=sex,
        turns_12_on=turns_12_on,
        turns_18_on=turns_18_on,
        open_record=end is None,
    )


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for index in range(0, len(ids), size):
        yield ids[index : index + size]


def derive(rule: CountingRule, records: Sequence[int] | None = None) -> list[Row]:
    """The rule's rows for these records (all records when None); records that do not qualify give none."""
    if rule.source == "services" and any(key in rule.where for key in WINDOW_DEPENDENT):
        return _service_runs(rule, records)
    source = record_source(rule)
    events = SOURCES[rule.source](rule, EARLIEST)
    if records is None:
        return [_row(source, values) for values in events.order_by().values_list(*EVENT_COLUMNS).iterator(CHUNK)]
    rows = []
    for chunk in chunks(records):
        rows += [_row(source, values) for values in events.filter(pk__in=chunk).order_by().values_list(*EVENT_COLUMNS)]
    return rows


def _service_runs(rule: CountingRule, records: Sequence[int] | None) -> list[Row]:
    source = record_source(rule)
    plain = replace(rule, where={key: value for key, value in rule.where.items() if key not in WINDOW_DEPENDENT})
    services = SOURCES["services"](plain, EARLIEST).order_by()
    if records is None:
        candidates = [_row(source, values) for values in services.values_list(*EVENT_COLUMNS).iterator(CHUNK)]
    else:
        candidates = []
        for chunk in chunks(records):
            candidates += [_row(source, values) for values in services.filter(pk__in=chunk).values_list(*EVENT_COLUMNS)]
    if not candidates:
        return []
    days = _change_days(rule, candidates)
    qualifies = _qualifying_days(rule, candidates, days)
    rows = []
    for service in candidates:
        checked = [service.start, *days.get(service.record, [])]
        run_start: date | None = None
        for day in checked:
            if (service.record, day) in qualifies:
                run_start = day if run_start is None else run_start
            elif run_start is not None:
                rows.append(_run(service, run_start, day - timedelta(days=1)))
                run_start = None
        if run_start is not None:
            rows.append(_run(service, run_start, service.end))
    return rows


def _run(service: Row, start: date, end: date | None) -> Row:
    """A run of qualifying days; one that starts after the service does counts only in windows starting in it."""
    return replace(service, start=start, end=end, window_from=None if start == service.start else start)


def _change_days(rule: CountingRule, services: list[Row]) -> dict[int, list[date]]:
    """For each service, the days inside it (after its first) on which the rule's check could change."""
    where = rule.where
    by_person: dict[int, set[date]] = defaultdict(set)
    people = {service.person for service in services if service.person is not None}
    if "age_on_date" in where:
        bounds = set(where["age_on_date"].values())
        for service in services:
            for bound, day in ((12, service.turns_12_on), (18, service.turns_18_on)):
                if bound in bounds and day is not None and service.person is not None:
                    by_person[service.person].add(day)
    if "role" in where:
        _add_role_days(by_person, people, _as_list(where["role"]))
    by_household: dict[int, set[date]] = defaultdict(set)
    if "household_of_role" in where:
        households = {service.subject for service in services if service.person is None}
        members: dict[int, set[int]] = defaultdict(set)
        for chunk in chunks(sorted(households)):
            for household, person in HouseholdMember.objects.filter(household__in=chunk).values_list(
                "household_id", "person_id"
            ):
                members[person].add(household)
        member_days: dict[int, set[date]] = defaultdict(set)
        _add_role_days(member_days, set(members), _as_list(where["household_of_role"]))
        for person, days in member_days.items():
            for household in members[person]:
                by_household[household] |= days
    result = {}
    for service in services:
        found = (
            by_person.get(service.person, set()) if service.person is not None else by_household.get(service.subject)
        )
        inside = sorted(
            day for day in found or () if day > service.start and (service.end is None or day <= service.end)
        )
        if inside:
            result[service.record] = inside
    return result


def _add_role_days(days: dict[int, set[date]], people: set[int], roles: list[str]) -> None:
    for chunk in chunks(sorted(people)):
        for person, start, end in PersonRole.objects.filter(person__in=chunk, role__in=roles).values_list(
            "person_id", "start", "end"
        ):
            days[person].add(start)
            if end is not None:
                days[person].add(end + timedelta(days=1))


def _qualifying_days(rule: CountingRule, services: list[Row], days: dict[int, list[date]]) -> set[tuple[int, date]]:
    """The (service, day) pairs on which the engine's query finds the service qualifying."""
    found = set()
    ids = [service.record for service in services]
    starts = {service.record: service.start for service in services}
    for chunk in chunks(ids):
        for record in SOURCES["services"](rule, EARLIEST).filter(pk__in=chunk).values_list("pk", flat=True):
            found.add((record, starts[record]))
    by_day: dict[date, list[int]] = defaultdict(list)
    for record, inside in days.items():
        for day in inside:
            by_day[day].append(record)
    for day, records in by_day.items():
        for chunk in chunks(records):
            for record in SOURCES["services"](rule, day).filter(pk__in=chunk).values_list("pk", flat=True):
                found.add((record, day))
    return found


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]
