"""The keyed hash chain that makes the audit trail tamper-evident, the check that walks it, and its anchors.

Each entry's hash is an HMAC-SHA256, under a key kept outside the database (SAHAY_AUDIT_KEYS), of its own
facts and the hash of the entry before it: altering, removing, inserting or reordering any entry breaks
the chain at that entry, and write access to the database is not enough to recompute the hashes. Each
entry names the id of its key, so the key rotates: new entries use the newest, old ones verify with theirs.

What the chain alone cannot show is its tail cut short. So every write also logs its sequence number and
hash (sahay.audit.services) for operators to ship off the server, and every backup carries the head:
`anchor_check` compares the trail with such a file of anchors.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sahay.audit.models import AuditEntry

GENESIS_HASH = "0" * 64
# An audit key is a random secret: anything shorter could be guessed offline from one entry's hash.
MINIMUM_KEY_LENGTH = 32
KEY_ID_LENGTH = 16


class AuditKeyError(ImproperlyConfigured):
    pass


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes = field(repr=False)


def audit_key_generate() -> str:
    """A new key for SAHAY_AUDIT_KEYS: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def key_id_of(secret: str) -> str:
    """A key's id: an HMAC of a constant under the key, which names it without telling anything about it."""
    return hmac.new(secret.encode("utf-8"), b"sahay audit key id", hashlib.sha256).hexdigest()[:KEY_ID_LENGTH]


@cache
def _keys(configured: tuple[str, ...]) -> tuple[AuditKey, ...]:
    if not configured:
        raise AuditKeyError("No audit key is configured (SAHAY_AUDIT_KEYS).")
    if any(len(secret) < MINIMUM_KEY_LENGTH for secret in configured):
        raise AuditKeyError(
            f"Each key of SAHAY_AUDIT_KEYS must be at least {MINIMUM_KEY_LENGTH} random characters "
            "(`sahay audit generate-key` makes one)."
        )
    return tuple(AuditKey(key_id=key_id_of(secret), secret=secret.encode("utf-8")) for secret in configured)


def audit_keys() -> tuple[AuditKey, ...]:
    """The configured keys, newest first."""
    return _keys(tuple(settings.SAHAY_AUDIT_KEYS))


def newest_audit_key() -> AuditKey:
    return audit_keys()[0]


def audit_key(key_id: str) -> AuditKey | None:
    return next((key for key in audit_keys() if key.key_id == key_id), None)


def canonical_ip(ip: str | None) -> str | None:
    """One spelling per address, whatever the database hands back (PostgreSQL's inet, SQLite's text)."""
    if not ip:
        return None
    return str(ipaddress.ip_address(ip))


def entry_digest(
    *,
    key: AuditKey,
    position: int,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    target_kind: str,
    target_id: str,
    target_label: str,
    organisation_id: int | None,
    ip: str | None,
    reason: str,
    detail: dict[str, object],
    previous_hash: str,
) -> str:
    """HMAC-SHA256, under the audit key, of a canonical JSON of the entry's facts and the key's id.

    The reason enters as plain text, so re-encrypting it under a new key leaves the hash unchanged.
    """
    facts = {
        "key_id": key.key_id,
        "position": position,
        "at": at.isoformat(),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": str(action),
        "target_kind": target_kind,
        "target_id": target_id,
        "target_label": target_label,
        "organisation_id": organisation_id,
        "ip": canonical_ip(ip),
        "reason": reason,
        "detail": detail,
        "previous_hash": previous_hash,
    }
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key.secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


class StoredEntry(Protocol):
    """What the digest reads of an entry: the model's, or a migration's historical model's."""

    key_id: str
    position: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    target_kind: str
    target_id: str
    target_label: str
    organisation_id: int | None
    ip: str | None
    reason: str
    detail: Any
    previous_hash: str


class UnknownAuditKeyError(LookupError):
    pass


