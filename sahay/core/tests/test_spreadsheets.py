"""Formula neutralisation for comma and semicolon readers (issue 15, items 15 and 25; goal 14).

A spreadsheet reads a CSV with the separator of its locale: a comma in English, a semicolon in Dutch. Each
hostile cell below is written through Sahay's writers (the export files and the import error files) and read
back as both kinds of spreadsheet would read it: no field may start, after blanks, with a formula sign.
"""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from openpyxl import load_workbook

from sahay.core.spreadsheets import SIGN_FORMS, neutralise
from sahay.exports.tabular import csv_bytes, xlsx_bytes
from sahay.imports.errors import error_file

# After OWASP's CSV injection page, and what the insider test found.
HOSTILE = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\u00a0=1+1",
    "\u3000=1+1",
    "\n=1+1",
    "\uff1d1+1",  # full-width equals sign
    "\uff0b1+1",  # full-width plus sign
    "\uff0d1+1",  # full-width hyphen-minus
    "\uff201+1",  # full-width commercial at
    "\ufe661+1",  # small equals sign
    ";=1+1",
    ",=1+1",
    "x;=1+1",
    "x; =1+1",
    "x,@SUM(A1)",
    'x;=HYPERLINK("http://example.org","y")',
    "x;\uff1d1+1",
]
FORMULA_SIGNS = "=+-@"


def live(field: str) -> bool:
    """Whether a spreadsheet would take the field as a formula: its first sign after blanks is one."""
    rest = field.lstrip()
    return bool(rest) and unicodedata.normalize("NFKC", rest[0]) in FORMULA_SIGNS


def live_fields(text: str) -> list[str]:
    found = []
    for separator in (",", ";"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            found += [field for field in row if live(field)]
    return found


def test_the_shared_function_leaves_no_live_formula_for_either_reader() -> None:
    still_live = []
    for value in HOSTILE:
        cell = neutralise(value)
        parts = [cell, *cell.split(","), *cell.split(";")]
        if any(live(part) for part in parts):
            still_live.append(value)
    assert still_live == []


def test_export_files_carry_no_live_formula_for_comma_and_semicolon_readers() -> None:
    text = csv_bytes(["title"], [[value] for value in HOSTILE]).decode("utf-8-sig")
    assert live_fields(text) == []
    sheet = load_workbook(io.BytesIO(xlsx_bytes(["title"], [[value] for value in HOSTILE]))).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type == "s" and not live(str(cell.value)) for cell in cells)


@pytest.mark.parametrize("separator", [",", ";"])
def test_import_error_files_carry_no_live_formula(separator) -> None:
    lines = [separator.join(["Code", "Sex", "Name"])]
    for number, value in enumerate(HOSTILE):
        quoted = '"' + value.replace('"', '""') + '"'
        lines.append(separator.join([f"C{number}", "female", quoted]))
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    by_row = {row: ["Sex: not a sex"] for row in range(2, len(HOSTILE) + 2)}
    text = error_file(data=data, file_format="csv", by_row=by_row, language="en").decode("utf-8-sig")
    assert live_fields(text) == []


def test_plain_text_and_numbers_are_left_as_they_are() -> None:
    assert neutralise("Bangkok, Thailand") == "Bangkok, Thailand"
    assert neutralise("a; b") == "a; b"
    assert neutralise(12) == 12
    assert neutralise("") == ""


def test_every_form_of_a_formula_sign_is_known() -> None:
    folded = {chr(code) for code in range(0x10000) if unicodedata.normalize("NFKC", chr(code)) in set(FORMULA_SIGNS)}
    assert folded == set(SIGN_FORMS)
