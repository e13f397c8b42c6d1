"""Read the first sheet of an xlsx workbook as rows, streaming, in time and memory bounded by the import limits.

A workbook is a zip of XML parts. The sizes its zip directory declares are checked before anything is unpacked
(zipfile never unpacks more than a member declares); every part is then parsed as a stream, each element dropped
once read, so neither a sheet of a million empty cells nor millions of shared strings are ever held. Rows keep
the numbers the sheet gives them (a sheet may jump from row 2 to row 2,000,000,000): the caller counts them.
An XML entity declaration (XXE, billion laughs) is refused, saying so.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from posixpath import dirname, join, normpath
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml.common import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from sahay.imports.limits import ImportFileError, limit, max_columns, size_text

MAX_COMPRESSION_RATIO = 100  # a spreadsheet of records packs some 5 to 10 times; a zip bomb, thousands
MAX_MEMBERS = 10_000  # a workbook has a dozen parts; the zip directory of each is read into memory
TICK_EVERY = 50_000  # XML elements between two calls of the caller's tick (its progress, its time limit)
ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # how Excel writes a character XML cannot hold, such as NUL
CELL_REFERENCE = re.compile(r"([A-Za-z]{1,3})(\d+)$")

Tick = Callable[[], None]


class _StoppedError(Exception):
    """The caller's tick raised (a job past its time limit): passed on as it is."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def cannot_open() -> ImportFileError:
    return ImportFileError(_("The file cannot be opened as an Excel workbook (.xlsx)."))


def damaged() -> ImportFileError:
    return ImportFileError(_("The workbook is damaged and cannot be read to the end."))


def unescape(text: str) -> str:
    return ESCAPED.sub(lambda match: chr(int(match[1], 16)), text) if "_x" in text else text


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def check_directory(data: bytes, archive: zipfile.ZipFile) -> None:
    """Refuse, before unpacking anything, a workbook whose parts declare more than the limits."""
    members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    most = limit("SAHAY_IMPORT_MAX_UNPACKED_BYTES")
    if unpacked > most:
        raise ImportFileError(
            _(
                "The workbook unpacks to %(size)s, more than the %(limit)s a workbook may unpack to "
                "(SAHAY_IMPORT_MAX_UNPACKED_BYTES): it is not imported. Split it into smaller files."
            )
            % {"size": size_text(unpacked), "limit": size_text(most)}
        )
    if unpacked / packed > MAX_COMPRESSION_RATIO:
        raise ImportFileError(
            _(
                "The workbook unpacks to %(size)s, more than %(ratio)s times its size: far more than a spreadsheet "
                "of records. It is not imported."
            )
            % {"size": size_text(unpacked), "ratio": MAX_COMPRESSION_RATIO}
        )


def check_shared_strings_size(archive: zipfile.ZipFile, name: str) -> None:
    size = archive.getinfo(name).file_size
    most = limit("SAHAY_IMPORT_MAX_SHARED_STRINGS_BYTES")
    if size > most:
        raise ImportFileError(
            _(
                "The workbook's shared strings (the texts of its cells, %(part)s) unpack to %(size)s, more than "
                "the %(limit)s they may hold (SAHAY_IMPORT_MAX_SHARED_STRINGS_BYTES): it is not imported."
            )
            % {"part": name, "size": size_text(size), "limit": size_text(most)}
        )


def member_count(data: bytes) -> int:
    """How many members the zip directory lists, read from its end record before the directory itself."""
    end = zipfile._EndRecData(io.BytesIO(data))  # type: ignore[attr-defined]
    if not end:
        raise cannot_open()
    return int(end[zipfile._ECD_ENTRIES_TOTAL])  # type: ignore[attr-defined]


