"""The hash chain that makes the audit trail tamper-evident, and the check that walks it.

Each entry's hash covers its own facts and the hash of the entry before it, so altering, removing,
inserting or reordering any entry breaks the chain at that entry.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import datetime

from sahay.audit.models import AuditEntry

GENESIS_HASH = "0" * 64


def canonical_ip(ip: str | None) -> str | None:
    """One spelling per address, whatever the database hands back (PostgreSQL's inet, SQLite's text)."""
    if not ip:
        return None
    return str(ipaddress.ip_address(ip))


def entry_digest(
    *,
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
    """SHA-256 of a canonical JSON of the entry's facts.

    The reason enters as plain text, so re-encrypting it under a new key leaves the hash unchanged.
    """
    facts = {
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
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest_of(entry: AuditEntry) -> str:
    """The hash an entry's stored facts call for."""
    return entry_digest(
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
        intact = digest_of(entry) == entry.entry_hash
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
