"""Tamper evidence (figure 8): changing, removing, adding or moving any one entry is found and located."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from sahay.__main__ import main
from sahay.audit import guard
from sahay.audit.chain import GENESIS_HASH, audit_verify, entry_digest, newest_audit_key
from sahay.audit.models import AuditAction, AuditEntry
from sahay.audit.services import audit_record

pytestmark = pytest.mark.django_db

ENTRIES = 20


@pytest.fixture
def trail(make_user, organisations) -> list[AuditEntry]:
    worker = make_user("system_administrator", username="trail-admin")
    with transaction.atomic():
        return [
            audit_record(
                action=AuditAction.CASE_VIEWED,
                actor=worker,
                target_kind="case",
                target_id=f"case-{number}",
                target_label=f"TH-{number:04d}",
                organisation=organisations.partners["TH"],
                reason="checking a referral" if number % 5 == 0 else "",
                detail={"fields": ["status"]},
            )
            for number in range(1, ENTRIES + 1)
        ]


def tamper(*statements: tuple[str, list[object]]) -> None:
    """Raw SQL past the guard, as someone with the database's keys could run it (rolled back with the test)."""
    guard.remove(connection)
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def shift_up_from(position: int) -> list[tuple[str, list[object]]]:
    """Make room at a position, one row at a time from the top, so positions stay unique on every database."""
    last = AuditEntry.objects.order_by("-position").values_list("position", flat=True).first() or 0
    return [
        ("UPDATE audit_auditentry SET position = %s WHERE position = %s", [moved + 1, moved])
        for moved in range(last, position - 1, -1)
    ]


POSTGRESQL_TYPES = {
    "at": "::timestamptz",
    "actor_id": "::bigint",
    "organisation_id": "::bigint",
    "ip": "::inet",
    "detail": "::jsonb",
}


def copy_row(source: int, position: int, **changes: object) -> tuple[str, list[object]]:
    columns = [
        "at",
        "actor_id",
        "actor_name",
        "action",
        "target_kind",
        "target_id",
        "target_label",
        "organisation_id",
        "ip",
        "reason",
        "detail",
        "previous_hash",
        "key_id",
        "entry_hash",
    ]
    # PostgreSQL types a bare parameter in a SELECT list as text; tell it what each column takes.
    casts = POSTGRESQL_TYPES if connection.vendor == "postgresql" else {}
    chosen = [f"%s{casts.get(name, '')} AS {name}" if name in changes else name for name in columns]
    values = [changes[name] for name in columns if name in changes]
    return (
        f"INSERT INTO audit_auditentry (position, {', '.join(columns)}) "  # noqa: S608 - constant column names
        f"SELECT %s, {', '.join(chosen)} FROM audit_auditentry WHERE position = %s",
        [position, *values, source],
    )


def test_an_untouched_trail_verifies(trail):
    check = audit_verify()
    assert check.ok
    assert check.entries_checked == ENTRIES
    assert check.first_break_position is None


def test_an_empty_trail_verifies():
    assert audit_verify().ok
    assert audit_verify().entries_checked == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "export"),
        ("target_label", "TH-9999"),
        ("actor_name", "someone-else"),
        ("ip", "192.0.2.1"),
        ("detail", '{"fields": ["consent"]}'),
        ("previous_hash", "f" * 64),
    ],
)
def test_a_changed_entry_is_found(trail, column, value):
    tamper((f"UPDATE audit_auditentry SET {column} = %s WHERE position = 17", [value]))  # noqa: S608

    check = audit_verify()
    assert not check.ok
    assert check.first_break_position == 17
    assert check.entries_checked == 16
    if column == "previous_hash":
        assert "missing before entry 17" in check.problem
    else:
        assert check.problem == "entry 17 was altered"


def test_a_changed_reason_is_found(trail):
    from sahay.core.encryption import encrypt

    tamper(("UPDATE audit_auditentry SET reason = %s WHERE position = 10", [encrypt("nothing to see")]))
    check = audit_verify()
    assert (check.ok, check.first_break_position, check.problem) == (False, 10, "entry 10 was altered")


def test_a_changed_time_is_found(trail):
    moved = datetime(2020, 1, 1, tzinfo=UTC)
    tamper(
        ("UPDATE audit_auditentry SET at = %s WHERE position = 3", [connection.ops.adapt_datetimefield_value(moved)])
    )
    assert audit_verify().problem == "entry 3 was altered"