def elements(archive: zipfile.ZipFile, name: str, tick: Tick | None) -> Iterator[tuple[str, str, Element, list[str]]]:
    """(event, tag without namespace, element, the tags from the root) of one part, each element dropped once ended.

    At an element's end its text and attributes are there, its children already gone: readers keep what they need
    as the children end.
    """
    parents: list[Element] = []
    path: list[str] = []
    seen = 0
    try:
        with archive.open(name) as stream:
            for event, element in iterparse(stream, events=("start", "end")):
                tag = element.tag.rsplit("}", 1)[-1]
                if event == "start":
                    parents.append(element)
                    path.append(tag)
                    yield event, tag, element, path
                    continue
                yield event, tag, element, path
                parents.pop()
                path.pop()
                element.clear()
                if parents:
                    parents[-1].remove(element)  # the first child left, as its elder siblings went before it
                seen += 1
                if tick is not None and seen % TICK_EVERY == 0:
                    try:
                        tick()
                    except Exception as error:  # a job past its time limit: not a damaged workbook
                        raise _StoppedError(error) from error
    except _StoppedError as stopped:
        raise stopped.error from None
    except EntitiesForbidden:
        raise ImportFileError(
            _(
                "The workbook contains an XML entity declaration, which Sahay does not accept: it can make a file "
                "read the server's own files or fill its memory. Save the workbook again from the spreadsheet "
                "program, or as CSV."
            )
        ) from None
    except DefusedXmlException:
        raise ImportFileError(
            _(
                "The workbook refers to an outside document (an XML external reference), which Sahay does not "
                "accept. Save the workbook again from the spreadsheet program, or as CSV."
            )
        ) from None
    except (ParseError, zipfile.BadZipFile, zlib.error, EOFError, ValueError) as error:
        raise damaged() from error


def relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, path of the target in the archive)."""
    folder, file_name = dirname(part), part.rsplit("/", 1)[-1]
    rels = join(folder, "_rels", f"{file_name}.rels")
    if rels not in archive.NameToInfo:
        return {}
    found = {}
    for event, tag, element, _path in elements(archive, rels, None):
        if event == "end" and tag == "Relationship":
            target = element.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else normpath(join(folder, target))
            found[element.get("Id", "")] = (element.get("Type", ""), resolved)
    return found


def shared_strings(archive: zipfile.ZipFile, name: str, tick: Tick | None) -> list[str]:
    check_shared_strings_size(archive, name)
    most = limit("SAHAY_IMPORT_MAX_SHARED_STRINGS")
    strings: list[str] = []
    parts: list[str] = []
    for event, tag, element, path in elements(archive, name, tick):
        if event != "end":
            continue
        if tag == "t" and "rPh" not in path:  # rPh: a phonetic reading, not part of the text
            parts.append(element.text or "")
        elif tag == "si":
            text = unescape("".join(parts))
            parts = []
            strings.append(text)  # a text too long for a cell is refused where a cell uses it
            if len(strings) > most:
                raise ImportFileError(
                    _(
                        "The workbook holds more than %(limit)s different texts (its shared strings), the most an "
                        "import reads (SAHAY_IMPORT_MAX_SHARED_STRINGS): it is not imported. Split it into "
                        "smaller files."
                    )
                    % {"limit": f"{most:,}"}
                )
    return strings


def date_styles(archive: zipfile.ZipFile, name: str | None) -> tuple[set[int], set[int]]:
    """The cell styles that show a number as a date, and those that show it as a duration."""
    if name is None or name not in archive.NameToInfo:
        return set(), set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    for event, tag, element, path in elements(archive, name, None):
        if event != "end":
            continue
        if tag == "numFmt":
            custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
        elif tag == "xf" and "cellXfs" in path:
            formats.append(int(element.get("numFmtId", "0")))
    dates, durations = set(), set()
    for style, format_id in enumerate(formats):
        code = custom.get(format_id) or BUILTIN_FORMATS.get(format_id, "")
        if code and is_date_format(code):
            dates.add(style)
            if is_timedelta_format(code):
                durations.add(style)
    return dates, durations


def workbook_parts(archive: zipfile.ZipFile) -> tuple[str, str | None, str | None, datetime]:
    """The first worksheet's part, the shared strings' and the styles' parts, and the workbook's date epoch."""
    workbook = next(
        (path for kind, path in relationships(archive, "").values() if kind.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    if workbook not in archive.NameToInfo:
        raise cannot_open()
    related = relationships(archive, workbook)
    first_sheet, epoch = None, CALENDAR_WINDOWS_1900
    for event, tag, element, _path in elements(archive, workbook, None):
        if event != "end":
            continue
        if tag == "workbookPr" and element.get("date1904", "").lower() in ("1", "true"):
            epoch = CALENDAR_MAC_1904
        elif tag == "sheet" and first_sheet is None:
            relation = next((value for key, value in element.attrib.items() if key.endswith("}id")), "")
            kind, path = related.get(relation, ("", ""))
            if kind.endswith("/worksheet"):
                first_sheet = path
    of_kind = {kind.rsplit("/", 1)[-1]: path for kind, path in related.values()}
    sheet = first_sheet or "xl/worksheets/sheet1.xml"
    if sheet not in archive.NameToInfo:
        raise cannot_open()
    strings = of_kind.get("sharedStrings")
    return sheet, strings if strings in archive.NameToInfo else None, of_kind.get("styles"), epoch


def xlsx_rows(
    data: bytes, *, tick: Tick | None = None, info: dict[str, Any] | None = None
) -> Iterator[tuple[int, list[Any]]]:
    """Every row element of the first sheet as (its number, its cells by column), empty ones included.

    Formulas are never evaluated: a formula cell gives the value Excel saved, if any. `info` gets "rows", the
    sheet's own count of its rows (for progress only). A value in a column past the limit refuses the file.
    """
    try:
        if member_count(data) > MAX_MEMBERS:
            raise cannot_open()
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as error:
        raise cannot_open() from error
    with archive:
        check_directory(data, archive)
        sheet, strings_part, styles_part, epoch = workbook_parts(archive)
        strings = shared_strings(archive, strings_part, tick) if strings_part else []
        dates, durations = date_styles(archive, styles_part)
        widest = max_columns()
        number = 0
        cells: list[Any] = []
        next_column = 1
        reference = cell_type = style = value = None
        inline: list[str] = []
        for event, tag, element, path in elements(archive, sheet, tick):
            if event == "start":
                if tag == "row":
                    number = _number(element.get("r"), number + 1)
                    cells, next_column = [], 1
                elif tag == "c":
                    reference, cell_type, style = element.get("r"), element.get("t"), element.get("s")
                    value, inline = None, []
                continue
            if tag == "v":
                value = element.text or ""
            elif tag == "t" and "is" in path and "rPh" not in path:
                inline.append(element.text or "")
            elif tag == "c":
                column = next_column
                if reference and (match := CELL_REFERENCE.match(reference)):
                    column = column_number(match[1])
                next_column = column + 1
                content = _cell(cell_type, value, inline, style, strings, dates, durations, epoch)
                if content is None or content == "":
                    continue
                if column > widest:
                    raise ImportFileError(
                        _(
                            "Row %(row)s has a value in column %(column)s: more than %(limit)s columns, the most a "
                            "row may have (SAHAY_IMPORT_MAX_COLUMNS). Nothing was imported."
                        )
                        % {"row": number, "column": column, "limit": widest}
                    )
                if column > len(cells):
                    cells.extend([None] * (column - len(cells)))
                cells[column - 1] = content
            elif tag == "row":
                yield number, cells
            elif tag == "dimension" and info is not None:
                last = (element.get("ref") or "").rsplit(":", 1)[-1]
                if match := CELL_REFERENCE.match(last):
                    info["rows"] = int(match[2])


def _number(text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise damaged() from None


def _cell(
    cell_type: str | None,
    value: str | None,
    inline: list[str],
    style: str | None,
    strings: list[str],
    dates: set[int],
    durations: set[int],
    epoch: datetime,
) -> Any:
    if cell_type == "inlineStr":
        return unescape("".join(inline))
    if value is None:
        return None
    try:
        if cell_type == "s":
            return strings[int(value)]
        if cell_type in ("str", "e"):  # a formula's text, an error such as #N/A
            return unescape(value)
        if cell_type == "b":
            return value.strip() in ("1", "true")
        if cell_type == "d":
            return from_ISO8601(value)  # type: ignore[no-untyped-call]
        number: int | float = float(value) if any(mark in value for mark in ".eE") else int(value)
        if style and int(style) in dates:
            return from_excel(number, epoch, timedelta=int(style) in durations)
        return number
    except (ValueError, IndexError, OverflowError):
        raise damaged() from None
