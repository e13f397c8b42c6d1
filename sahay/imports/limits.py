"""The limits an import runs under, so that no file can take time or memory without bound, and how a file is refused.

Each limit is a setting (SAHAY_IMPORT_*); each refusal names the limit and where in the file it was passed.
"""

from __future__ import annotations

import re

from django.conf import settings

MEGABYTE = 1024 * 1024
DEFAULTS = {
    "SAHAY_IMPORT_MAX_BYTES": 50 * MEGABYTE,
    "SAHAY_IMPORT_MAX_ROWS": 200_000,
    "SAHAY_IMPORT_MAX_COLUMNS": 200,
    "SAHAY_IMPORT_MAX_CELL_CHARS": 10_000,
    "SAHAY_IMPORT_MAX_UNPACKED_BYTES": 160 * MEGABYTE,
    "SAHAY_IMPORT_MAX_SHARED_STRINGS": 1_000_000,
    "SAHAY_IMPORT_MAX_SHARED_STRINGS_BYTES": 64 * MEGABYTE,
}
# Control characters (C0) other than tab, line feed and carriage return: never in a record, and a NUL byte is how a
# code that looks the same can differ.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHOWN_CHARS = 60  # of a value in a message


class ImportFileError(Exception):
    """The file as a whole cannot be imported: too big, unreadable, or missing columns. Nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def max_bytes() -> int:
    return limit("SAHAY_IMPORT_MAX_BYTES")


def max_rows() -> int:
    return limit("SAHAY_IMPORT_MAX_ROWS")


def max_columns() -> int:
    return limit("SAHAY_IMPORT_MAX_COLUMNS")


def max_cell_chars() -> int:
    return limit("SAHAY_IMPORT_MAX_CELL_CHARS")


def size_text(size: int) -> str:
    """A size as people read it: "20 MB", or "98 KB" under a megabyte."""
    if size >= MEGABYTE:
        return f"{size / MEGABYTE:.0f} MB"
    return f"{max(round(size / 1024), 1)} KB"


def shown(value: str) -> str:
    """A value as a message may show it: control characters written out (\\x00), long ones cut short."""
    text = CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match[0]):02x}", value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"
