"""Backups: the restore drill on the demo, damaged and foreign backups refused, and consistency while writing.

Restores run as `sahay restore` in a subprocess, into a second database migrated by `sahay migrate` (a new
file on SQLite, a new database on PostgreSQL), as an operator would run them.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from sahay.accounts.models import User
from sahay.audit.models import AuditAction, AuditEntry
from sahay.audit.services import audit_record
from sahay.cases.models import Attachment, Case
from sahay.core.backups import (
    BackupDamagedError,
    DecryptingReader,
    EncryptingWriter,
    RestoreRefusedError,
    WrongBackupKeyError,
    backup_create,
    backup_key_generate,
    backup_members,
    backup_restore,
)
from sahay.core.encryption import encrypt_bytes
from sahay.core.models import Country, Organisation

KEY = backup_key_generate()
CHECKOUT = Path(__file__).resolve().parents[3]
RAW_KEY = bytes(32)

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(autouse=True)
def backup_key_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHAY_BACKUP_KEY", KEY)


def run_sahay(*args: str, database_url: str, key: str = KEY) -> subprocess.CompletedProcess[str]:
    environment = dict(
        os.environ,
        DATABASE_URL=database_url,
        SAHAY_BACKUP_KEY=key,
        SAHAY_ENCRYPTION_KEYS=",".join(settings.SAHAY_ENCRYPTION_KEYS),
        SAHAY_AUDIT_KEYS=",".join(settings.SAHAY_AUDIT_KEYS),
        DJANGO_SETTINGS_MODULE="sahay.settings",
    )
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "sahay", *args],
        env=environment,
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        check=False,
    )


def _on_postgresql() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql")


class Databases:
    """Second databases for restoring into: copies of one migrated template."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.created: list[str] = []
        self.template = ""
        database = settings.DATABASES["default"]
        self.server = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}"

    def url(self, name: str) -> str:
        return f"{self.server}/{name}" if _on_postgresql() else f"sqlite:///{self.directory / name}.sqlite3"

    def _admin(self, statement: str) -> None:
        import psycopg

        database = settings.DATABASES["default"]
        with psycopg.connect(
            dbname="postgres",
            user=database["USER"],
            host=database["HOST"],
            port=database["PORT"] or 5432,
            password=database.get("PASSWORD") or None,
            autocommit=True,
        ) as admin:
            admin.execute(statement)

    def create(self, name: str, *, template: str | None = None) -> str:
        if _on_postgresql():
            self._admin(f"DROP DATABASE IF EXISTS {name}")
            self._admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
            self.created.append(name)
        elif template:
            shutil.copy(self.directory / f"{template}.sqlite3", self.directory / f"{name}.sqlite3")
        return self.url(name)

    def drop_all(self) -> None:
        for name in reversed(self.created):
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """A migrated, empty template, made once: migrating takes a while."""
    made = Databases(tmp_path_factory.mktemp("restores"))
    template = f"sahay_restore_template_{os.getpid()}"
    migrated = run_sahay("migrate", "--no-input", "-v0", database_url=made.create(template))
    assert migrated.returncode == 0, migrated.stderr
    made.template = template
    yield made
    if _on_postgresql():
        made.drop_all()


@pytest.fixture
def fresh_database(databases: Databases, request: pytest.FixtureRequest) -> str:
    """The URL of a freshly migrated, empty installation's database."""
    name = f"sahay_restore_{os.getpid()}_{request.node.name.split('[')[0][-20:]}".lower()
    return databases.create(name, template=databases.template)


def source_url() -> str:
    name = connection.settings_dict["NAME"]
    return (
        f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:{connection.settings_dict['PORT'] or 5432}/{name}"
        if _on_postgresql()
        else f"sqlite:///{name}"
    )


def rows_by_model(path: Path) -> tuple[dict[str, bytes], dict[str, Any]]:
    """A backup's data, model by model (every row's serialized form), and its manifest."""
    import base64

    key = base64.urlsafe_b64decode(KEY)
    data: dict[str, bytearray] = defaultdict(bytearray)
    manifest: dict[str, Any] = {}
    for name, content in backup_members(path, key):
        if name == "manifest.json":
            manifest = json.loads(content)
        else:
            data[name.split("-")[1]] += content
    return {label: bytes(rows) for label, rows in data.items()}, manifest


