"""Read an import file (xlsx or csv, as people really save them) as numbered rows keyed by column.

Rows are streamed: a file of 100,000 rows is never held as 100,000 dicts, and every limit of
sahay.imports.limits is checked as the rows come, so a hostile file is refused before it is read to the end.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import get_close_matches
from typing import Any

from django.utils.translation import gettext as _

from sahay.imports.columns import ImportKind
from sahay.imports.kinds import EXTERNAL_ID
from sahay.imports.limits import (
    CONTROL_CHARACTERS,
    ImportFileError,
    max_bytes,
    max_cell_chars,
    max_columns,
    max_rows,
    shown,
)
from sahay.imports.workbooks import xlsx_rows

Progress = Callable[[int, int | None], None]

Value = str | date | None
# Headers KoboToolbox and ODK Central give the submission's own id.
INSTANCE_ID_HEADERS = {"instanceid", "_uuid"}
# Columns KoboToolbox and ODK Central add to every export of submissions (KoboToolbox's own all begin with "_"):
# known, and not imported.
COLLECTION_HEADERS = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "audit",
    "instancename", "deprecatedid", "__version__", "submissiondate", "submitterid", "submittername",
    "attachmentspresent", "attachmentsexpected", "status", "reviewstate", "edits", "formversion", "key",
}  # fmt: skip
COLLECTION_GROUPS = ("meta/", "formhub/")
# The column the error file adds beside the rows: a corrected error file imports as it is.
ERRORS_HEADERS = {"en": "Errors", "nl": "Fouten"}
XLSX_MAGIC = b"PK\x03\x04"
PROGRESS_EVERY = 1000  # rows read between two calls of the progress callback, empty rows included


@dataclass(frozen=True)
class CellProblem:
    """A cell no record may hold (a control character, too long): reported with its row and column."""

    column: str  # the header as the file has it, or the column's number
    value: str  # as a message may show it
    message: str


def file_format(data: bytes, file_name: str) -> str:
    """ "xlsx" or "csv": by the content first (a renamed file still opens), then the name."""
    if data.startswith(XLSX_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


def normalise_header(header: object) -> str:
    text = "" if header is None else str(header)
    text = text.strip().lstrip("\ufeff").rsplit("/", 1)[-1]  # group paths: group_x/person_code
    return re.sub(r"\s+", " ", text).strip().rstrip("*").strip().casefold()


@dataclass
class Table:
    """An opened file: its headers, which column index holds which key, and its data rows still to read."""

    kind: ImportKind
    format: str
    headers: list[str]
    columns: dict[int, str]  # index in the row -> column key
    raw_rows: Iterator[tuple[int, list[Any]]]  # (row number as a spreadsheet shows it, cells)
    rows_total: int | None = None
    present: frozenset[str] = field(default_factory=frozenset)
    progress: Progress | None = None
    rows_read: int = 0  # below the header, empty rows included

    def header_of(self, key: str) -> str:
        """The header the file used for a column, so messages name what the user sees."""
        for index, column_key in self.columns.items():
            if column_key == key:
                return self.headers[index]
        return self.kind.column(key).header_en

    def column_name(self, index: int) -> str:
        header = self.headers[index] if index < len(self.headers) else ""
        return shown(header) if header else _("column %(number)s") % {"number": index + 1}

    def tell(self) -> None:
        if self.progress is not None:
            self.progress(self.rows_read, self.rows_total)

    def rows(self) -> Iterator[tuple[int, dict[str, Value], list[CellProblem]]]:
        """Data rows as {key: text or date}, with their cells' problems; empty rows are skipped, and counted.

        Rows count as the file numbers them: a row numbered past the limit (plus the header) refuses the file
        however many rows before it were empty. The progress callback hears every PROGRESS_EVERY rows read.
        """
        limit = max_rows()
        items = list(self.columns.items())
        longest = max_cell_chars()
        data_rows = 0
        for number, cells in self.raw_rows:
            self.rows_read += 1
            if number > limit + 1 or self.rows_read > limit:
                raise ImportFileError(
                    _(
                        "Row %(row)s: the file has more than %(limit)s rows, the most one import may hold "
                        "(empty rows count too). Split it into smaller files."
                    )
                    % {"row": f"{number:,}", "limit": f"{limit:,}"}
                )
            if self.rows_read % PROGRESS_EVERY == 0:
                self.tell()
            problems = [
                problem
                for index, cell in enumerate(cells)
                if isinstance(cell, str) and (problem := cell_problem(cell, self.column_name(index), longest))
            ]
            row: dict[str, Value] = {}
            filled = bool(problems)
            width = len(cells)
            for index, key in items:
                value = cell_value(cells[index]) if index < width else None
                if value is not None:
                    filled = True
                row[key] = value
            if not filled:
                continue
            data_rows += 1
            yield number, row, problems
        if self.rows_read % PROGRESS_EVERY:
            self.tell()
        if not data_rows:
            raise ImportFileError(_("The file has no data rows: only the header row. Nothing was imported."))


def cell_problem(text: str, column: str, longest: int) -> CellProblem | None:
    if len(text) > longest:
        message = _("longer than %(limit)s characters, the most a cell may hold.") % {"limit": f"{longest:,}"}
        return CellProblem(column, shown(text), message)
    if CONTROL_CHARACTERS.search(text):
        message = _("holds a control character (such as a NUL byte), which no record may hold: remove it.")
        return CellProblem(column, shown(text), message)
    return None


def cell_value(value: Any) -> Value:
    """A cell as text or a date. Numbers become text (a date column reads an Excel serial from it)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def header_names(kind: ImportKind) -> dict[str, str]:
    """Every name a column may have in a header (its key, English or Dutch header), normalised -> its key."""
    names: dict[str, str] = {}
    for column in kind.columns:
        for name in (column.key, column.header_en, column.header_nl):
            names.setdefault(normalise_header(name), column.key)
    return names


