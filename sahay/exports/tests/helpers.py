"""Reading exported files back in tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook

# Synthetic identities: none of these words may appear in a de-identified export.
SECRET_WORDS = ("Quarrington", "Zelda", "Vexbridge", "Obadiah", "+66 555 0100", "12 Lantern Lane", "Marrowfield")


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(name) for name in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


Reader = Callable[[bytes], list[dict[str, Any]]]
READERS: dict[str, Reader] = {"csv": read_csv, "xlsx": read_xlsx}
