"""Encrypted, authenticated backups of a whole installation, and restoring one into an empty installation.

A backup file is a gzip-compressed tar of the database's rows (Django's serializer, one JSON line per row,
model by model in dependency order) and a manifest (format and Sahay versions, when, which database,
applied migrations, row counts per model, SHA-256 per member), encrypted as one stream:

    header  = b"SAHAYBAK" | version (1 byte) | chunk size (4) | file id (16) | key check (32) | SHA-256 of the above
    chunk*  = length (4) | AES-256-GCM ciphertext and tag of up to `chunk size` bytes

Each file gets its own keys, derived with HKDF from SAHAY_BACKUP_KEY and the file's random id. Chunk i is
sealed under the nonce (i, last?) with the header as associated data (the STREAM construction): a changed,
dropped, reordered or appended chunk fails its tag, and a file cut at a chunk boundary lacks the last one.
The key check tells a wrong key ("cannot be opened with this key") from a damaged file.

Case attachments are rows too (`cases.Attachment.content`): Sahay keeps no other files that need a backup.

The manifest carries the audit trail's head (the last entry's sequence number and hash, in the snapshot): an
anchor outside the database. `sahay backup` prints it, `sahay audit verify --anchor BACKUP` checks the trail
against it, and a restore checks that the restored trail ends there.

Encrypted fields are copied as their stored Fernet tokens, never decrypted: a restore gives back the very
same bytes, a stolen backup key alone reveals no identities, and a restore needs the SAHAY_ENCRYPTION_KEYS
that were in use when the backup was made (checked before anything is written).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import secrets
import struct
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.core.serializers import python as python_serializer
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.functions import Cast

from sahay.core.encryption import EncryptedTextField, decrypt, decrypt_bytes
from sahay.core.key_rotation import ENCRYPTED_BYTES_FIELDS

KEY_VARIABLE = "SAHAY_BACKUP_KEY"
MAGIC = b"SAHAYBAK"
CONTAINER_VERSION = 1
FORMAT_VERSION = 1
CHUNK_SIZE = 1024 * 1024
MEMBER_SIZE = 4 * 1024 * 1024  # a model's rows are split into tar members of about this size
MANIFEST = "manifest.json"
TAG_SIZE = 16
_PREFIX = struct.Struct(">8sBI16s32s")
HEADER_SIZE = _PREFIX.size + 32
_LENGTH = struct.Struct(">I")
RAW = "sahay_raw_"  # annotations carrying encrypted columns as stored

# Rows a freshly migrated installation already has (data migrations and post_migrate): a restore
# replaces them with the backup's own, so that every id matches the backup's rows that point at them.
SEEDED_MODELS = frozenset({"contenttypes.contenttype", "auth.permission", "core.country", "accounts.role"})


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why, for the person running the command."""


class BackupKeyError(BackupError):
    pass


class WrongBackupKeyError(BackupError):
    def __init__(self) -> None:
        super().__init__("The backup cannot be opened with this key.")


class BackupDamagedError(BackupError):
    def __init__(self, problem: str) -> None:
        super().__init__(f"The backup is damaged: {problem}. Nothing was restored.")


class RestoreRefusedError(BackupError):
    pass


# --- the key ---------------------------------------------------------------------------------------


