"""The audit key: rotated like the other keys, and the chains written before it re-keyed once, honestly."""

from __future__ import annotations

import importlib
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from sahay.audit import guard
from sahay.audit.chain import AuditKeyError, audit_key_generate, audit_keys, audit_verify, key_id_of
from sahay.audit.models import AuditAction, AuditEntry
from sahay.audit.services import audit_record

pytestmark = pytest.mark.django_db

migration = importlib.import_module("sahay.audit.migrations.0007_audit_key_id")


def record(count: int, **kwargs: object) -> list[AuditEntry]:
    with transaction.atomic():
        return [
            audit_record(action=AuditAction.CASE_VIEWED, actor=None, target_label=f"TH-{number:04d}", **kwargs)
            for number in range(count)
        ]


def test_entries_name_the_newest_key_and_old_ones_verify_with_theirs(settings):
    old = settings.SAHAY_AUDIT_KEYS[0]
    before = record(3, reason="a reason")
    new = audit_key_generate()
    settings.SAHAY_AUDIT_KEYS = [new, old]
    after = record(2)

    assert {entry.key_id for entry in before} == {key_id_of(old)}
    assert {entry.key_id for entry in after} == {key_id_of(new)}
    assert key_id_of(new) != key_id_of(old)
    assert audit_verify().ok
    out = StringIO()
    call_command("audit", "keys", stdout=out)
    assert f"{key_id_of(new)} (newest, signs new entries): 2 entries" in out.getvalue()
    assert f"{key_id_of(old)} (older): 3 entries" in out.getvalue()

    # The old key removed too soon: the entries it signed are named, not silently accepted.
    settings.SAHAY_AUDIT_KEYS = [new]
    check = audit_verify()
    assert (check.ok, check.first_break_position) == (False, 1)
    assert f"names audit key {key_id_of(old)}, which SAHAY_AUDIT_KEYS does not hold" in check.problem
    with pytest.raises(CommandError, match="under no configured audit key"):
        call_command("audit", "keys", stdout=StringIO())


def test_a_short_or_missing_key_is_refused(settings):
    settings.SAHAY_AUDIT_KEYS = ["too short"]
    with pytest.raises(AuditKeyError, match="at least 32"):
        audit_keys()
    settings.SAHAY_AUDIT_KEYS = []
    with pytest.raises(AuditKeyError, match="SAHAY_AUDIT_KEYS"):
        record(1)


def test_generate_key_prints_a_usable_key(settings):
    out = StringIO()
    call_command("audit", "generate-key", stdout=out)
    settings.SAHAY_AUDIT_KEYS = [out.getvalue().strip()]
    record(2)
    assert audit_verify().ok


def unkey_everything() -> None:
    """The trail as an installation had it before the chain was keyed: plain SHA-256, no key id."""
    migration.unkey(django_apps, SimpleNamespace(connection=connection))
    assert set(AuditEntry.objects.values_list("key_id", flat=True)) == {""}


def test_the_migration_rekeys_an_unkeyed_chain_and_unkeying_reverses_it():
    record(5, reason="checking a referral")
    keyed = list(AuditEntry.objects.values_list("entry_hash", flat=True))
    unkey_everything()
    check = audit_verify()
    assert (check.ok, check.first_break_position, check.problem) == (
        False,
        1,
        "entry 1 was hashed without the audit key",
    )

    migration.rekey(django_apps, SimpleNamespace(connection=connection))
    assert audit_verify().ok
    assert audit_verify().entries_checked == 5
    assert list(AuditEntry.objects.values_list("entry_hash", flat=True)) == keyed  # the same key, the same facts
    assert guard.is_installed(connection)


def test_the_migration_does_not_launder_a_change_made_before_it():
    record(6)
    unkey_everything()
    guard.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET target_label = %s WHERE position = 4", ["TH-9999"])
    guard.install(connection)

    migration.rekey(django_apps, SimpleNamespace(connection=connection))
    check = audit_verify()
    assert (check.ok, check.first_break_position, check.problem) == (
        False,
        4,
        "entry 4 was hashed without the audit key",
    )
    assert AuditEntry.objects.filter(position__lt=4).exclude(key_id="").count() == 3
