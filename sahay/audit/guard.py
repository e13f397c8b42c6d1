"""Database triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit entries.

The model refuses these too, but raw SQL, a shell or a bug past the ORM meets the database's refusal.
`install` and `remove` are idempotent. On SQLite, a later migration that rebuilds the audit table
drops its triggers with it: such a migration must call `install` again.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditentry"
REFUSAL = "the audit trail is append-only"

SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}: DELETE refused'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
]

POSTGRESQL_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END;
    $$""",
    f"DROP TRIGGER IF EXISTS audit_entry_no_update ON {TABLE}",
    f"""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()""",
    f"DROP TRIGGER IF EXISTS audit_entry_no_delete ON {TABLE}",
    f"""CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()""",
    f"DROP TRIGGER IF EXISTS audit_entry_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse_change()""",
]
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_entry_no_update ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_entry_no_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_entry_no_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_entry_refuse_change()",
]


def _statements(connection: BaseDatabaseWrapper, *, installing: bool) -> list[str]:
    if connection.vendor == "sqlite":
        return SQLITE_INSTALL if installing else SQLITE_REMOVE
    if connection.vendor == "postgresql":
        return POSTGRESQL_INSTALL if installing else POSTGRESQL_REMOVE
    raise NotImplementedError(f"No audit guard for the {connection.vendor} database.")


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection: BaseDatabaseWrapper) -> None:
    """Make the database refuse changes to audit entries."""
    _run(connection, _statements(connection, installing=True))


def remove(connection: BaseDatabaseWrapper) -> None:
    """Take the refusal away (reversing the migration; tests that must empty the table)."""
    _run(connection, _statements(connection, installing=False))


def is_installed(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        else:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE])
        row = cursor.fetchone()
    return bool(row and row[0])