def test_the_drill_restores_the_demo_exactly(committed_db: None, fresh_database: str, tmp_path: Path) -> None:
    """Back up the demo, restore it into a new database, and find every row, figure and audit entry again."""
    call_command("demo", no_serve=True, stdout=io.StringIO())
    case = Case.objects.order_by("pk").first()
    assert case is not None
    with transaction.atomic():
        Attachment.objects.create(
            case=case,
            title="School report",
            filename="report.txt",
            content_type="text/plain",
            size=12,
            content=encrypt_bytes(b"school report"),
            uploaded_by=User.objects.order_by("pk").first(),
        )
    backup = backup_create(out=tmp_path / "demo.sahay-backup")
    assert backup.attachments == 1
    assert backup.rows > 1000
    assert (tmp_path / "demo.sahay-backup").stat().st_mode & 0o077 == 0

    restored = run_sahay("restore", str(backup.path), database_url=fresh_database)
    assert restored.returncode == 0, restored.stderr
    assert f"{backup.rows:,} rows" in restored.stdout

    # Every row of every model: a backup of the restored database holds the same serialized rows.
    again = run_sahay("backup", "--out", str(tmp_path / "again.sahay-backup"), database_url=fresh_database)
    assert again.returncode == 0, again.stderr
    original_rows, original_manifest = rows_by_model(backup.path)
    restored_rows, restored_manifest = rows_by_model(tmp_path / "again.sahay-backup")
    assert restored_manifest["rows"] == original_manifest["rows"]
    for label, rows in original_rows.items():
        assert restored_rows[label] == rows, f"{label} differs after the restore"
    assert original_manifest["rows"]["audit.auditentry"] == AuditEntry.objects.count() - 1  # the backup's own entry
    assert original_manifest["rows"]["cases.case"] == Case.objects.count()

    # The audit trail verifies, every encrypted value opens, every figure is the same (the restored
    # installation's checks in one process: each start of `sahay` costs seconds).
    checks = RESTORED_CHECKS.replace("BACKUP_PATH", repr(str(backup.path)))
    checked = run_sahay("shell", "-v", "0", "-c", checks, database_url=fresh_database)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    restored_facts = json.loads(checked.stdout.strip().splitlines()[-1])
    assert "unbroken" in restored_facts["verify"], restored_facts["verify"]
    # The restored trail ends at the head the backup carries, and says so when given the backup as anchor.
    head = original_manifest["audit_head"]
    assert f"audit head {head['sequence']} {head['hash']}" in restored.stdout
    assert f"matches its anchor (1 anchors, up to entry {head['sequence']})" in restored_facts["anchored"]
    assert restored_facts["figures"] == [indicators_json(cumulative) for cumulative in (False, True)]


# Run in the restored installation: each check raises (and the process fails) when it fails.
RESTORED_CHECKS = """
import io, json
from django.core.management import call_command
from django.core.management.base import CommandError
def output(*args, **options):
    buffer = io.StringIO()
    call_command(*args, stdout=buffer, **options)
    return buffer.getvalue()
facts = {"verify": output("audit", "verify"), "anchored": output("audit", "verify", "--anchor", BACKUP_PATH)}
output("rotate_keys", check=True)
facts["figures"] = [
    json.loads(output("indicators", period="2017-H1", format="json", cumulative=cumulative))
    for cumulative in (False, True)
]
print(json.dumps(facts))
"""


def indicators_json(cumulative: bool) -> Any:
    buffer = io.StringIO()
    call_command("indicators", period="2017-H1", format="json", cumulative=cumulative, stdout=buffer)
    return json.loads(buffer.getvalue())


@pytest.fixture
def small_backup(committed_db: None, role_users: Any, tmp_path: Path) -> Path:
    with transaction.atomic():
        audit_record(action=AuditAction.CASE_VIEWED, actor=role_users.programme_manager, reason="a reason")
    return backup_create(out=tmp_path / "small.sahay-backup").path


def damaged(path: Path, change: Callable[[bytes], bytes]) -> Path:
    target = path.with_suffix(".damaged")
    target.write_bytes(change(path.read_bytes()))
    return target


def flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def test_a_damaged_or_foreign_backup_restores_nothing(small_backup: Path, fresh_database: str) -> None:
    size = small_backup.stat().st_size
    users = User.objects.count()
    # Refused while reading the backup, before the installation is even looked at.
    with pytest.raises(BackupDamagedError, match="The backup is damaged: chunk 1 fails its authentication tag"):
        backup_restore(path=damaged(small_backup, lambda data: flip(data, size // 2)))
    with pytest.raises(BackupDamagedError, match=r"The backup is damaged: .*truncated"):
        backup_restore(path=damaged(small_backup, lambda data: data[:-100]))
    with pytest.raises(BackupDamagedError, match="The backup is damaged: its header was changed"):
        backup_restore(path=damaged(small_backup, lambda data: flip(data, 20)))
    assert User.objects.count() == users

    # The command says so, and leaves the new installation empty: the genuine backup restores into it after.
    wrong_key = run_sahay("restore", str(small_backup), database_url=fresh_database, key=backup_key_generate())
    assert wrong_key.returncode != 0
    assert "The backup cannot be opened with this key." in wrong_key.stderr
    restored = run_sahay("restore", str(small_backup), database_url=fresh_database)
    assert restored.returncode == 0, restored.stderr
    refused = run_sahay("restore", str(small_backup), database_url=fresh_database)
    assert refused.returncode != 0
    assert "This installation is not empty" in refused.stderr


def test_restore_into_a_non_empty_installation_is_refused(small_backup: Path) -> None:
    users = User.objects.count()
    with pytest.raises(RestoreRefusedError, match="This installation is not empty"):
        backup_restore(path=small_backup)
    assert User.objects.count() == users


def _stream(data: bytes, *, chunk_size: int = 64, key: bytes = RAW_KEY) -> bytes:
    target = io.BytesIO()
    writer = EncryptingWriter(target, key, chunk_size=chunk_size)
    writer.write(data)
    writer.finish()
    return target.getvalue()


def _open(sealed: bytes, key: bytes = RAW_KEY) -> bytes:
    reader = DecryptingReader(io.BytesIO(sealed), key)
    content = reader.read()
    reader.drain()
    return bytes(content or b"")


def test_the_encrypted_stream_catches_every_change_and_cut() -> None:
    data = os.urandom(1000)
    sealed = _stream(data)
    assert _open(sealed) == data
    assert _open(_stream(b"")) == b""
    for position in range(0, len(sealed), 7):
        with pytest.raises((BackupDamagedError, WrongBackupKeyError)):
            _open(flip(sealed, position))
    for length in range(len(sealed)):
        with pytest.raises(BackupDamagedError):
            _open(sealed[:length])
    with pytest.raises(BackupDamagedError, match="bytes after its last chunk"):
        _open(sealed + b"\0")
    with pytest.raises(WrongBackupKeyError, match="cannot be opened with this key"):
        _open(sealed, key=b"\1" * 32)


def test_a_backup_taken_while_others_write_is_consistent(committed_db: None, role_users: Any, tmp_path: Path) -> None:
    """Each write adds an organisation and its audit entry together: the snapshot holds both or neither."""
    stop = threading.Event()
    written: list[int] = []
    country = Country.objects.get(code="TH")

    def write() -> None:
        try:
            while not stop.is_set():
                with transaction.atomic():
                    organisation = Organisation.objects.create(
                        name=f"Writer {len(written)}", kind=Organisation.Kind.PARTNER, country=country
                    )
                    audit_record(action=AuditAction.EXPORT, actor=None, target_id=str(organisation.pk))
                written.append(organisation.pk)
        finally:
            connection.close()

    organisations_before, entries_before = Organisation.objects.count(), AuditEntry.objects.count()
    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 5:
            stop.wait(0.01)
        backup = backup_create(out=tmp_path / "busy.sahay-backup")
    finally:
        stop.set()
        writer.join()
    rows = backup.manifest["rows"]
    assert rows["core.organisation"] - organisations_before == rows["audit.auditentry"] - entries_before
    # The head is the snapshot's last entry, though others were written meanwhile.
    head = AuditEntry.objects.get(position=backup.manifest["audit_head"]["sequence"])
    assert head.position == rows["audit.auditentry"]
    assert backup.manifest["audit_head"]["hash"] == head.entry_hash
    assert rows["core.organisation"] - organisations_before >= 5
    data, _manifest = rows_by_model(backup.path)
    assert data["core.organisation"].count(b"\n") == rows["core.organisation"]


def test_a_backup_carries_the_audit_head_that_verify_checks(small_backup: Path) -> None:
    """The head in the backup is an anchor: a trail cut short after the backup is found from the backup file."""
    from sahay.audit import guard

    head = AuditEntry.objects.order_by("position").first()
    assert head is not None
    _rows, manifest = rows_by_model(small_backup)
    assert manifest["audit_head"] == {"sequence": head.position, "hash": head.entry_hash}

    # Someone with write access to the database removes every entry (the backup's own one too).
    guard.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    guard.install(connection)
    call_command("audit", "verify", stdout=io.StringIO())  # an empty chain is unbroken on its own
    with pytest.raises(CommandError, match=r"entry 1 and every later one are missing: the trail was cut short"):
        call_command("audit", "verify", "--anchor", str(small_backup), stdout=io.StringIO())