def backup_key_generate() -> str:
    """A new key for SAHAY_BACKUP_KEY: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def backup_key() -> bytes:
    """The key from the environment.

    There is deliberately no fallback to SAHAY_ENCRYPTION_KEYS: backups are kept elsewhere and longer than
    the server, and a backup that opened with the server's own key would give a thief of the server's
    environment the backups too; and the first encryption key changes with every key rotation.
    """
    text = os.environ.get(KEY_VARIABLE, "").strip()
    if not text:
        raise BackupKeyError(
            f"{KEY_VARIABLE} is not set. Generate a key with `sahay backup --generate-key` and keep it apart "
            "from the backups (see docs/backup.md)."
        )
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise BackupKeyError(
            f"{KEY_VARIABLE} must be 32 random bytes in URL-safe base64 (`sahay backup --generate-key` makes one)."
        )
    return key


def _derive(key: bytes, file_id: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=file_id, info=b"sahay-backup-v1 " + purpose).derive(key)


def _nonce(index: int, *, last: bool) -> bytes:
    return struct.pack(">QB3x", index, 1 if last else 0)


# --- the encrypted stream --------------------------------------------------------------------------


class EncryptingWriter(io.RawIOBase):
    """Seals what is written in chunks of CHUNK_SIZE; `finish` seals the last chunk (possibly empty)."""

    def __init__(self, target: IO[bytes], key: bytes, *, chunk_size: int = CHUNK_SIZE) -> None:
        super().__init__()
        file_id = secrets.token_bytes(16)
        key_check = _derive(key, file_id, b"key check")
        prefix = _PREFIX.pack(MAGIC, CONTAINER_VERSION, chunk_size, file_id, key_check)
        self.header = prefix + hashlib.sha256(prefix).digest()
        self.aead = AESGCM(_derive(key, file_id, b"encryption"))
        self.target = target
        self.chunk_size = chunk_size
        self.buffer = bytearray()
        self.index = 0
        self.bytes_written = len(self.header)
        target.write(self.header)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        while len(self.buffer) > self.chunk_size:  # keep at least one byte back: the last chunk is sealed apart
            self._seal(bytes(self.buffer[: self.chunk_size]), last=False)
            del self.buffer[: self.chunk_size]
        return len(data)

    def finish(self) -> None:
        self._seal(bytes(self.buffer), last=True)
        self.buffer.clear()

    def _seal(self, plaintext: bytes, *, last: bool) -> None:
        sealed = self.aead.encrypt(_nonce(self.index, last=last), plaintext, self.header)
        self.target.write(_LENGTH.pack(len(sealed)) + sealed)
        self.bytes_written += _LENGTH.size + len(sealed)
        self.index += 1


class DecryptingReader(io.RawIOBase):
    """Opens each chunk in turn, checking its tag; ends only after the last chunk, and nothing follows it."""

    def __init__(self, source: IO[bytes], key: bytes) -> None:
        super().__init__()
        header = source.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise BackupDamagedError("this is not a Sahay backup, or its beginning is missing")
        prefix = header[: _PREFIX.size]
        if not hmac.compare_digest(hashlib.sha256(prefix).digest(), header[_PREFIX.size :]):
            raise BackupDamagedError("its header was changed")
        _magic, container_version, chunk_size, file_id, key_check = _PREFIX.unpack(prefix)
        if container_version != CONTAINER_VERSION:
            raise RestoreRefusedError(f"This backup has container version {container_version}; this Sahay reads 1.")
        if not hmac.compare_digest(_derive(key, file_id, b"key check"), key_check):
            raise WrongBackupKeyError()
        self.header = header
        self.aead = AESGCM(_derive(key, file_id, b"encryption"))
        self.source = source
        self.chunk_size = chunk_size
        self.index = 0
        self.ended = False
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self.pending and not self.ended:
            self.pending = self._open_next()
        size = min(len(target), len(self.pending))
        target[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def drain(self) -> None:
        """Read to the end, so that every chunk's tag is checked and a missing last chunk is noticed."""
        while not self.ended:
            self._open_next()
        self.pending = b""

    def _open_next(self) -> bytes:
        length_bytes = self.source.read(_LENGTH.size)
        if len(length_bytes) < _LENGTH.size:
            raise BackupDamagedError(f"it ends after {self.index} chunks, before its last one (truncated)")
        (length,) = _LENGTH.unpack(length_bytes)
        if length < TAG_SIZE or length > self.chunk_size + TAG_SIZE:
            raise BackupDamagedError(f"chunk {self.index + 1} has an impossible length")
        sealed = self.source.read(length)
        if len(sealed) < length:
            raise BackupDamagedError(f"chunk {self.index + 1} is cut short (truncated)")
        plaintext = self._try_open(sealed, last=False)
        if plaintext is None:
            plaintext = self._try_open(sealed, last=True)
            if plaintext is None:
                raise BackupDamagedError(f"chunk {self.index + 1} fails its authentication tag")
            self.ended = True
            if self.source.read(1):
                raise BackupDamagedError("there are bytes after its last chunk")
        self.index += 1
        return plaintext

    def _try_open(self, sealed: bytes, *, last: bool) -> bytes | None:
        try:
            return self.aead.decrypt(_nonce(self.index, last=last), sealed, self.header)
        except InvalidTag:
            return None


# --- what is backed up -----------------------------------------------------------------------------


