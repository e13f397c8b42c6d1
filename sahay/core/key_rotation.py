"""Re-encrypting every stored secret under the newest key, in short batches, while Sahay keeps running.

The state of a rotation is the data itself: a value still under an old key is a value left to do, so an
interrupted run simply starts again and skips what is done. Values are read and written as raw tokens
(plain SQL), so nothing is decrypted into model instances and no model `save()` runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

from sahay.audit import guard
from sahay.core.encryption import EncryptedTextField, _fernet

# Binary columns holding one Fernet token each (attachments), by (app label, model name).
ENCRYPTED_BYTES_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {("cases", "Attachment"): ("content",)}


@dataclass(frozen=True)
class EncryptedColumns:
    model: type[models.Model]
    columns: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def table(self) -> str:
        return self.model._meta.db_table


@dataclass
class ModelRotation:
    label: str
    rows_checked: int = 0
    values_rotated: int = 0
    values_left: int = 0


def encrypted_columns() -> list[EncryptedColumns]:
    """Every model with an encrypted column, found from the fields, so a new one cannot be forgotten."""
    found = []
    for model in apps.get_models():
        columns = [field.column for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
        columns += ENCRYPTED_BYTES_FIELDS.get((model._meta.app_label, model.__name__), ())
        if columns:
            found.append(EncryptedColumns(model=model, columns=tuple(columns)))
    return sorted(found, key=lambda item: item.label)


def _newest() -> Fernet:
    keys = settings.SAHAY_ENCRYPTION_KEYS
    return Fernet(keys[0].encode())


def _token(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode("ascii")
    return bytes(value)


def under_newest_key(value: Any, newest: Fernet | None = None) -> bool:
    """Empty values count as done: there is nothing to encrypt."""
    if value is None or value in ("", b""):
        return True
    try:
        (newest or _newest()).decrypt(_token(value))
    except InvalidToken:
        return False
    return True


def _batches(item: EncryptedColumns, batch_size: int) -> Iterator[list[tuple[Any, ...]]]:
    quote = connection.ops.quote_name
    pk = quote(item.model._meta.pk.column)
    columns = ", ".join(quote(column) for column in item.columns)
    last: Any = None
    while True:
        where = f"WHERE {pk} > %s " if last is not None else ""
        params = [last] if last is not None else []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {columns} FROM {quote(item.table)} {where}ORDER BY {pk} LIMIT %s",  # noqa: S608  # nosec B608
                [*params, batch_size],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _rotate_batch(item: EncryptedColumns, rows: list[tuple[Any, ...]], newest: Fernet) -> int:
    quote = connection.ops.quote_name
    pk = quote(item.model._meta.pk.column)
    every_key = _fernet(tuple(settings.SAHAY_ENCRYPTION_KEYS))
    updates = []
    for row in rows:
        for column, value in zip(item.columns, row[1:], strict=True):
            if under_newest_key(value, newest):
                continue
            rotated = every_key.rotate(_token(value))
            new_value: Any = rotated.decode("ascii") if isinstance(value, str) else rotated
            updates.append((column, new_value, row[0], value if isinstance(value, str) else _token(value)))
    if not updates:
        return 0
    is_audit = item.table == guard.TABLE
    with transaction.atomic():
        if is_audit:
            # The audit trail refuses UPDATE in the database. Its hash chain covers the reasons' plain text,
            # so re-encrypting them changes no hash and the chain still verifies. The refusal is lifted only
            # inside this batch's transaction and put back before it commits: DDL is transactional on both
            # PostgreSQL and SQLite, so no other connection ever sees the table without its guard.
            guard.remove(connection)
        with connection.cursor() as cursor:
            for column, new_value, key, old_value in updates:
                # Compare and set: a value the application rewrote meanwhile is already under the newest key.
                cursor.execute(
                    f"UPDATE {quote(item.table)} SET {quote(column)} = %s "  # noqa: S608  # nosec B608
                    f"WHERE {pk} = %s AND {quote(column)} = %s",
                    [new_value, key, old_value],
                )
        if is_audit:
            guard.install(connection)
    return len(updates)


def rotate_model(item: EncryptedColumns, *, batch_size: int = 500) -> ModelRotation:
    """Re-encrypt one model's columns, one short transaction per batch of rows."""
    newest = _newest()
    result = ModelRotation(label=item.label)
    for rows in _batches(item, batch_size):
        result.rows_checked += len(rows)
        result.values_rotated += _rotate_batch(item, rows, newest)
    return result


def check_model(item: EncryptedColumns, *, batch_size: int = 2000) -> ModelRotation:
    """Count the values that the newest key alone cannot read."""
    newest = _newest()
    result = ModelRotation(label=item.label)
    for rows in _batches(item, batch_size):
        result.rows_checked += len(rows)
        result.values_left += sum(1 for row in rows for value in row[1:] if not under_newest_key(value, newest))
    return result


def keys_rotate(*, batch_size: int = 500) -> list[ModelRotation]:
    """Rotate every encrypted column, then check each model; `values_left` must be 0 everywhere."""
    results = []
    for item in encrypted_columns():
        rotated = rotate_model(item, batch_size=batch_size)
        rotated.values_left = check_model(item).values_left
        results.append(rotated)
    return results


def keys_check() -> list[ModelRotation]:
    return [check_model(item) for item in encrypted_columns()]