@pytest.mark.parametrize("removed", [1, 18, ENTRIES // 2])
def test_a_removed_entry_is_found(trail, removed):
    tamper(("DELETE FROM audit_auditentry WHERE position = %s", [removed]))

    check = audit_verify()
    assert not check.ok
    assert check.first_break_position == removed + 1
    assert check.problem == f"an entry is missing before entry {removed + 1}"


def test_a_removed_entry_with_the_rest_renumbered_is_found(trail):
    tamper(
        ("DELETE FROM audit_auditentry WHERE position = 12", []),
        *[
            ("UPDATE audit_auditentry SET position = %s WHERE position = %s", [moved - 1, moved])
            for moved in range(13, ENTRIES + 1)
        ],
    )
    check = audit_verify()
    assert (check.first_break_position, check.problem) == (12, "an entry is missing before entry 12")


def test_an_inserted_copy_is_found(trail):
    # A copy of entry 5 slipped in at 12, the later entries moved up to make room.
    tamper(*shift_up_from(12), copy_row(source=5, position=12))

    check = audit_verify()
    assert (check.first_break_position, check.problem) == (
        12,
        "entry 12 does not belong to the chain: inserted or reordered",
    )


def test_an_inserted_entry_with_a_valid_hash_is_found(trail):
    """A forger who computes the hash of the new entry, linked to entry 11, even with the key, is still found at 12."""
    eleventh = AuditEntry.objects.get(position=11)
    at = datetime.now(UTC)
    forged_hash = entry_digest(
        key=newest_audit_key(),
        position=12,
        at=at,
        actor_id=None,
        actor_name="",
        action=AuditAction.LOGIN,
        target_kind="",
        target_id="",
        target_label="",
        organisation_id=None,
        ip=None,
        reason="",
        detail={},
        previous_hash=eleventh.entry_hash,
    )
    tamper(
        *shift_up_from(12),
        copy_row(
            source=11,
            position=12,
            at=connection.ops.adapt_datetimefield_value(at),
            actor_id=None,
            actor_name="",
            action="login",
            target_kind="",
            target_id="",
            target_label="",
            organisation_id=None,
            ip=None,
            reason="",
            detail="{}",
            previous_hash=eleventh.entry_hash,
            entry_hash=forged_hash,
        ),
    )

    check = audit_verify()
    assert (check.first_break_position, check.problem) == (
        12,
        "entry 12 does not belong to the chain: inserted or reordered",
    )


def test_two_swapped_entries_are_found(trail):
    tamper(
        ("UPDATE audit_auditentry SET position = %s WHERE position = %s", [1000, 8]),
        ("UPDATE audit_auditentry SET position = %s WHERE position = %s", [8, 9]),
        ("UPDATE audit_auditentry SET position = %s WHERE position = %s", [9, 1000]),
    )
    check = audit_verify()
    assert (check.first_break_position, check.problem) == (
        8,
        "entry 8 does not belong to the chain: inserted or reordered",
    )


def test_the_first_entry_swapped_is_found(trail):
    tamper(
        ("UPDATE audit_auditentry SET position = %s WHERE position = %s", [1000, 1]),
        ("UPDATE audit_auditentry SET position = %s WHERE position = %s", [1, 2]),
        ("UPDATE audit_auditentry SET position = %s WHERE position = %s", [2, 1000]),
    )
    check = audit_verify()
    assert check.first_break_position == 1
    assert "inserted or reordered" in check.problem


def test_the_first_entry_starts_from_the_genesis_hash(trail):
    assert trail[0].previous_hash == GENESIS_HASH


def test_the_command_reports_a_clean_trail(trail, capsys):
    call_command("audit", "verify")
    assert f"{ENTRIES} entries" in capsys.readouterr().out


def test_the_command_fails_at_the_first_break(trail):
    tamper(
        ("UPDATE audit_auditentry SET action = %s WHERE position = 17", ["export"]),
        ("DELETE FROM audit_auditentry WHERE position = 19", []),
    )
    with pytest.raises(CommandError, match="entry 17 was altered"):
        call_command("audit", "verify")


def test_the_console_script_exits_non_zero_on_a_break(trail, monkeypatch, capsys):
    """`sahay audit verify` as an operator runs it: exit status 1 and the break on standard error."""
    tamper(("DELETE FROM audit_auditentry WHERE position = 17", []))
    monkeypatch.setattr(sys, "argv", ["sahay", "audit", "verify"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    assert "an entry is missing before entry 18" in capsys.readouterr().err
