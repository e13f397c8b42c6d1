"""The error file: the rows of the file as given, with what is wrong beside each, in the file's own format."""

from __future__ import annotations

import csv
import io

from sahay.core.spreadsheets import neutralise
from sahay.imports.columns import ImportKind
from sahay.imports.limits import CONTROL_CHARACTERS, max_cell_chars
from sahay.imports.reading import ERRORS_HEADERS, csv_dialect, csv_rows, csv_text, normalise_header, xlsx_rows

ERRORS_HEADER = ERRORS_HEADERS


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
    if isinstance(value, str):
        # The file's own cells, as far as a spreadsheet can hold them: a control character (refused beside it) is
        # written out as \x00, a cell over the limit (refused too) is cut short.
        value = CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match[0]):02x}", value)
        if len(value) > max_cell_chars():
            value = value[: max_cell_chars()] + "…"
    return neutralise(value)


def error_file(*, data: bytes, file_format: str, by_row: dict[int, list[str]], language: str) -> bytes:
    header = ERRORS_HEADER.get(language, ERRORS_HEADER["en"])
    rows = xlsx_rows(data) if file_format == "xlsx" else csv_rows(data)

    def lines() -> object:
        first = True
        for number, cells in rows:
            if first:  # the header row, whatever its number
                first = False
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