def map_headers(kind: ImportKind, headers: list[str]) -> dict[int, str]:
    """Which column each header is: its key, or its English or Dutch header, in any case, after a group path."""
    names = header_names(kind)
    chosen: dict[str, int] = {}
    instance_id: int | None = None
    for index, header in enumerate(headers):
        name = normalise_header(header)
        key = names.get(name)
        if key is not None:
            # The first header for a key, unless a later one sits in a group: KoboToolbox and ODK Central put
            # their own `start` and `end` (when the form was filled in) at the top, the form's fields in groups.
            if key not in chosen or ("/" in str(header) and "/" not in headers[chosen[key]]):
                chosen[key] = index
        elif name in INSTANCE_ID_HEADERS and instance_id is None:
            instance_id = index
    columns = {index: key for key, index in chosen.items()}
    has_external_id = any(column.key == EXTERNAL_ID for column in kind.columns)
    if has_external_id and instance_id is not None and EXTERNAL_ID not in columns.values():
        columns[instance_id] = EXTERNAL_ID
    return columns


def known_header(names: dict[str, str], header: str) -> bool:
    """A column of the kind, or one a collection tool or Sahay's error file adds, or no header at all."""
    name = normalise_header(header)
    return (
        not name
        or name in names
        or name in INSTANCE_ID_HEADERS
        or name in COLLECTION_HEADERS
        or name.startswith("_")
        or header.strip().casefold().startswith(COLLECTION_GROUPS)
        or name in {normalise_header(errors) for errors in ERRORS_HEADERS.values()}
    )


def unknown_headers(kind: ImportKind, headers: list[str]) -> str:
    """The message naming the headers that are no column of the kind (with the column meant, when it is clear)."""
    names = header_names(kind)
    unknown = list(dict.fromkeys(header for header in headers if not known_header(names, header)))
    if not unknown:
        return ""
    headers_of = {
        normalise_header(name): column.header_en
        for column in kind.columns
        for name in (column.key, column.header_en, column.header_nl)
    }
    described = []
    for header in unknown:
        spaced = normalise_header(header).replace("_", " ").replace("-", " ")
        close = get_close_matches(spaced, list(headers_of), n=1, cutoff=0.8)
        if close:
            described.append(
                _("“%(header)s” (perhaps “%(column)s”)") % {"header": shown(header), "column": headers_of[close[0]]}
            )
        else:
            described.append(f"“{shown(header)}”")
    return _(
        "The file has columns Sahay does not know: %(columns)s. Give each the name of a column of the template, "
        "or remove it; nothing was imported."
    ) % {"columns": "; ".join(described)}


def missing_columns(kind: ImportKind, columns: dict[int, str]) -> str:
    missing = [column for column in kind.columns if column.required and column.key not in columns.values()]
    if not missing:
        return ""
    names = "; ".join(f"“{column.header_en}” ({_('Dutch')}: “{column.header_nl}”)" for column in missing)
    return _("The file lacks these columns: %(columns)s. The first row must hold the column names.") % {
        "columns": names
    }


