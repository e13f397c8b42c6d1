"""Read an import file (xlsx or csv, as people really save them) as numbered rows keyed by column.

Rows are streamed: a file of 100,000 rows is never held as 100,000 dicts.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from sahay.imports.columns import ImportKind
from sahay.imports.kinds import EXTERNAL_ID

Value = str | date | None
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000
# Headers KoboToolbox and ODK Central give the submission's own id.
INSTANCE_ID_HEADERS = {"instanceid", "_uuid"}
XLSX_MAGIC = b"PK\x03\x04"


class ImportFileError(Exception):
    """The file as a whole cannot be imported: too big, unreadable, or missing columns. Nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def max_bytes() -> int:
    return int(getattr(settings, "SAHAY_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "SAHAY_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


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

    def header_of(self, key: str) -> str:
        """The header the file used for a column, so messages name what the user sees."""
        for index, column_key in self.columns.items():
            if column_key == key:
                return self.headers[index]
        return self.kind.column(key).header_en

    def rows(self) -> Iterator[tuple[int, dict[str, Value]]]:
        """Data rows as {key: text or date}; empty rows (trailing ones from a spreadsheet) are skipped."""
        limit = max_rows()
        count = 0
        items = list(self.columns.items())
        for number, cells in self.raw_rows:
            row: dict[str, Value] = {}
            filled = False
            width = len(cells)
            for index, key in items:
                value = cell_value(cells[index]) if index < width else None
                if value is not None:
                    filled = True
                row[key] = value
            if not filled:
                continue
            count += 1
            if count > limit:
                raise ImportFileError(
                    _("The file has more than %(limit)s rows. Split it into smaller files.") % {"limit": f"{limit:,}"}
                )
            yield number, row


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


def map_headers(kind: ImportKind, headers: list[str]) -> dict[int, str]:
    """Which column each header is: its key, or its English or Dutch header, in any case, after a group path."""
    names: dict[str, str] = {}
    for column in kind.columns:
        for name in (column.key, column.header_en, column.header_nl):
            names.setdefault(normalise_header(name), column.key)
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


def check_columns(kind: ImportKind, columns: dict[int, str]) -> None:
    missing = [column for column in kind.columns if column.required and column.key not in columns.values()]
    if missing:
        names = "; ".join(f"“{column.header_en}” ({_('Dutch')}: “{column.header_nl}”)" for column in missing)
        raise ImportFileError(
            _("The file lacks these columns: %(columns)s. The first row must hold the column names.")
            % {"columns": names}
        )


def open_table(*, kind: ImportKind, data: bytes, file_name: str) -> Table:
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
    raw = xlsx_rows(data) if fmt == "xlsx" else csv_rows(data)
    try:
        _number, header_cells = next(raw)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    headers = ["" if cell is None else str(cell).strip().lstrip("\ufeff") for cell in header_cells]
    columns = map_headers(kind, headers)
    check_columns(kind, columns)
    total = xlsx_row_count(data) if fmt == "xlsx" else csv_row_count(data)
    return Table(
        kind=kind,
        format=fmt,
        headers=headers,
        columns=columns,
        raw_rows=raw,
        rows_total=total,
        present=frozenset(columns.values()),
    )


# An xlsx file is a zip archive: what it unpacks to is read into memory (its shared strings whole), so a small
# file that unpacks to gigabytes (a zip bomb) is refused before it is opened.
MAX_UNPACKED_FACTOR = 4  # times the largest file accepted
MAX_COMPRESSION_RATIO = 100


def check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise ImportFileError(_("The file cannot be opened as an Excel workbook (.xlsx).")) from error
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if unpacked > MAX_UNPACKED_FACTOR * max_bytes() or unpacked / packed > MAX_COMPRESSION_RATIO:
        raise ImportFileError(
            _("The workbook unpacks to %(size)s MB, far more than a spreadsheet of records: it is not imported.")
            % {"size": f"{unpacked / 1024 / 1024:.0f}"}
        )


def xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """Rows of the first sheet. Formulas are never evaluated: a formula cell gives the value Excel saved, if any."""
    from openpyxl import load_workbook

    check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a corrupt or disguised file: openpyxl raises many kinds
        raise ImportFileError(_("The file cannot be opened as an Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0]
        try:
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        except Exception as error:
            # openpyxl parses with lxml or ElementTree and unpacks with zipfile: each raises its own errors.
            raise ImportFileError(_("The workbook is damaged and cannot be read to the end.")) from error
    finally:
        workbook.close()


def xlsx_row_count(data: bytes) -> int | None:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True)
    try:
        rows = workbook.worksheets[0].max_row
        return rows - 1 if rows else None
    finally:
        workbook.close()


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


def csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = csv_text(data)
    sample = text.read(64 * 1024)
    text.seek(0)
    # A sample cut in the middle of a line can mislead the sniffer: use whole lines only.
    if "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    reader = csv.reader(text, csv_dialect(sample))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise ImportFileError(_("The file is not a readable CSV file: %(error)s") % {"error": error}) from error
    except UnicodeError as error:  # bytes that are not text in the file's encoding, past the part first read
        raise ImportFileError(
            _("The file holds bytes that are not text in its encoding: save it again as UTF-8.")
        ) from error


def csv_row_count(data: bytes) -> int | None:
    """About how many data rows (a quoted cell may hold a line break): for showing progress only."""
    newline = "\n".encode("utf-16-le") if data.startswith(codecs.BOM_UTF16_LE) else b"\n"
    if data.startswith(codecs.BOM_UTF16_BE):
        newline = "\n".encode("utf-16-be")
    return max(data.count(newline) - (0 if data.endswith(newline) else -1) - 1, 0)