def digest_of(entry: StoredEntry) -> str:
    """The hash an entry's stored facts call for, under the key it names (UnknownAuditKeyError if none)."""
    key = audit_key(entry.key_id) if entry.key_id else None
    if key is None:
        raise UnknownAuditKeyError(entry.key_id)
    return entry_digest(
        key=key,
        position=entry.position,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        action=entry.action,
        target_kind=entry.target_kind,
        target_id=entry.target_id,
        target_label=entry.target_label,
        organisation_id=entry.organisation_id,
        ip=entry.ip,
        reason=entry.reason,
        detail=entry.detail,
        previous_hash=entry.previous_hash,
    )


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries_checked: int
    first_break_position: int | None = None
    problem: str = ""


def _key_problem(entry: AuditEntry) -> str:
    """Why the entry's hash cannot be checked with a configured key, or "" if it can."""
    if not entry.key_id:
        return f"entry {entry.position} was hashed without the audit key"
    if audit_key(entry.key_id) is None:
        return (
            f"entry {entry.position} names audit key {entry.key_id}, which SAHAY_AUDIT_KEYS does not hold "
            "(configure every key still in use, or the entry was forged)"
        )
    return ""


def audit_verify() -> ChainCheck:
    """Walk the trail by position and name the first break, if any."""
    expected_position = 1
    previous_hash = GENESIS_HASH
    prior: AuditEntry | None = None
    checked = 0
    # A constant-memory walk: the trail grows without bound.
    for entry in AuditEntry.objects.order_by("position").iterator(chunk_size=2000):
        position = entry.position
        if position < expected_position:
            return _broken(checked, position, f"entry {position} does not belong to the chain: inserted or reordered")
        if position > expected_position:
            return _broken(checked, position, f"an entry is missing before entry {position}")
        key_problem = _key_problem(entry)
        intact = not key_problem and hmac.compare_digest(digest_of(entry), entry.entry_hash)
        linked = entry.previous_hash == previous_hash
        if intact and linked:
            previous_hash, prior = entry.entry_hash, entry
            expected_position += 1
            checked += 1
            continue
        if prior is not None and entry.previous_hash == prior.previous_hash:
            # Two entries claim the same predecessor: the earlier one was slipped in before this one.
            return _broken(
                checked - 1,
                prior.position,
                f"entry {prior.position} does not belong to the chain: inserted or reordered",
            )
        if key_problem:
            # A hash made without the key, or under a key not configured, is refused wherever it links.
            return _broken(checked, position, key_problem)
        if linked:
            return _broken(checked, position, f"entry {position} was altered")
        if _hash_exists(entry.previous_hash):
            # It follows another entry of the trail, not the one before it: moved here or copied in.
            return _broken(checked, position, f"entry {position} does not belong to the chain: inserted or reordered")
        return _broken(checked, position, f"an entry is missing before entry {position}")
    return ChainCheck(ok=True, entries_checked=checked)


def _hash_exists(entry_hash: str) -> bool:
    return entry_hash == GENESIS_HASH or AuditEntry.objects.filter(entry_hash=entry_hash).exists()


def _broken(checked: int, position: int, problem: str) -> ChainCheck:
    return ChainCheck(ok=False, entries_checked=checked, first_break_position=position, problem=problem)


# --- anchors: the chain's sequence numbers and hashes, kept outside the database --------------------

ANCHOR_MESSAGE = "audit head %d %s"
# "sequence hash" a line, as operators write them down; and the message above inside any other line
# (the text log format, `sahay backup`'s output).
_PLAIN_ANCHOR = re.compile(r"\s*(\d+)\s+([0-9a-f]{64})\s*")
_ANCHOR_IN_TEXT = re.compile(r"\baudit head (\d+) ([0-9a-f]{64})\b")


class AnchorError(Exception):
    """The anchor file cannot be read; the message says why."""


@dataclass(frozen=True)
class Anchor:
    sequence: int
    hash: str


@dataclass(frozen=True)
class AnchorCheck:
    ok: bool
    anchors: int
    last_anchored: int
    last_entry: int
    first_difference: int | None = None
    problem: str = ""


