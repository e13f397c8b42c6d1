"""Rows to a CSV or Excel file, every text cell neutralised so a spreadsheet never runs it as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from sahay.core.spreadsheets import neutralise

Cell = str | int | Decimal | date | bool | None


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


CONTENT_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Excel reads a CSV as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"


def plain(value: Any) -> Cell:
    """A value as a cell: numbers and dates stay themselves, anything else becomes neutralised text."""
    if value is None or isinstance(value, bool | int | Decimal):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    # Lazy translations and model choices become plain text first, so neutralise sees a str.
    return neutralise(str(value))  # type: ignore[no-any-return]


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _cells(header, rows):
        writer.writerow(["" if cell is None else _csv_text(cell) for cell in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def _csv_text(cell: Cell) -> str:
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def xlsx_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str = "export") -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = title[:31]
    bold = Font(bold=True)
    for number, row in enumerate(_cells(header, rows)):
        values = [ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in row]
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # Never a formula: openpyxl would otherwise store text starting with "=" as one.
                cell.data_type = "s"
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            if number == 0:
                cell.font = bold
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cells(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterable[list[Cell]]:
    yield [plain(name) for name in header]
    for row in rows:
        yield [plain(value) for value in row]


def tabular_response(
    *, filename: str, file_format: Format, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """The rows as a downloaded file named `filename.<format>`, never kept in a cache."""
    content = xlsx_bytes(header, rows, title=filename) if file_format == Format.XLSX else csv_bytes(header, rows)
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format.value}"'
    response["Cache-Control"] = "no-store"
    return response
