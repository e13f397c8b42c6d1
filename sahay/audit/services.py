"""Writing to the audit trail: one function, called inside the transaction of the act it records.

Once the transaction commits, the entry's sequence number and hash (and nothing else) go to the log
(`sahay.audit.anchor`), which operators ship off the server: the anchor that `sahay audit verify --anchor`
compares the trail with, so that a tail cut short, or entries rewritten even with the key, are found.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest

from sahay.accounts.models import User
from sahay.audit.chain import ANCHOR_MESSAGE, GENESIS_HASH, canonical_ip, entry_digest, newest_audit_key
from sahay.audit.models import AuditAction, AuditEntry
from sahay.core.models import Organisation
from sahay.core.request_ids import NO_REQUEST

# Any constant will do, as long as nothing else in the database takes the same advisory lock.
CHAIN_LOCK_KEY = 0x5341_4841_5941_5544  # "SAHAYAUD"

anchor_log = logging.getLogger("sahay.audit.anchor")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For as far as SAHAY_TRUSTED_PROXIES trusts it.

    With n trusted proxies in front, the n-th address from the right of X-Forwarded-For is the one the
    outermost trusted proxy saw; anything to its left was written by the client and is not believed.
    """
    trusted: int = settings.SAHAY_TRUSTED_PROXIES
    candidate: str = request.META.get("REMOTE_ADDR", "")
    if trusted > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= trusted:
            candidate = forwarded[-trusted]
    try:
        return canonical_ip(candidate)
    except ValueError:
        return None


def _lock_chain() -> None:
    """Serialise appends, so that two writers never read the same last entry.

    PostgreSQL takes a transaction-scoped advisory lock; SQLite writers are already serialised
    because every transaction begins IMMEDIATE (see settings). The unique position is the backstop.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def audit_record(
    *,
    action: AuditAction,
    actor: User | None,
    request: HttpRequest | None = None,
    target_kind: str = "",
    target_id: str = "",
    target_label: str = "",
    organisation: Organisation | None = None,
    reason: str = "",
    detail: dict[str, object] | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail, in the caller's transaction, so a rolled-back act leaves none."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the act it records (transaction.atomic).")
    # Stored as JSON, read back as JSON: hash what will be read back (tuples become lists, and so on).
    facts: dict[str, object] = json.loads(json.dumps(detail or {}))
    ip = client_ip(request) if request is not None else None
    actor_name = actor.username if actor is not None else ""
    key = newest_audit_key()
    _lock_chain()
    last = AuditEntry.objects.order_by("-position").values_list("position", "entry_hash").first()
    position, previous_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    # Microseconds survive every database Sahay runs on, so the stored time hashes the same.
    at = datetime.now(UTC)
    entry = AuditEntry(
        position=position,
        at=at,
        actor=actor,
        actor_name=actor_name,
        action=action,
        target_kind=target_kind,
        target_id=str(target_id),
        target_label=target_label,
        organisation=organisation,
        ip=ip,
        reason=reason,
        detail=facts,
        previous_hash=previous_hash,
        key_id=key.key_id,
    )
    entry.entry_hash = entry_digest(
        key=key,
        position=position,
        at=at,
        actor_id=actor.pk if actor is not None else None,
        actor_name=actor_name,
        action=action,
        target_kind=target_kind,
        target_id=str(target_id),
        target_label=target_label,
        organisation_id=organisation.pk if organisation is not None else None,
        ip=ip,
        reason=reason,
        detail=facts,
        previous_hash=previous_hash,
    )
    entry.save()
    # Only once committed: a rolled-back entry's number is written again, with another hash.
    transaction.on_commit(partial(_log_anchor, position, entry.entry_hash), robust=True)
    return entry


def _log_anchor(position: int, entry_hash: str) -> None:
    """The anchor line: the sequence number and hash, in the message (text logs) and as fields (JSON logs).

    Not even the request's id: the anchor must not tie an entry to a request in the access log.
    """
    anchor_log.info(
        ANCHOR_MESSAGE,
        position,
        entry_hash,
        extra={"audit_sequence": position, "audit_hash": entry_hash, "request_id": NO_REQUEST},
    )
