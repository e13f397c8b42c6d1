"""The root conftest lifts the audit guard for a transactional test's flush and restores it after.

These tests run in file order: two transactional tests that commit entries (the second would fail
at setup or teardown if the first left the guard or its rows behind), then an ordinary test that
finds the guard in force again.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from sahay.audit import guard
from sahay.audit.models import AuditAction, AuditEntry
from sahay.audit.services import audit_record


def commit_an_entry() -> None:
    with transaction.atomic():
        audit_record(action=AuditAction.LOGIN, actor=None)


@pytest.mark.parametrize("run", [1, 2])
def test_a_transactional_test_starts_empty_and_guarded(committed_db, run):
    assert not AuditEntry.objects.exists()
    assert guard.is_installed(connection)
    commit_an_entry()
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_an_ordinary_test_after_them_is_guarded():
    assert not AuditEntry.objects.exists()
    commit_an_entry()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
