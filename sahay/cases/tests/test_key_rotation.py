"""`sahay rotate-keys`: every stored secret ends under the newest key, resumably, with figures and chain intact."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sahay.audit import guard
from sahay.audit.chain import audit_verify
from sahay.cases.tests.conftest import CHILD_NAME
from sahay.cases.tests.erasure_helpers import add_identities, figure_snapshot, stored
from sahay.core import key_rotation
from sahay.records.models import Person


def token(value: Any) -> bytes:
    return value.encode("ascii") if isinstance(value, str) else bytes(value)


def stored_tokens() -> list[tuple[str, Any]]:
    """Every non-empty encrypted value in the database, with where it lives."""
    tokens = []
    for item in key_rotation.encrypted_columns():
        for column in item.columns:
            tokens += [
                (f"{item.table}.{column}", value)
                for value in stored(item.table, column)
                if value not in ("", b"", None)
            ]
    return tokens


@pytest.fixture
def two_keys(settings, case_world):
    add_identities(case_world.case)
    old = settings.SAHAY_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.SAHAY_ENCRYPTION_KEYS = [new, old]
    return Fernet(new.encode()), Fernet(old.encode())


def assert_all_under(newest: Fernet, old: Fernet) -> None:
    tokens = stored_tokens()
    columns = {where for where, _ in tokens}
    # Every kind of encrypted value of the world is there: identities, narratives, files, audit reasons.
    assert {
        "records_person.name",
        "records_person.contact",
        "records_household.address",
        "cases_case.summary",
        "cases_attachment.content",
        "cases_glassaccess.reason",
        "audit_auditentry.reason",
    } <= columns
    for _where, value in tokens:
        newest.decrypt(token(value))
        with pytest.raises(InvalidToken):
            old.decrypt(token(value))


def test_rotation_puts_every_value_under_the_newest_key(two_keys, case_world) -> None:
    newest, old = two_keys
    before = figure_snapshot()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("rotate_keys", check=True, stdout=out)
    call_command("rotate_keys", stdout=out)
    assert "may now be removed" in out.getvalue()
    assert_all_under(newest, old)
    assert figure_snapshot() == before
    assert audit_verify().ok
    assert guard.is_installed(connection)
    assert Person.objects.get(pk=case_world.case.person_id).name == CHILD_NAME
    # Nothing is left, and a second run changes nothing.
    call_command("rotate_keys", check=True, stdout=StringIO())
    assert sum(result.values_rotated for result in key_rotation.keys_rotate()) == 0


def test_an_interrupted_rotation_resumes_where_it_stopped(two_keys, monkeypatch) -> None:
    newest, old = two_keys
    real = key_rotation._rotate_batch
    calls = {"n": 0}

    def failing(item, rows, newest_key):
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("interrupted")
        return real(item, rows, newest_key)

    monkeypatch.setattr(key_rotation, "_rotate_batch", failing)
    with pytest.raises(RuntimeError):
        key_rotation.keys_rotate(batch_size=1)
    left = sum(result.values_left for result in key_rotation.keys_check())
    assert left > 0
    monkeypatch.setattr(key_rotation, "_rotate_batch", real)
    results = key_rotation.keys_rotate(batch_size=1)
    assert sum(result.values_left for result in results) == 0
    assert sum(result.values_rotated for result in results) == left
    assert_all_under(newest, old)
    assert audit_verify().ok