def backed_up_models(alias: str = DEFAULT_DB_ALIAS) -> list[type[models.Model]]:
    """Every table Django manages (many-to-many tables too), each after the tables it points to."""
    found = {
        model._meta.label_lower: model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and router.allow_migrate_model(alias, model)
    }
    needs = {
        label: {
            related._meta.label_lower
            for field in model._meta.concrete_fields
            if field.remote_field is not None and (related := field.remote_field.model) is not model
            if related._meta.label_lower in found
        }
        for label, model in found.items()
    }
    ordered: list[type[models.Model]] = []
    placed: set[str] = set()
    while len(placed) < len(found):
        ready = sorted(label for label in found if label not in placed and needs[label] <= placed)
        # A cycle of foreign keys: place the rest by name; the keys are checked at commit anyway.
        for label in ready or sorted(set(found) - placed):
            ordered.append(found[label])
            placed.add(label)
    return ordered


def _encrypted_text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]


def _encrypted_bytes_fields(model: type[models.Model]) -> tuple[str, ...]:
    return ENCRYPTED_BYTES_FIELDS.get((model._meta.app_label, model.__name__), ())


class _RowSerializer(python_serializer.Serializer):
    """Django's serializer, taking encrypted fields as stored and leaving many-to-many to their own tables."""

    def __init__(self) -> None:
        super().__init__()
        self.use_natural_foreign_keys = self.use_natural_primary_keys = False
        self.selected_fields = None

    def handle_field(self, obj: Any, field: Any) -> None:
        if isinstance(field, EncryptedTextField):
            self._current[field.name] = getattr(obj, RAW + field.attname)  # type: ignore[attr-defined]
        else:
            super().handle_field(obj, field)

    def handle_m2m_field(self, obj: Any, field: Any) -> None:
        pass

    def line(self, obj: models.Model) -> bytes:
        """One row as a line of JSON: `serialize` for a single object, without its per-call setup."""
        self.start_object(obj)
        for model_field in self.concrete_fields(type(obj)):
            if model_field.remote_field is None:
                self.handle_field(obj, model_field)
            else:
                self.handle_fk_field(obj, model_field)
        row = self.get_dump_object(obj)
        return json.dumps(row, default=_encode, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"

    @staticmethod
    @cache
    def concrete_fields(model: type[models.Model]) -> list[Any]:
        concrete: Any = model._meta.concrete_model
        return [field for field in concrete._meta.local_fields if field.serialize]


def _encode(value: object) -> object:
    """Protected types keep every digit (Django's JSON encoder would cut times to milliseconds)."""
    if isinstance(value, datetime | date | time_of_day):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"Cannot write {type(value).__name__} into a backup.")


def _rows(model: type[models.Model], alias: str) -> Iterator[bytes]:
    encrypted = _encrypted_text_fields(model)
    queryset = model._base_manager.db_manager(alias).order_by("pk")
    if encrypted:
        queryset = queryset.defer(*[field.name for field in encrypted]).annotate(
            **{RAW + field.attname: Cast(field.attname, models.TextField()) for field in encrypted}
        )
    serializer = _RowSerializer()
    for obj in queryset.iterator(chunk_size=2000):
        yield serializer.line(obj)


class _Snapshot:
    """One read transaction that sees the database as it was when it began, while others go on writing."""

    def __init__(self, alias: str) -> None:
        self.connection = connections[alias]
        self.atomic = transaction.atomic(using=alias)

    def __enter__(self) -> None:
        if self.connection.in_atomic_block:
            raise BackupError("A backup needs its own transaction: it cannot run inside another one.")
        if self.connection.vendor == "sqlite":
            # Sahay's writers begin IMMEDIATE; a reader begins DEFERRED, and its first read fixes what it sees (WAL).
            self.connection.ensure_connection()  # the mode is read from the options when connecting
            sqlite: Any = self.connection
            mode = sqlite.transaction_mode
            sqlite.transaction_mode = "DEFERRED"
            try:
                self.atomic.__enter__()
            finally:
                sqlite.transaction_mode = mode
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM sqlite_master")
        elif self.connection.vendor == "postgresql":
            self.atomic.__enter__()
            with self.connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        else:
            raise BackupError(f"Backups of a {self.connection.vendor} database are not supported.")

    def __exit__(self, *exc_info: Any) -> None:
        self.atomic.__exit__(*exc_info)


def _applied_migrations(alias: str) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connections[alias]).applied_migrations())


def _sahay_version() -> str:
    try:
        return version("sahay")
    except PackageNotFoundError:
        return "unknown"


