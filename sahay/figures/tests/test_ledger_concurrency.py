"""Two connections writing about the same people at once leave the figure ledger equal to the records (PostgreSQL).

Each write re-derives the ledger rows of what it touched before it commits. Two writes about one person (a
participation recorded while the person's birth date is corrected, say) could each derive rows from a state
the other is changing; the ledger locks what it re-derives so that the second waits and reads what the first
wrote. SQLite takes one writer at a time, so only PostgreSQL can show whether that holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from conftest import Organisations, RoleUsers
from sahay.figures.ledger.check import row_differences
from sahay.figures.tests.ledger_checks import kept_count_differences
from sahay.frameworks.models import Programme
from sahay.imports.services import import_file
from sahay.imports.tests.helpers import csv_bytes
from sahay.imports.validation import Plan
from sahay.imports.writing import WRITERS, Writer, write_service
from sahay.records.models import Person, Service
from sahay.records.services import (
    Attendance,
    RoleSpec,
    activity_save,
    household_save,
    participations_record,
    person_save,
    service_save,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="SQLite lets one connection write at a time: two never write at once there",
    ),
]

ROUNDS = 12
FIRST_SESSION = date(2017, 11, 6)
# Birth dates the second connection switches between: each moves a birthday (12 or 18) across the sessions.
BIRTHS = [(date(2000, 3, 1), date(2000, 9, 1)), (date(2006, 2, 1), date(2006, 8, 1))]


def _run_at_once(*writers: Callable[[], None]) -> list[BaseException]:
    """Run each writer on its own thread and connection, all starting together; the errors they raised."""
    start = threading.Barrier(len(writers), timeout=60)
    errors: list[BaseException] = []

    def run(writer: Callable[[], None]) -> None:
        try:
            start.wait()
            writer()
        except BaseException as error:  # any error is what the test found: reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_connections_recording_for_the_same_people_leave_every_figure_exact(
    committed_db: None, programme: Programme, organisations: Organisations, role_users: RoleUsers
) -> None:
    recorder = role_users.me_officer
    nepal = organisations.partners["NP"]
    people = [
        person_save(
            saved_by=recorder,
            organisation=nepal,
            code=f"K{number}",
            sex="female" if number % 2 else "male",
            birth_date=BIRTHS[number % 2][0],
            roles=[RoleSpec("at_risk_child", date(2016, 1, 1))],
        )
        for number in range(4)
    ]
    household = household_save(saved_by=recorder, organisation=nepal, code="HH-1", members=people[:2])
    sessions = [
        activity_save(
            saved_by=recorder,
            organisation=nepal,
            kind="awareness_session",
            title="Session",
            date=FIRST_SESSION + timedelta(days=30 * number),
        )
        for number in range(ROUNDS)
    ]

    def first_connection() -> None:
        """Two children at every session, and services to each child in turn."""
        for number, session in enumerate(sessions):
            participations_record(saved_by=recorder, activity=session, attendances=[Attendance(p) for p in people[:2]])
            service_save(
                saved_by=recorder,
                organisation=nepal,
                kind="legal_aid",
                start=session.date,
                end=session.date + timedelta(days=45),
                person=people[number % 2],
            )

    def second_connection() -> None:
        """The other two at the same sessions; the first two at trainings and as a household; and meanwhile
        the first two's birth dates corrected back and forth, and roles added to them."""
        for number, session in enumerate(sessions):
            participations_record(saved_by=recorder, activity=session, attendances=[Attendance(p) for p in people[2:]])
            training = activity_save(
                saved_by=recorder,
                organisation=nepal,
                kind="training",
                title="Training",
                date=session.date + timedelta(days=3),
                training_topic="recognising_exploitation",
            )
            participations_record(saved_by=recorder, activity=training, attendances=[Attendance(p) for p in people[:2]])
            service_save(
                saved_by=recorder,
                organisation=nepal,
                kind="home_visit",
                start=session.date,
                end=session.date + timedelta(days=20),
                household=household,
            )
            person = Person.objects.get(pk=people[number % 2].pk)
            person_save(
                saved_by=recorder,
                organisation=nepal,
                code=person.code,
                sex=person.sex,
                birth_date=BIRTHS[number % 2][(number // 2) % 2 == 0],
                roles=[RoleSpec("victim", session.date + timedelta(days=10))] if number % 3 == 0 else [],
                person=person,
            )

    errors = _run_at_once(first_connection, second_connection)

    assert errors == []  # no write was refused or lost
    output = StringIO()
    call_command("figures", "verify", stdout=output)  # raises CommandError on any difference
    assert "agrees with a live recount on every figure" in output.getvalue()
    assert row_differences() == []
    assert kept_count_differences() == []


def _wait_until_blocked_or_done(done: threading.Event, seconds: float = 10) -> None:
    """Wait until another connection waits for a lock (or has finished)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while not done.is_set() and time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the transaction sees its first look again
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)


def test_an_import_and_a_write_about_the_same_children_at_once_both_complete(
    committed_db: None, programme: Programme, organisations: Organisations, role_users: RoleUsers
) -> None:
    """An import writes each row's service in one transaction, one change step (and ledger flush) per row.

    The interleaving is forced: the import waits after its first row until the other write waits for a lock.
    Both are about girls of one country, sex and age band, so their services change the same kept counts; the
    other write is another organisation's, so nothing but the ledger's locks stands between them.
    """
    recorder = role_users.me_officer
    nepal = organisations.partners["NP"]
    first, second = (
        person_save(
            saved_by=recorder,
            organisation=nepal,
            code=code,
            sex="female",
            birth_date=date(2005, 3, 1),
            roles=[RoleSpec("victim", date(2016, 1, 1))],
        )
        for code in ("V1", "V2")
    )
    rows = [
        ["External id", "Kind", "Person code", "From", "Until"],
        ["S-1", "legal_aid", first.code, "2017-02-01", "2017-03-01"],
        ["S-2", "legal_aid", second.code, "2017-02-01", "2017-03-01"],
    ]
    first_row_written, other_write_done = threading.Event(), threading.Event()

    def pausing_after_the_first_row(writer: Writer, plan: Plan) -> None:
        # The import goes on with its second row once the other write waits for it (or is done).
        write_service(writer, plan)
        if not first_row_written.is_set():
            first_row_written.set()
            _wait_until_blocked_or_done(other_write_done)

    def importing() -> None:
        result = import_file(
            kind="services", organisation=nepal, uploaded_by=recorder, data=csv_bytes(rows), file_name="services.csv"
        )
        assert result.ok, [str(error) for error in result.errors]

    def recording() -> None:
        first_row_written.wait(timeout=30)
        try:
            service_save(
                saved_by=recorder,
                organisation=organisations.partners["TH"],
                kind="legal_aid",
                start=date(2017, 2, 10),
                end=date(2017, 2, 20),
                person=Person.objects.get(pk=second.pk),
            )
        finally:
            other_write_done.set()

    with mock.patch.dict(WRITERS, {"services": pausing_after_the_first_row}):
        errors = _run_at_once(importing, recording)

    if errors:
        raise errors[0]  # a deadlock: one of the two writes was undone, and its user got an error
    assert Service.objects.count() == 3
    assert row_differences() == []
    assert kept_count_differences() == []