def open_table(*, kind: ImportKind, data: bytes, file_name: str, progress: Progress | None = None) -> Table:
    """Open the file and check its header row; raise ImportFileError when it cannot be imported at all."""
    if len(data) > max_bytes():
        raise ImportFileError(
            _(
                "The file is %(size)s MB; the largest file that can be imported is %(limit)s MB. Split it into smaller files."
            )
            % {"size": f"{len(data) / 1024 / 1024:.1f}", "limit": f"{max_bytes() / 1024 / 1024:.0f}"}
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    fmt = file_format(data, file_name)
    info: dict[str, Any] = {}
    table = Table(kind=kind, format=fmt, headers=[], columns={}, raw_rows=iter(()), progress=progress)
    raw = xlsx_rows(data, tick=table.tell, info=info) if fmt == "xlsx" else csv_rows(data)
    try:
        _number, header_cells = next(raw)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    headers = ["" if cell is None else str(cell).strip().lstrip("\ufeff") for cell in header_cells]
    columns = map_headers(kind, headers)
    problems = [message for message in (unknown_headers(kind, headers), missing_columns(kind, columns)) if message]
    if problems:
        raise ImportFileError(" ".join(problems))
    rows = info.get("rows")
    table.headers, table.columns, table.raw_rows = headers, columns, raw
    # The sheet's own count may say anything: no more than the rows an import may hold.
    table.rows_total = (min(rows - 1, max_rows()) if rows else None) if fmt == "xlsx" else csv_row_count(data)
    table.present = frozenset(columns.values())
    return table


def csv_encoding(data: bytes) -> str:
    """The file's encoding: by its byte-order mark, else UTF-8 if it decodes as such, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # In pieces, so a large file is checked without a second copy of it as text.
        for start in range(0, len(data), 1 << 20):
            decoder.decode(data[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        for start in range(0, len(data), 1 << 20):
            data[start : start + (1 << 20)].decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file's characters cannot be read. Save it as CSV UTF-8 (or as an Excel workbook) and try again.")
        ) from None
    return "cp1252"


def csv_text(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding=csv_encoding(data), newline="")


def csv_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        first = sample.split("\n", 1)[0]
        delimiter = max(";,\t", key=first.count)

        class Fallback(csv.excel):
            pass

        Fallback.delimiter = delimiter
        return Fallback


class _LineTooLongError(Exception):
    def __init__(self, line: str) -> None:
        super().__init__("line too long")
        self.line = line


def _bounded_lines(text: io.TextIOWrapper, longest: int) -> Iterator[str]:
    """The file's lines, none read whole when longer than a row can be (so a line of 49 MiB is never held)."""
    while line := text.readline(longest + 1):
        if len(line) > longest:
            raise _LineTooLongError(line)
        yield line


def csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """Every record of the file as (its number, its cells), empty ones included.

    A record with more cells than the column limit refuses the file; so does a line longer than the widest row
    the limits allow (columns times the longest cell), read no further than that. A cell over the cell limit
    but within that reaches the caller, who reports it with its row and column among the file's other problems.
    """
    widest, longest = max_columns(), max_cell_chars()
    longest_row = widest * (longest + 3)  # quotes and a separator around each cell
    # The csv module's own limit (131,072 characters a cell, for the whole process) would stop the file with no
    # row or column: it is raised to the longest row, and the cell limit checked by the caller.
    if csv.field_size_limit() < longest_row:
        csv.field_size_limit(longest_row)
    text = csv_text(data)
    sample = text.read(64 * 1024)
    text.seek(0)
    # A sample cut in the middle of a line can mislead the sniffer: use whole lines only.
    if "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    dialect = csv_dialect(sample)
    reader = csv.reader(_bounded_lines(text, longest_row), dialect)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if len(cells) > widest:
                raise _too_many_columns(number, widest)
            yield number, cells
    except _LineTooLongError as error:
        if error.line.count(dialect.delimiter) >= widest:
            raise _too_many_columns(number + 1, widest) from None
        raise _far_too_long(number + 1, longest) from None
    except csv.Error as error:
        if "field limit" in str(error):  # a quoted cell over many lines, longer than the widest row
            raise _far_too_long(number + 1, longest) from None
        raise ImportFileError(
            _("Row %(row)s: the file is not a readable CSV file: %(error)s") % {"row": number + 1, "error": error}
        ) from error
    except UnicodeError as error:  # bytes that are not text in the file's encoding, past the part first read
        raise ImportFileError(
            _("The file holds bytes that are not text in its encoding: save it again as UTF-8.")
        ) from error


def _far_too_long(row: int, longest: int) -> ImportFileError:
    return ImportFileError(
        _(
            "Row %(row)s holds a cell far longer than %(limit)s characters, the most a cell may hold "
            "(SAHAY_IMPORT_MAX_CELL_CHARS). Nothing was imported."
        )
        % {"row": f"{row:,}", "limit": f"{longest:,}"}
    )


def _too_many_columns(row: int, widest: int) -> ImportFileError:
    return ImportFileError(
        _(
            "Row %(row)s has more than %(limit)s columns, the most a row may have (SAHAY_IMPORT_MAX_COLUMNS). "
            "Nothing was imported."
        )
        % {"row": f"{row:,}", "limit": widest}
    )


def csv_row_count(data: bytes) -> int | None:
    """About how many data rows (a quoted cell may hold a line break): for showing progress only."""
    newline = "\n".encode("utf-16-le") if data.startswith(codecs.BOM_UTF16_LE) else b"\n"
    if data.startswith(codecs.BOM_UTF16_BE):
        newline = "\n".encode("utf-16-be")
    return max(data.count(newline) - (0 if data.endswith(newline) else -1) - 1, 0)


__all__ = ["ImportFileError", "max_bytes", "xlsx_rows"]
