"""Files built in memory for the import tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook, load_workbook

from sahay.imports.kinds import KINDS
from sahay.imports.templates_files import template_file


def csv_bytes(rows: Sequence[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    output = io.StringIO()
    csv.writer(output, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return output.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def xlsx_rows(data: bytes, sheet: str | None = None) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(data))
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    return [list(row) for row in worksheet.iter_rows(values_only=True)]


def template_rows(kind: str, language: str = "en") -> list[list[Any]]:
    """The xlsx template's header and example row, as a user who fills it in keeps them."""
    return xlsx_rows(template_file(KINDS[kind], "xlsx", language))[:2]
