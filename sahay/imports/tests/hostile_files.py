"""Hostile import files (issue 15, items 18 to 25), built in memory at any size.

The tests build them small (with small limits); `make bench` builds them at the size the attack used. Each
builder takes one size parameter and returns the file's bytes; HOSTILE_FILES lists them with a file name, the
import kind they target and their full size. Every file is a people import of the partner's own codes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

PEOPLE_HEADER = ("Code", "Sex", "Date of birth")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{shared}</Types>"
)
SHARED_CONTENT_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
    '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>{shared}</Relationships>'
)
SHARED_RELS = (
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/>'
)
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def inline_row(number: int, values: Iterable[str]) -> str:
    """A sheet row of inline-string cells, as `<row r=...>` with each cell's reference."""
    cells = "".join(
        f'<c r="{column_letter(index)}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
        for index, text in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(rows: Iterable[str], *, doctype: str = "") -> Iterator[str]:
    """A worksheet part in pieces (so a large one is never one string), rows given as `<row>` XML."""
    yield XML_DECLARATION + doctype + f'<worksheet xmlns="{MAIN}"><sheetData>'
    yield from rows
    yield "</sheetData></worksheet>"


def xlsx_package(sheet: Iterable[str], *, shared_strings: Iterable[str] | None = None) -> bytes:
    """A minimal workbook (the parts Excel and openpyxl need) whose first sheet and shared strings are given."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        shared = shared_strings is not None
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(shared=SHARED_CONTENT_TYPE if shared else ""))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(shared=SHARED_RELS if shared else ""))
        for name, pieces in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", shared_strings)):
            if pieces is None:
                continue
            with archive.open(name, "w", force_zip64=True) as member:
                buffer: list[str] = []
                size = 0
                for piece in pieces:
                    buffer.append(piece)
                    size += len(piece)
                    if size > 1 << 20:
                        member.write("".join(buffer).encode())
                        buffer, size = [], 0
                member.write("".join(buffer).encode())
    return output.getvalue()


def csv_file(rows: Iterable[Iterable[str]]) -> bytes:
    output = io.StringIO()
    csv.writer(output, lineterminator="\r\n").writerows(rows)
    return output.getvalue().encode()


# Item 18: rows 1, 2 and `last_row` (2,000,000,000 in the attack): 1.5 KB that kept a worker busy for minutes.
def row_jump_xlsx(last_row: int = 2_000_000_000) -> bytes:
    rows = [
        inline_row(1, PEOPLE_HEADER),
        inline_row(2, ("HJ-0001", "female", "2012-05-14")),
        inline_row(last_row, ("HJ-0002", "male", "2011-01-02")),
    ]
    return xlsx_package(sheet_xml(rows))


# Item 19: `strings` different shared strings (8.8 million in the attack: 22 MB that unpack to 192 MB).
def shared_strings_bomb_xlsx(strings: int = 8_800_000) -> bytes:
    def shared() -> Iterator[str]:
        yield XML_DECLARATION + f'<sst xmlns="{MAIN}" count="{strings}" uniqueCount="{strings}">'
        for number in range(strings):
            yield f"<si><t>SB-{number:08d}</t></si>"
        yield "</sst>"

    header = inline_row(1, PEOPLE_HEADER)
    data = '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="inlineStr"><is><t>female</t></is></c></row>'
    return xlsx_package(sheet_xml([header, data]), shared_strings=shared())


# Item 20: the right header, then one line of `commas` commas (49 MiB in the attack).
def columns_flood_csv(commas: int = 49 * 1024 * 1024) -> bytes:
    return ",".join(PEOPLE_HEADER).encode() + b"\r\n" + b"," * commas + b"\r\n"


# Item 22: a name of `length` characters (over the csv module's 131,072) in row 2, and a wrong sex in row 3.
def long_cell_csv(length: int = 200_000) -> bytes:
    header = [*PEOPLE_HEADER, "Name"]
    return csv_file([header, ["LC-0001", "female", "", "x" * length], ["LC-0002", "alien", "", "Short"]])


# Item 21: `rows` rows whose codes hold a NUL byte (N\x000003) and names another C0 control character.
def control_characters_csv(rows: int = 1) -> bytes:
    header = [*PEOPLE_HEADER, "Name"]
    return csv_file([header, *([f"N\x00{number:04d}", "female", "", "Na\x07me"] for number in range(3, rows + 3))])


def control_characters_xlsx(rows: int = 1) -> bytes:
    """The same in a workbook: Excel writes a control character in a cell as `_x0000_`."""
    lines = [inline_row(1, PEOPLE_HEADER)]
    lines += [inline_row(number, (f"N_x0000_{number:04d}", "female", "")) for number in range(2, rows + 2)]
    return xlsx_package(sheet_xml(lines))


# Item 25: an external entity (XXE) that would read a server file into a cell.
def xxe_xlsx(rows: int = 1) -> bytes:
    doctype = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    lines = [inline_row(1, PEOPLE_HEADER)]
    lines += [inline_row(number, (f"XE-{number:04d}", "female", "&secret;")) for number in range(2, rows + 2)]
    return xlsx_package(sheet_xml(lines, doctype=doctype))


# Item 25: nested entities that expand to 10**levels copies of "lol" (a billion at 9).
def billion_laughs_xlsx(levels: int = 9) -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, levels + 1)]
    doctype = f"<!DOCTYPE worksheet [{''.join(entities)}]>"
    lines = [inline_row(1, PEOPLE_HEADER), inline_row(2, ("BL-0001", "female", f"&lol{levels};"))]
    return xlsx_package(sheet_xml(lines, doctype=doctype))


# Item 23: the header and `empty_rows` empty rows, no data.
def header_only_csv(empty_rows: int = 0) -> bytes:
    return csv_file([PEOPLE_HEADER, *([""] * 3 for _row in range(empty_rows))])


# Item 24: `date_of_birth` where the column is "Date of birth": the dates would be dropped silently.
def unknown_headers_csv(rows: int = 1) -> bytes:
    header = ["Code", "Sex", "date_of_birth"]
    return csv_file([header, *([f"UH-{number:04d}", "female", "2012-05-14"] for number in range(1, rows + 1))])


@dataclass(frozen=True)
class HostileFile:
    name: str
    file_name: str  # the extension tells the format
    build: Callable[[int], bytes]
    full_size: int  # the size parameter of the attack itself
    kind: str = "people"
    item: int = 0  # of issue 15


HOSTILE_FILES: dict[str, HostileFile] = {
    hostile.name: hostile
    for hostile in (
        HostileFile("row-jump", "row-jump.xlsx", row_jump_xlsx, 2_000_000_000, item=18),
        HostileFile("shared-strings-bomb", "shared-strings.xlsx", shared_strings_bomb_xlsx, 8_800_000, item=19),
        HostileFile("columns-flood", "columns.csv", columns_flood_csv, 49 * 1024 * 1024, item=20),
        HostileFile("control-characters", "nul.csv", control_characters_csv, 1, item=21),
        HostileFile("control-characters-xlsx", "nul.xlsx", control_characters_xlsx, 1, item=21),
        HostileFile("long-cell", "long-cell.csv", long_cell_csv, 200_000, item=22),
        HostileFile("header-only", "empty.csv", header_only_csv, 0, item=23),
        HostileFile("unknown-headers", "unknown.csv", unknown_headers_csv, 1, item=24),
        HostileFile("xxe", "xxe.xlsx", xxe_xlsx, 1, item=25),
        HostileFile("billion-laughs", "laughs.xlsx", billion_laughs_xlsx, 9, item=25),
    )
}
