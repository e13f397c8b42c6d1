"""The error file: the rows of the file as given, with what is wrong beside each, in the file's own format."""

from __future__ import annotations

import csv
import io

from sahay.core.spreadsheets import neutralise
from sahay.imports.columns import ImportKind
from sahay.imports.reading import csv_dialect, csv_rows, csv_text, normalise_header, xlsx_rows

ERRORS_HEADER = {"en": "Errors", "nl": "Fouten"}


def file_language(kind: ImportKind, headers: list[str]) -> str:
    """ "nl" when the file's headers are the Dutch ones (where they differ from the English), else "en"."""
    names = {normalise_header(header) for header in headers}
    dutch = sum(
        1
        for column in kind.columns
        if column.header_nl != column.header_en and normalise_header(column.header_nl) in names
    )
    english = sum(
        1
        for column in kind.columns
        if column.header_nl != column.header_en and normalise_header(column.header_en) in names
    )
    return "nl" if dutch > english else "en"


def _cell(value: object) -> object:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return neutralise(value)


def error_file(*, data: bytes, file_format: str, by_row: dict[int, list[str]], language: str) -> bytes:
    header = ERRORS_HEADER.get(language, ERRORS_HEADER["en"])
    rows = xlsx_rows(data) if file_format == "xlsx" else csv_rows(data)

    def lines() -> object:
        for number, cells in rows:
            if number == 1:
                yield [_cell(cell) for cell in cells] + [header]
                continue
            if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
                continue  # trailing empty rows
            messages = by_row.get(number, [])
            yield [_cell(cell) for cell in cells] + [neutralise(" | ".join(messages))]

    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Data")
        for line in lines():  # type: ignore[attr-defined]
            sheet.append(line)
        output = io.BytesIO()
        workbook.save(output)
        return output.getvalue()
    text = csv_text(data)
    dialect = csv_dialect(text.read(64 * 1024))
    output_text = io.StringIO()
    writer = csv.writer(output_text, delimiter=dialect.delimiter, lineterminator="\r\n")
    for line in lines():  # type: ignore[attr-defined]
        writer.writerow(line)
    return output_text.getvalue().encode("utf-8-sig")