@dataclass
class BackupSummary:
    path: Path
    rows: int
    models: int
    attachments: int
    bytes: int
    seconds: float
    manifest: dict[str, Any] = field(repr=False, default_factory=dict)

    def line(self) -> str:
        head = self.manifest.get("audit_head", {})
        return (
            f"Backup written to {self.path}: {self.rows:,} rows of {self.models} tables, "
            f"{self.attachments:,} attachments, {self.bytes:,} bytes encrypted, in {self.seconds:.1f} s.\n"
            # The anchor line `sahay audit verify --anchor` reads: keep it with the shipped log.
            f"Its audit trail ends at: audit head {head.get('sequence')} {head.get('hash')}"
        )


def _add_member(archive: tarfile.TarFile, name: str, content: bytes, mtime: float) -> str:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(content), int(mtime), 0o600
    archive.addfile(info, io.BytesIO(content))
    return hashlib.sha256(content).hexdigest()


def backup_create(
    *, out: Path, alias: str = DEFAULT_DB_ALIAS, on_snapshot: Callable[[], None] | None = None
) -> BackupSummary:
    """Write a backup of the database to `out`, atomically: `out` is the whole backup or is left as it was.

    Memory holds one tar member (about MEMBER_SIZE, or one row if larger) and one chunk at a time.
    `on_snapshot` is called once the snapshot is fixed (tests use it to write while the backup runs).
    """
    key = backup_key()
    started = time.monotonic()
    directory = out.resolve().parent
    if not directory.is_dir():
        raise BackupError(f"{directory} is not a directory: nothing was written.")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{out.name}.", suffix=".tmp")  # private: 0600
    try:
        with os.fdopen(handle, "wb") as stream:
            writer = EncryptingWriter(stream, key)
            manifest = _write_archive(writer, alias, on_snapshot)
            writer.finish()
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory_handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_handle)
    finally:
        os.close(directory_handle)
    counts: dict[str, int] = manifest["rows"]
    summary = BackupSummary(
        path=out,
        rows=sum(counts.values()),
        models=len(counts),
        attachments=counts.get("cases.attachment", 0),
        bytes=writer.bytes_written,
        seconds=time.monotonic() - started,
        manifest=manifest,
    )
    _audit_backup(summary)
    return summary


def _write_archive(writer: EncryptingWriter, alias: str, on_snapshot: Callable[[], None] | None) -> dict[str, Any]:
    created_at = datetime.now(UTC)
    members: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    with tarfile.open(fileobj=writer, mode="w|gz", format=tarfile.PAX_FORMAT) as archive, _Snapshot(alias):
        if on_snapshot is not None:
            on_snapshot()
        migrations = _applied_migrations(alias)
        head = _audit_head(alias)
        for number, model in enumerate(backed_up_models(alias), start=1):
            label = model._meta.label_lower
            counts[label] = 0
            part, buffer, rows = 0, bytearray(), 0

            def flush(label: str = label, number: int = number) -> None:
                nonlocal part, buffer, rows
                part += 1
                name = f"data/{number:03d}-{label}-{part:04d}.jsonl"
                digest = _add_member(archive, name, bytes(buffer), created_at.timestamp())
                members.append({"name": name, "model": label, "rows": rows, "bytes": len(buffer), "sha256": digest})
                buffer, rows = bytearray(), 0

            for line in _rows(model, alias):
                buffer += line
                rows += 1
                counts[label] += 1
                if len(buffer) >= MEMBER_SIZE:
                    flush()
            if rows or part == 0:
                flush()
        manifest = {
            "format": "sahay-backup",
            "format_version": FORMAT_VERSION,
            "sahay_version": _sahay_version(),
            "created_at": created_at.isoformat(),
            "database_vendor": connections[alias].vendor,
            "migrations": migrations,
            "rows": counts,
            "members": members,
            "audit_head": head,
        }
        _add_member(archive, MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"), created_at.timestamp())
    return manifest


def _audit_head(alias: str) -> dict[str, Any]:
    from sahay.audit.chain import GENESIS_HASH
    from sahay.audit.models import AuditEntry

    last = AuditEntry.objects.using(alias).order_by("-position").values_list("position", "entry_hash").first()
    sequence, digest = last if last else (0, GENESIS_HASH)
    return {"sequence": sequence, "hash": digest}


def backup_head(path: Path) -> tuple[int, str]:
    """The audit head a backup carries (sequence number and hash), after checking the whole file."""
    manifest = _verified(path, backup_key(), check_values=False)
    head = manifest.get("audit_head")
    if not isinstance(head, dict) or not isinstance(head.get("sequence"), int) or not isinstance(head.get("hash"), str):
        raise BackupDamagedError("its manifest names no audit head")
    return head["sequence"], head["hash"]


def _audit_backup(summary: BackupSummary) -> None:
    from sahay.audit.models import AuditAction
    from sahay.audit.services import audit_record

    with transaction.atomic():
        audit_record(
            action=AuditAction.EXPORT,
            actor=None,
            target_kind="backup",
            target_label=summary.path.name,
            detail={"what": "backup", "rows": summary.rows, "bytes": summary.bytes},
        )


# --- restore ---------------------------------------------------------------------------------------


@dataclass
class RestoreSummary:
    path: Path
    rows: int
    models: int
    created_at: str
    sahay_version: str
    database_vendor: str
    seconds: float
    audit_head: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"Restored {self.path}: {self.rows:,} rows of {self.models} tables, from a backup made "
            f"{self.created_at} by Sahay {self.sahay_version} on {self.database_vendor}, in {self.seconds:.1f} s.\n"
            # Entries the old log anchors after this head were lost with the old installation: anchor anew.
            f"The restored audit trail ends at: audit head {self.audit_head.get('sequence')} "
            f"{self.audit_head.get('hash')}"
        )


