"""The audit chain gets a key: every entry names its audit key, and the existing chain is re-keyed once.

Entries written before this migration were hashed with plain SHA-256, which anyone with write access to
the database can recompute. They are re-hashed here, in order, under the newest key of SAHAY_AUDIT_KEYS,
but only as far as the old chain verifies: from a break on, entries keep their unkeyed hashes, which
`sahay audit verify` refuses, so re-keying never launders a change made before it. After this migration
no entry hashed without a key is accepted.

The plain SHA-256 of the old entries is frozen here; the keyed hash is sahay.audit.chain's.
"""

import hashlib
import json
import logging

from django.db import migrations, models

from sahay.audit import guard
from sahay.audit.chain import GENESIS_HASH, AuditKey, canonical_ip, entry_digest, newest_audit_key

BATCH = 1000
log = logging.getLogger("sahay.audit.migrations")


def _facts(entry, previous_hash):
    return {
        "position": entry.position,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "target_kind": entry.target_kind,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "organisation_id": entry.organisation_id,
        "ip": entry.ip,
        "reason": entry.reason,
        "detail": entry.detail,
        "previous_hash": previous_hash,
    }


def unkeyed_digest(facts):
    """The chain's hash before it had a key (sahay.audit.chain up to this migration)."""
    plain = {**facts, "at": facts["at"].isoformat(), "action": str(facts["action"]), "ip": canonical_ip(facts["ip"])}
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _rehash(apps, connection, *, verifies, rehash, key_id):
    """Walk the chain; while each entry `verifies` under the old scheme, give it the new hash and link."""
    entries = apps.get_model("audit", "AuditEntry")
    old_previous, new_previous, expected, done = GENESIS_HASH, GENESIS_HASH, 1, 0
    quote = connection.ops.quote_name
    statement = (
        f"UPDATE {quote(guard.TABLE)} SET previous_hash = %s, entry_hash = %s, key_id = %s "  # noqa: S608  # nosec B608
        "WHERE position = %s"
    )
    guard.remove(connection)
    try:
        while True:
            batch = list(entries.objects.filter(position__gte=expected).order_by("position")[:BATCH])
            updates = []
            broken = not batch
            for entry in batch:
                if entry.position != expected or entry.previous_hash != old_previous or not verifies(entry):
                    broken = True
                    break
                new_hash = rehash(_facts(entry, new_previous))
                updates.append([new_previous, new_hash, key_id, entry.position])
                old_previous, new_previous, expected = entry.entry_hash, new_hash, expected + 1
            with connection.cursor() as cursor:
                cursor.executemany(statement, updates)
            done += len(updates)
            if broken or len(batch) < BATCH:
                break
    finally:
        guard.install(connection)
    left = entries.objects.filter(position__gte=expected).count()
    if left:
        # Not re-keyed: `sahay audit verify` names the break, as it did before this migration.
        log.warning("The audit chain breaks at entry %d: %d entries from there on were not re-keyed.", expected, left)
    return done


def rekey(apps, schema_editor):
    key = newest_audit_key()
    _rehash(
        apps,
        schema_editor.connection,
        verifies=lambda entry: (
            not entry.key_id and unkeyed_digest(_facts(entry, entry.previous_hash)) == entry.entry_hash
        ),
        rehash=lambda facts: entry_digest(key=key, **facts),
        key_id=key.key_id,
    )


def unkey(apps, schema_editor):
    from sahay.audit.chain import audit_key

    def verifies(entry):
        key: AuditKey | None = audit_key(entry.key_id) if entry.key_id else None
        return key is not None and entry_digest(key=key, **_facts(entry, entry.previous_hash)) == entry.entry_hash

    _rehash(apps, schema_editor.connection, verifies=verifies, rehash=unkeyed_digest, key_id="")


def guard_install(apps, schema_editor):
    # Removing the column rebuilds the table on SQLite, and its triggers go with it.
    guard.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_api_token_actions"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, guard_install),
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="audit key id"),
        ),
        migrations.RunPython(rekey, unkey),
    ]
