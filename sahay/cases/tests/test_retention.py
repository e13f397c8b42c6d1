"""Retention and erasure: identities and narratives go, figures stay identical, the audit chain verifies."""

from __future__ import annotations

import logging
from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection, models
from django.utils import timezone

from sahay.audit.chain import audit_verify
from sahay.audit.models import AuditAction, AuditEntry
from sahay.cases.models import Attachment, Case
from sahay.cases.services.cases import case_close
from sahay.cases.services.erasure import person_erase, retention_overdue
from sahay.cases.tests.conftest import CHILD_NAME
from sahay.cases.tests.erasure_helpers import (
    CONTACT,
    HOUSEHOLD_ADDRESS,
    add_identities,
    figure_snapshot,
    reload,
    stored,
)
from sahay.core.encryption import decrypt_bytes
from sahay.core.key_rotation import encrypted_columns
from sahay.core.periods import Period
from sahay.records.models import Household, Person


def close(case: Case, worker, closed_on: date) -> None:
    case.refresh_from_db()
    case_close(case=case, closed_by=worker, version=case.version, closed_on=closed_on, reason="goals_met")


def text_columns_containing(text: str) -> list[str]:
    """Every text column of every table that holds `text` as stored (plain or in JSON)."""
    quote = connection.ops.quote_name
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                column = quote(field.column)
                sql = f"SELECT count(*) FROM {quote(model._meta.db_table)} WHERE CAST({column} AS TEXT) LIKE %s"  # noqa: S608
                with connection.cursor() as cursor:
                    cursor.execute(sql, [f"%{text}%"])
                    if cursor.fetchone()[0]:
                        found.append(f"{model._meta.db_table}.{field.column}")
    return found


def assert_person_erased(person) -> None:
    person = reload(person)
    assert (person.name, person.contact, person.address, person.birth_date) == ("", "", "", None)
    assert person.identity_erased_at is not None


def test_retention_erases_what_is_past_its_date_and_keeps_every_figure(case_world, caplog) -> None:
    household = add_identities(case_world.case)
    close(case_world.case, case_world.worker, date(2018, 1, 31))
    child = case_world.case.person
    milestones = (child.turns_12_on, child.turns_18_on)
    before = figure_snapshot()
    assert retention_overdue() >= 1

    out = StringIO()
    call_command("retention", "apply", "--dry-run", stdout=out)
    assert "Would erase: 1 identities" in out.getvalue()
    assert reload(child).name == CHILD_NAME

    with caplog.at_level(logging.INFO, logger="sahay.retention"):
        call_command("retention", "apply", stdout=StringIO())
    assert retention_overdue() == 0
    assert_person_erased(child)
    erased = reload(child)
    assert (erased.turns_12_on, erased.turns_18_on) == milestones
    assert erased.birth_year_estimated == 2006
    case = Case.objects.get(pk=case_world.case.pk)
    assert case.summary == ""
    assert not Attachment.objects.filter(case=case).exists()
    assert Household.objects.get(pk=household.pk).address == ""
    # The Nepali case is still open: nothing of it goes.
    assert reload(case_world.nepal_case.person).name != ""
    assert Attachment.objects.filter(case=case_world.nepal_case).exists()
    assert figure_snapshot() == before
    assert audit_verify().ok
    assert AuditEntry.objects.filter(action=AuditAction.IDENTITY_ERASED, target_id=child.public_id).count() == 1
    assert child.public_id in caplog.text and CHILD_NAME not in caplog.text and child.code not in caplog.text
    # A second run finds nothing left to do and writes no more audit entries.
    call_command("retention", "apply", stdout=StringIO())
    assert AuditEntry.objects.filter(action=AuditAction.IDENTITY_ERASED).count() == 1


def test_a_recent_closure_is_kept(case_world) -> None:
    close(case_world.case, case_world.worker, timezone.localdate())
    assert retention_overdue() == 0
    call_command("retention", "apply", stdout=StringIO())
    assert reload(case_world.case.person).name == CHILD_NAME


