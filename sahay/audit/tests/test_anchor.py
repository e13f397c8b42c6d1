"""A keyed chain anchored outside the database (goal 27): rewriting and cutting short are both found.

The attacker has write access to the database (the triggers are lifted, as the file's owner or a
superuser can), knows the code, and may recompute every hash after the entry they change. What they
cannot reach is the anchor: the sequence numbers and hashes the audit writes sent to the log (shipped
off the server) and the head each backup carries.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from sahay.audit import chain, guard
from sahay.audit.models import AuditAction, AuditEntry
from sahay.audit.services import audit_record
from sahay.core.request_ids import JsonFormatter, NoRequestDetailsFilter, RequestIdFilter

pytestmark = pytest.mark.django_db

ENTRIES = 20
GLASS = 5  # the break-the-glass entry the attacker re-attributes


@pytest.fixture
def shipped_log(tmp_path: Path) -> Iterator[Path]:
    """The JSON log as production writes it, to a file an operator ships off the server."""
    path = tmp_path / "sahay.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(NoRequestDetailsFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield path
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


@pytest.fixture
def trail(make_user, organisations, shipped_log, django_capture_on_commit_callbacks) -> list[AuditEntry]:
    supervisor = make_user("case_supervisor", username="glass-supervisor")
    partner = organisations.partners["TH"]
    entries = []
    for number in range(1, ENTRIES + 1):
        # One transaction per act, as the application writes them; each "commits" its log line.
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            entries.append(
                audit_record(
                    action=AuditAction.BREAK_GLASS if number == GLASS else AuditAction.CASE_VIEWED,
                    actor=supervisor,
                    target_kind="case",
                    target_id=f"case-{number}",
                    target_label=f"TH-{number:04d}",
                    organisation=partner,
                    reason="the child is missing since last night" if number == GLASS else "",
                )
            )
    return entries


def tamper(*statements: tuple[str, list[object]]) -> None:
    """Raw SQL past the guard, as someone with write access to the database runs it (rolled back after)."""
    guard.remove(connection)
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def verify(*args: str) -> str:
    """`sahay audit verify` as an operator runs it: what it says, on success or on failure."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
    except CommandError as error:
        return f"BROKEN: {error}"
    return out.getvalue()


def unkeyed_sha256(entry: AuditEntry) -> str:
    """The plain SHA-256 of the entry's facts, as the published code computed it before the chain had a key."""
    facts = {
        "position": entry.position,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": str(entry.action),
        "target_kind": entry.target_kind,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "organisation_id": entry.organisation_id,
        "ip": chain.canonical_ip(entry.ip),
        "reason": entry.reason,
        "detail": entry.detail,
        "previous_hash": entry.previous_hash,
    }
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reattribute_glass_entry(to_user, digest) -> None:
    """Put the break-the-glass entry on another user and recompute every hash from there to the end."""
    statements: list[tuple[str, list[object]]] = []
    previous = AuditEntry.objects.get(position=GLASS - 1).entry_hash
    for entry in AuditEntry.objects.filter(position__gte=GLASS).order_by("position"):
        if entry.position == GLASS:
            entry.actor_id, entry.actor_name = to_user.pk, to_user.username
        entry.previous_hash = previous
        entry.entry_hash = digest(entry)
        previous = entry.entry_hash
        statements.append(
            (
                "UPDATE audit_auditentry SET actor_id = %s, actor_name = %s, previous_hash = %s, entry_hash = %s "
                "WHERE position = %s",
                [entry.actor_id, entry.actor_name, entry.previous_hash, entry.entry_hash, entry.position],
            )
        )
    tamper(*statements)


def plain_anchor(path: Path, entries: list[AuditEntry]) -> Path:
    """An operator's anchor file: "sequence hash" a line, as written down from backups."""
    path.write_text("".join(f"{entry.position} {entry.entry_hash}\n" for entry in entries))
    return path


def test_deleting_the_last_entry_is_found_given_the_shipped_log(trail, shipped_log):
    tamper(("DELETE FROM audit_auditentry WHERE position = %s", [ENTRIES]))

    said = verify("--anchor", str(shipped_log))
    assert said.startswith("BROKEN"), said
    assert f"entry {ENTRIES}" in said
    assert "cut short" in said


def test_deleting_the_last_entries_is_found_given_a_plain_anchor(trail, tmp_path):
    anchor = plain_anchor(tmp_path / "anchor.txt", [trail[9], trail[-1]])
    tamper(("DELETE FROM audit_auditentry WHERE position > %s", [ENTRIES - 3]))

    said = verify("--anchor", str(anchor))
    assert said.startswith("BROKEN"), said
    assert f"entry {ENTRIES - 2}" in said
    assert "cut short" in said


def test_rewriting_with_recomputed_unkeyed_hashes_is_found(trail, make_user, shipped_log):
    """The attack of the issue: the hashes recomputed with the published algorithm, and no key."""
    reattribute_glass_entry(make_user("case_worker", username="scapegoat"), unkeyed_sha256)
    assert AuditEntry.objects.get(position=GLASS).actor_name == "scapegoat"

    for said in (verify(), verify("--anchor", str(shipped_log))):
        assert said.startswith("BROKEN"), said
        assert f"entry {GLASS}" in said


def test_rewriting_with_the_key_itself_is_found_given_the_shipped_log(trail, make_user, shipped_log):
    """Even an attacker who also stole the key (the hashes recomputed as Sahay computes them) meets the anchor."""
    reattribute_glass_entry(make_user("case_worker", username="scapegoat"), chain.digest_of)
    assert "BROKEN" not in verify()  # the chain alone cannot tell: the key was stolen

    said = verify("--anchor", str(shipped_log))
    assert said.startswith("BROKEN"), said
    assert f"entry {GLASS} " in said