def backup_members(path: Path, key: bytes) -> Iterator[tuple[str, bytes]]:
    """Each member of the archive with its content; every chunk is checked, to the last one."""
    with path.open("rb") as source:
        reader = DecryptingReader(source, key)
        try:
            with tarfile.open(fileobj=reader, mode="r|gz") as archive:
                for member in archive:
                    content = archive.extractfile(member) if member.isfile() else None
                    if content is None:
                        raise BackupDamagedError(f"it holds an unexpected entry {member.name!r}")
                    yield member.name, content.read()
        except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError) as error:
            # Only reachable with the backup key (every chunk passed its tag): a backup written wrongly.
            raise BackupDamagedError(f"its archive cannot be read ({error})") from error
        reader.drain()


def _verified(path: Path, key: bytes, *, check_values: bool = True) -> dict[str, Any]:
    """The manifest, after checking every member against it and (`check_values`) every encrypted value against
    the keys."""
    seen: list[tuple[str, int, str]] = []
    manifest: dict[str, Any] | None = None
    readable = _encrypted_value_check() if check_values else (lambda row: None)
    for name, content in backup_members(path, key):
        if manifest is not None:
            raise BackupDamagedError(f"{name} follows the manifest")
        if name == MANIFEST:
            try:
                manifest = json.loads(content)
            except ValueError as error:
                raise BackupDamagedError("its manifest cannot be read") from error
            continue
        rows = 0
        for line in content.splitlines():
            readable(json.loads(line))
            rows += 1
        seen.append((name, rows, hashlib.sha256(content).hexdigest()))
    if manifest is None:
        raise BackupDamagedError("its manifest is missing")
    if manifest.get("format") != "sahay-backup" or manifest.get("format_version") != FORMAT_VERSION:
        raise RestoreRefusedError(
            f"This backup has format version {manifest.get('format_version')}; this Sahay reads 1."
        )
    listed = [(member["name"], member["rows"], member["sha256"]) for member in manifest["members"]]
    if listed != seen:
        wrong = next((a[0] for a, b in zip(listed, seen, strict=False) if a != b), "a member")
        raise BackupDamagedError(f"{wrong} does not match its checksum or row count in the manifest")
    totals: dict[str, int] = {}
    for member in manifest["members"]:
        totals[member["model"]] = totals.get(member["model"], 0) + member["rows"]
    if totals != manifest["rows"]:
        raise BackupDamagedError("the manifest's row counts do not add up")
    return manifest


def _encrypted_value_check() -> Callable[[dict[str, Any]], None]:
    """A check that a row's encrypted values open with SAHAY_ENCRYPTION_KEYS; memoised per model."""
    fields: dict[str, tuple[list[str], list[str]]] = {}

    def check(row: dict[str, Any]) -> None:
        label = row["model"]
        if label not in fields:
            model = apps.get_model(label)
            fields[label] = ([f.name for f in _encrypted_text_fields(model)], list(_encrypted_bytes_fields(model)))
        texts, blobs = fields[label]
        try:
            for name in texts:
                if row["fields"][name]:
                    decrypt(row["fields"][name])
            for name in blobs:
                if row["fields"][name]:
                    decrypt_bytes(base64.b64decode(row["fields"][name]))
        except ImproperlyConfigured as error:
            raise RestoreRefusedError(
                f"The backup's encrypted values ({label}) cannot be read with SAHAY_ENCRYPTION_KEYS: configure the "
                "keys that were in use when it was made (see docs/backup.md). Nothing was restored."
            ) from error

    return check


