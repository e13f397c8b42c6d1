"""Appends from many connections at once still make one unbroken chain (PostgreSQL's advisory lock,
SQLite's immediate transactions)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction

from sahay.audit.chain import audit_verify
from sahay.audit.models import AuditAction, AuditEntry
from sahay.audit.services import audit_record

WRITERS = 4
ENTRIES_EACH = 15


def append_entries(writer: int) -> None:
    try:
        for number in range(ENTRIES_EACH):
            with transaction.atomic():
                audit_record(action=AuditAction.CASE_VIEWED, actor=None, target_id=f"{writer}-{number}")
    finally:
        connection.close()


def test_concurrent_appends_make_one_chain(committed_db):
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(append_entries, range(WRITERS)))

    total = WRITERS * ENTRIES_EACH
    assert list(AuditEntry.objects.values_list("position", flat=True)) == list(range(1, total + 1))
    check = audit_verify()
    assert (check.ok, check.entries_checked) == (True, total)