def test_each_audit_write_logs_its_sequence_and_hash_and_nothing_else(trail, shipped_log):
    lines = [json.loads(line) for line in shipped_log.read_text().splitlines()]
    anchors = [line for line in lines if "audit_sequence" in line]
    assert [(line["audit_sequence"], line["audit_hash"]) for line in anchors] == [
        (entry.position, entry.entry_hash) for entry in trail
    ]
    assert {frozenset(line) for line in anchors} == {
        frozenset({"time", "level", "logger", "message", "request_id", "audit_sequence", "audit_hash"})
    }
    assert {line["request_id"] for line in anchors} == {"-"}
    text = shipped_log.read_text()
    assert "glass-supervisor" not in text
    assert "TH-0005" not in text
    assert "case-5" not in text
    assert "missing since" not in text


def test_rewriting_with_a_guessed_key_is_found_without_the_anchor(trail, make_user):
    guessed = chain.AuditKey(key_id=trail[0].key_id, secret=b"a guess at the key, long enough to look real")

    def forged(entry: AuditEntry) -> str:
        return chain.entry_digest(key=guessed, **{name: getattr(entry, name) for name in FACTS})

    reattribute_glass_entry(make_user("case_worker", username="scapegoat"), forged)
    said = verify()
    assert said.startswith("BROKEN") and f"entry {GLASS} was altered" in said, said


def test_an_entry_made_unkeyed_is_refused(trail):
    """Clearing the key id does not bring the unkeyed scheme back."""
    entry = AuditEntry.objects.get(position=GLASS)
    entry.key_id = ""
    tamper(
        (
            "UPDATE audit_auditentry SET key_id = '', entry_hash = %s WHERE position = %s",
            [unkeyed_sha256(entry), GLASS],
        )
    )
    said = verify()
    assert said.startswith("BROKEN") and f"entry {GLASS} was hashed without the audit key" in said, said


def test_an_untouched_trail_matches_every_kind_of_anchor(trail, shipped_log, tmp_path):
    text_log = tmp_path / "text.log"
    text_log.write_text(
        "".join(
            f"2026-12-02 10:00:00,000 INFO [-] sahay.audit.anchor: audit head {e.position} {e.entry_hash}\n"
            for e in trail
        )
    )
    head_line = tmp_path / "head.txt"
    head_line.write_text(call_output("audit", "head"))
    for anchor in (shipped_log, text_log, plain_anchor(tmp_path / "plain.txt", trail[:3]), head_line):
        said = verify("--anchor", str(anchor))
        assert "unbroken" in said and "matches its anchor" in said, (anchor.name, said)
    assert "Entries after 3 are not anchored yet" in verify("--anchor", str(tmp_path / "plain.txt"))


def test_without_an_anchor_verify_says_the_tail_is_unchecked(trail):
    tamper(("DELETE FROM audit_auditentry WHERE position = %s", [ENTRIES]))
    said = verify()
    assert f"{ENTRIES - 1} entries, unbroken" in said
    assert "tail is unchecked" in said


def test_an_anchor_file_without_anchors_is_refused(trail, tmp_path):
    empty = tmp_path / "other.log"
    empty.write_text('{"message": "something else"}\nplain words\n')
    assert "holds no audit anchors" in verify("--anchor", str(empty))
    assert "cannot be read" in verify("--anchor", str(tmp_path / "absent.log"))


def test_a_rewritten_entry_is_named_before_a_later_cut(trail, make_user, shipped_log):
    reattribute_glass_entry(make_user("case_worker", username="scapegoat"), chain.digest_of)
    tamper(("DELETE FROM audit_auditentry WHERE position > %s", [ENTRIES - 2]))
    said = verify("--anchor", str(shipped_log))
    assert said.startswith("BROKEN")
    assert re.search(r"entry (\d+)", said).group(1) == str(GLASS), said


def test_a_write_during_a_request_logs_no_request_id(db, shipped_log, django_capture_on_commit_callbacks):
    from sahay.core.request_ids import _current_request_id

    token = _current_request_id.set("request-1234")
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            audit_record(action=AuditAction.LOGIN, actor=None)
    finally:
        _current_request_id.reset(token)
    (line,) = [json.loads(line) for line in shipped_log.read_text().splitlines() if "audit_sequence" in line]
    assert line["request_id"] == "-"


def test_a_rolled_back_entry_is_not_logged(db, shipped_log, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ZeroDivisionError), transaction.atomic():
        audit_record(action=AuditAction.LOGIN, actor=None)
        _ = 1 / 0
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kept = audit_record(action=AuditAction.LOGIN, actor=None)
    anchors = list(chain.anchors_from_lines(shipped_log.read_text().splitlines()))
    assert anchors == [chain.Anchor(kept.position, kept.entry_hash)]


FACTS = (
    "position",
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
)


def call_output(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_line_slipped_into_the_log_cannot_overrule_a_genuine_anchor(trail, make_user, shipped_log):
    """An attacker with the key rewrites entry 5 and appends its new hash to the log: the old line still holds."""
    reattribute_glass_entry(make_user("case_worker", username="scapegoat"), chain.digest_of)
    with shipped_log.open("a") as log:
        log.write(f"{GLASS} {AuditEntry.objects.get(position=GLASS).entry_hash}\n")
    said = verify("--anchor", str(shipped_log))
    assert said.startswith("BROKEN") and f"entry {GLASS} differs from its anchor" in said, said