def anchors_from_lines(lines: Iterable[str]) -> Iterator[Anchor]:
    """The anchors in a file's lines: JSON log lines with `audit_sequence` and `audit_hash`, "sequence hash"
    lines, or the anchor message inside a text line. Every other line (the rest of a shipped log) is skipped."""
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        if text.startswith("{"):
            try:
                record = json.loads(text)
            except ValueError:
                continue
            if not isinstance(record, dict) or "audit_sequence" not in record:
                continue
            sequence, digest = record.get("audit_sequence"), record.get("audit_hash")
            if (
                not isinstance(sequence, int)
                or not isinstance(digest, str)
                or not re.fullmatch(r"[0-9a-f]{64}", digest)
            ):
                raise AnchorError(f"line {number} of the anchor file is not a sequence number and a hash")
            yield Anchor(sequence, digest)
            continue
        match = _PLAIN_ANCHOR.fullmatch(text) or _ANCHOR_IN_TEXT.search(text)
        if match:
            yield Anchor(int(match.group(1)), match.group(2))


def anchors_read(path: Path) -> list[Anchor]:
    """The anchors of a file: a shipped log, a list of "sequence hash" lines, or a Sahay backup (its head)."""
    from sahay.core.backups import MAGIC, BackupError, backup_head

    try:
        with path.open("rb") as source:
            is_backup = source.read(len(MAGIC)) == MAGIC
        if is_backup:
            try:
                sequence, digest = backup_head(path)
            except BackupError as error:
                raise AnchorError(str(error)) from error
            return [Anchor(sequence, digest)]
        with path.open(encoding="utf-8", errors="replace") as lines:
            found = list(anchors_from_lines(lines))
    except OSError as error:
        raise AnchorError(f"The anchor file cannot be read: {error.strerror or error}.") from error
    if not found:
        raise AnchorError(f"{path} holds no audit anchors (sequence numbers and hashes).")
    return found


def audit_head() -> Anchor:
    """The last entry's sequence number and hash (0 and the genesis hash for an empty trail)."""
    last = AuditEntry.objects.order_by("-position").values_list("position", "entry_hash").first()
    return Anchor(last[0], last[1]) if last else Anchor(0, GENESIS_HASH)


def anchor_check(anchors: Iterable[Anchor]) -> AnchorCheck:
    """Compare the trail with anchors written outside the database and name the first entry that differs.

    A hash that differs means the entry (or one before it, with the hashes recomputed) was rewritten; an
    anchored sequence number past the last entry means the tail was cut short. Every anchor must hold: two
    for one sequence number with different hashes cannot both (so a line slipped into a log cannot overrule
    a genuine one); after a restore, entries past the backup's head are new ones, and need a new anchor file.
    """
    expected: dict[int, set[str]] = {}
    for anchor in anchors:
        expected.setdefault(anchor.sequence, set()).add(anchor.hash)
    count = len(expected)
    if expected.pop(0, {GENESIS_HASH}) != {GENESIS_HASH}:
        return AnchorCheck(False, count, 0, 0, 0, "the anchor names a sequence 0 that is not the chain's start")
    last_anchored = max(expected, default=0)
    head = audit_head().sequence
    difference: tuple[int, str] | None = None
    # In sequence order, so that the first difference found is the earliest entry's.
    for position, entry_hash in (
        AuditEntry.objects.filter(position__lte=last_anchored)
        .order_by("position")
        .values_list("position", "entry_hash")
        .iterator(chunk_size=5000)
    ):
        anchored = expected.pop(position, set())
        if any(not hmac.compare_digest(digest, entry_hash) for digest in anchored):
            difference = (
                position,
                f"entry {position} differs from its anchor: it was rewritten (its hash is not the one logged "
                "when it was written)",
            )
            break
    # Anchored sequence numbers the walk did not meet, before where it stopped: removed entries.
    reached = difference[0] if difference else head + 1
    missing = [sequence for sequence in expected if sequence < reached]
    if missing:
        difference = (min(missing), f"entry {min(missing)} is missing, though the anchor names it")
    elif difference is None and last_anchored > head:
        difference = (
            head + 1,
            f"entry {head + 1} and every later one are missing: the trail was cut short "
            f"({f'it ends at entry {head}' if head else 'it has no entries'}, the anchor names entry {last_anchored})",
        )
    if difference is None:
        return AnchorCheck(True, count, last_anchored, head)
    return AnchorCheck(False, count, last_anchored, head, difference[0], difference[1])
