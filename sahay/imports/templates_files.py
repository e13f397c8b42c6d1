"""Templates to fill in: an xlsx workbook with drop-down lists and instructions, or a csv file with an example row."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from sahay.imports.columns import Column, ColumnType, ImportKind
from sahay.imports.validation import parse_date

TYPE_NAMES = {
    ColumnType.TEXT: ("text", "tekst"),
    ColumnType.CODE: ("code (no spaces at either end)", "code (geen spaties aan begin of eind)"),
    ColumnType.INTEGER: ("whole number", "geheel getal"),
    ColumnType.DATE: ("date (2017-03-31 or 31-03-2017)", "datum (2017-03-31 of 31-03-2017)"),
    ColumnType.CHOICE: ("one of the allowed values", "één van de toegestane waarden"),
    ColumnType.CHOICES: ("allowed values separated by spaces", "toegestane waarden gescheiden door spaties"),
    ColumnType.BOOLEAN: ("yes or no", "ja of nee"),
}
TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "data": "Data",
        "instructions": "Instructions",
        "lists": "Lists",
        "columns": ["Column", "Required", "Type", "Allowed values", "Help"],
        "yes": "yes",
        "no": "no",
        "intro": "Fill in one row per {kind}. Keep the column names in the first row. The second row is an example: "
        "replace or delete it.",
    },
    "nl": {
        "data": "Data",
        "instructions": "Uitleg",
        "lists": "Lijsten",
        "columns": ["Kolom", "Verplicht", "Soort", "Toegestane waarden", "Uitleg"],
        "yes": "ja",
        "no": "nee",
        "intro": "Vul één regel in per {kind}. Laat de kolomnamen in de eerste regel staan. De tweede regel is een "
        "voorbeeld: vervang of verwijder die.",
    },
}
LAST_ROW = 200_001  # drop-down lists and date formats cover the rows an import accepts


def _example(column: Column) -> object:
    if column.type == ColumnType.DATE and column.example:
        return parse_date(column.example)
    if column.type == ColumnType.INTEGER and column.example:
        return int(column.example)
    return column.example


def _allowed(column: Column, language: str) -> str:
    return ", ".join(
        f"{choice.value} ({choice.label_nl if language == 'nl' else choice.label_en})" for choice in column.choices
    )


def template_xlsx(kind: ImportKind, language: str = "en") -> bytes:
    texts = TEXTS["nl" if language == "nl" else "en"]
    nl = language == "nl"
    workbook = Workbook()
    data = workbook.active
    assert data is not None  # noqa: S101 - a new workbook has a sheet
    data.title = texts["data"]
    lists = workbook.create_sheet(texts["lists"])
    lists.sheet_state = "hidden"
    data.append([column.header(language) for column in kind.columns])
    data.append([_example(column) for column in kind.columns])
    list_column = 0
    for index, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = max(14, len(column.header(language)) + 4)
        if column.type == ColumnType.DATE:
            for row in range(2, 1002):  # a date format on the first rows people fill in
                data.cell(row=row, column=index).number_format = "yyyy-mm-dd"
        if column.type in (ColumnType.CHOICE, ColumnType.BOOLEAN):
            list_column += 1
            values = [choice.value for choice in column.choices] if column.choices else [texts["yes"], texts["no"]]
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=column.key)
            for row, value in enumerate(values, start=2):
                lists.cell(row=row, column=list_column, value=value)
            reference = f"{quote_sheetname(lists.title)}!${list_letter}$2:${list_letter}${len(values) + 1}"
            validation = DataValidation(type="list", formula1=reference, allow_blank=not column.required)
            validation.error = _allowed(column, language) if column.choices else f"{texts['yes']}/{texts['no']}"
            validation.errorTitle = column.header(language)
            validation.showErrorMessage = True
            data.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
    data.freeze_panes = "A2"
    instructions = workbook.create_sheet(texts["instructions"])
    label = kind.label_nl if nl else kind.label_en
    instructions.append([texts["intro"].format(kind=label.lower())])
    instructions.append([])
    instructions.append(texts["columns"])
    for column in kind.columns:
        instructions.append(
            [
                column.header(language),
                texts["yes"] if column.required else texts["no"],
                TYPE_NAMES[column.type][1 if nl else 0],
                _allowed(column, language),
                column.help_nl if nl else column.help_en,
            ]
        )
    for letter, width in zip("ABCDE", (32, 10, 30, 60, 80), strict=True):
        instructions.column_dimensions[letter].width = width
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def template_csv(kind: ImportKind, language: str = "en") -> bytes:
    """Header and example row, UTF-8 with a byte-order mark so that Excel reads the accents right."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow([column.header(language) for column in kind.columns])
    writer.writerow([column.example for column in kind.columns])
    return output.getvalue().encode("utf-8-sig")


def template_file(kind: ImportKind, file_format: str, language: str = "en") -> bytes:
    return template_xlsx(kind, language) if file_format == "xlsx" else template_csv(kind, language)
