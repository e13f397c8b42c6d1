"""The database itself refuses to change or remove audit entries (figure 8), whatever the ORM allows."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from sahay.audit import guard
from sahay.audit.models import AuditAction, AuditEntry
from sahay.audit.services import audit_record

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture
def entry() -> AuditEntry:
    with transaction.atomic():
        return audit_record(action=AuditAction.LOGIN, actor=None)


def run_sql(sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_update_is_refused(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["export", entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == AuditAction.LOGIN


def test_raw_delete_is_refused(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRESQL, reason="TRUNCATE and its trigger are PostgreSQL's")
def test_truncate_is_refused(committed_db):
    # Committed first: inside the inserting transaction PostgreSQL refuses TRUNCATE for its own reasons.
    with transaction.atomic():
        entry = audit_record(action=AuditAction.LOGIN, actor=None)
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql("TRUNCATE audit_auditentry CASCADE", [])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_install_and_remove_are_idempotent(entry):
    # Inside the test's transaction: the guard comes back when it rolls back.
    guard.install(connection)
    assert guard.is_installed(connection)
    guard.remove(connection)
    guard.remove(connection)
    assert not guard.is_installed(connection)
    run_sql("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["export", entry.pk])
    guard.install(connection)
    guard.install(connection)
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