def installation_check(alias: str, manifest: dict[str, Any]) -> None:
    """Refuse an installation at other migrations than the backup's, or one that holds data of its own."""
    here = _applied_migrations(alias)
    if here != manifest["migrations"]:
        missing = sorted(set(manifest["migrations"]) - set(here))
        extra = sorted(set(here) - set(manifest["migrations"]))
        raise RestoreRefusedError(
            f"This installation's database is not at the migrations of the backup (made by Sahay "
            f"{manifest['sahay_version']}): missing here {missing or 'none'}, not in the backup {extra or 'none'}. "
            "Restore with the version that made it, into a database migrated by it. Nothing was restored."
        )
    holding = [
        model._meta.label_lower
        for model in backed_up_models(alias)
        if model._meta.label_lower not in SEEDED_MODELS and model._base_manager.db_manager(alias).exists()
    ]
    if holding:
        raise RestoreRefusedError(
            "This installation is not empty (it has rows in "
            f"{', '.join(holding[:5])}{', ...' if len(holding) > 5 else ''}): a backup is restored only into a "
            "freshly migrated database. Nothing was restored."
        )


def backup_restore(*, path: Path, alias: str = DEFAULT_DB_ALIAS) -> RestoreSummary:
    """Restore a backup into this empty installation in one transaction, after checking all of it."""
    key = backup_key()
    started = time.monotonic()
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    manifest = _verified(path, key)
    installation_check(alias, manifest)
    connection = connections[alias]
    by_label = {model._meta.label_lower: model for model in backed_up_models(alias)}
    if set(manifest["rows"]) != set(by_label):
        raise RestoreRefusedError("The backup's tables are not this installation's tables. Nothing was restored.")
    with transaction.atomic(using=alias):
        installation_check(alias, manifest)  # again, now that this transaction holds the database
        with connection.cursor() as cursor:
            for label in reversed(list(by_label)):
                if label in SEEDED_MODELS:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(by_label[label]._meta.db_table)}")  # noqa: S608  # nosec B608
        seen = []
        for name, content in backup_members(path, key):
            if name == MANIFEST:
                continue
            seen.append(hashlib.sha256(content).hexdigest())
            if name.startswith("data/") and content:
                _insert_rows(content, alias)
        if seen != [member["sha256"] for member in manifest["members"]]:
            raise BackupDamagedError("the file changed while it was being restored")
        for label, rows in manifest["rows"].items():
            if by_label[label]._base_manager.db_manager(alias).count() != rows:
                raise BackupDamagedError(f"{label} did not restore to {rows} rows")
        if _audit_head(alias) != manifest.get("audit_head"):
            raise BackupDamagedError("its audit trail does not end at the head its manifest names")
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(by_label.values())):
                cursor.execute(statement)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return RestoreSummary(
        path=path,
        rows=sum(manifest["rows"].values()),
        models=len(manifest["rows"]),
        created_at=manifest["created_at"],
        sahay_version=manifest["sahay_version"],
        database_vendor=manifest["database_vendor"],
        seconds=time.monotonic() - started,
        audit_head=manifest["audit_head"],
    )


def _insert_rows(content: bytes, alias: str) -> None:
    """Insert one member's rows as they are: primary keys, stored times and encrypted tokens unchanged.

    Each value is read as Django's python deserializer reads it (`to_python` of the field, or of the field
    a foreign key points to) and written as a raw save writes it (`get_db_prep_save`), but in one
    `executemany` per member rather than through model instances: a tenth of the time.
    """
    rows = [json.loads(line) for line in content.splitlines()]
    model = apps.get_model(rows[0]["model"])
    connection = connections[alias]
    fields = model._meta.local_concrete_fields
    quote = connection.ops.quote_name
    statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608  # nosec B608 - names come from the models
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    readers = [
        (
            field.primary_key,
            field.name,
            isinstance(field, EncryptedTextField),
            field,
            field.target_field if field.remote_field else field,
        )
        for field in fields
    ]
    values = []
    for row in rows:
        data = row["fields"]
        line = []
        for is_pk, name, encrypted, model_field, reader in readers:
            value = row["pk"] if is_pk else data[name]
            if value is not None and not encrypted:  # a token is stored as it is: the field would encrypt it again
                value = model_field.get_db_prep_save(reader.to_python(value), connection)
            line.append(value)
        values.append(line)
    with connection.cursor() as cursor:
        cursor.executemany(statement, values)