def test_erasure_on_request_leaves_nothing_identifying(case_world) -> None:
    household = add_identities(case_world.case)
    child = case_world.case.person
    before = figure_snapshot()
    with pytest.raises(PermissionDenied):
        person_erase(person=child, erased_by=case_world.supervisor, reason="Court order 1")
    person_erase(person=child, erased_by=case_world.system_administrator, reason="Court order 1")
    assert_person_erased(child)
    assert Household.objects.get(pk=household.pk).address == ""
    for text in (CHILD_NAME, CONTACT, HOUSEHOLD_ADDRESS, "Synthetic summary", "SYN-REF-1", "Medical report"):
        assert text_columns_containing(text) == [], text
    # The encrypted columns of the child's own rows are empty as stored, not merely unreadable.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, contact, address FROM records_person WHERE id = %s", [child.pk])
        assert cursor.fetchone() == ("", "", "")
        cursor.execute("SELECT summary FROM cases_case WHERE id = %s", [case_world.case.pk])
        assert cursor.fetchone() == ("",)
    assert not Attachment.objects.filter(case=case_world.case).exists()
    # Nor does any encrypted value, read with the keys, hold the name, contact or address.
    for item in encrypted_columns():
        for column in item.columns:
            for value in stored(item.table, column):
                if value in ("", b"", None):
                    continue
                text = decrypt_bytes(value.encode() if isinstance(value, str) else bytes(value)).decode(
                    errors="replace"
                )
                assert CHILD_NAME not in text and CONTACT not in text and HOUSEHOLD_ADDRESS not in text
    assert figure_snapshot() == before
    assert audit_verify().ok
    entry = AuditEntry.objects.get(action=AuditAction.IDENTITY_ERASED)
    assert (entry.target_id, entry.reason, entry.target_label) == (child.public_id, "Court order 1", "")


def test_an_administrator_erases_through_the_pages(case_world, client_for) -> None:
    from django.urls import reverse

    child = case_world.case.person
    client = client_for(case_world.system_administrator)
    found = client.post(reverse("person_erase_find"), {"organisation": child.organisation_id, "code": child.code})
    assert found.status_code == 302
    assert found["Location"] == reverse("person_erase", kwargs={"public_id": child.public_id})
    assert child.code not in found["Location"]
    missing = client.post(reverse("person_erase_find"), {"organisation": child.organisation_id, "code": "NO-SUCH"})
    assert missing.status_code == 200 and "No person has this code" in missing.content.decode()
    confirm = client.get(found["Location"])
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.content.decode() and CHILD_NAME not in confirm.content.decode()
    assert "no-store" in confirm.get("Cache-Control", "")
    assert client.post(found["Location"], {"reason": ""}).status_code == 200
    assert reload(child).name == CHILD_NAME
    done = client.post(found["Location"], {"reason": "Court order 2"})
    assert done.status_code == 302
    assert_person_erased(child)
    assert audit_verify().ok
    # Nobody else may erase.
    assert client_for(case_world.supervisor).post(found["Location"], {"reason": "x"}).status_code == 403


def child_in_care_across_a_birthday(case_world) -> Person:
    """A victim born on 15 March 2006 (12 on 15 March 2018), in medical care from February 2017 to January 2019."""
    from sahay.records.services import RoleSpec, person_save, service_save

    worker = case_world.worker
    child = person_save(
        saved_by=worker,
        organisation=worker.organisation,
        code="TH-B-1",
        sex="female",
        birth_date=date(2006, 3, 15),
        roles=[RoleSpec(role="victim", start=date(2017, 2, 1))],
    )
    service_save(
        saved_by=worker,
        organisation=worker.organisation,
        kind="medical",
        start=date(2017, 2, 10),
        end=date(2019, 1, 5),
        person=child,
    )
    return child


def test_erasure_leaves_no_date_of_birth_to_work_out_and_figures_unchanged(case_world) -> None:
    from sahay.records.models.people import years_after

    born = date(2006, 3, 15)
    child = child_in_care_across_a_birthday(case_world)
    before = figure_snapshot(), age_cells()
    person_erase(person=child, erased_by=case_world.system_administrator, reason="Court order 2")
    child.refresh_from_db()
    # The milestones sit on the dates reported figures compare them with, not on birthdays: the next half year.
    assert child.turns_12_on == date(2018, 7, 1) != years_after(born, 12)
    assert child.turns_18_on == date(2019, 1, 2) != years_after(born, 18)
    assert (child.birth_date, child.birth_year_estimated) == (None, 2006)
    assert (figure_snapshot(), age_cells()) == before


def age_cells(periods: list[Period] | None = None) -> list[dict[str, int]]:
    """OUT-6 (victims with specialised help) split by sex and age band, per period: by default each semester and
    year the child spans, and cumulatively."""
    from sahay.figures.engine.counting import Window, tally
    from sahay.figures.engine.rules import CountingRule
    from sahay.frameworks.models import Indicator

    rule = CountingRule.parse(Indicator.objects.get(code="OUT-6").counting_rule)
    if periods is None:
        windows = [Window(date(2017, 1, 1), date(2017, 6, 30)), Window(date(2017, 7, 1), date(2017, 12, 31))]
        windows += [Window(date(2018, 1, 1), date(2018, 12, 31)), Window(date(2019, 1, 1), date(2019, 6, 30))]
        windows += [Window(date(2017, 1, 1), date(2019, 12, 31))]
    else:
        windows = [Window(period.start, period.end) for period in periods]
    tallies = [
        tally(rule, window=window, today=date(2026, 11, 28), grouping="programme", disaggregate=True)
        for window in windows
    ]
    return [programme[None].cells if None in programme else {} for programme in tallies]
