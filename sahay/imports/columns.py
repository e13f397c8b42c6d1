"""What an import kind's file holds: its columns, their headers in English and Dutch, types and allowed values.

One description serves the import itself, the templates (xlsx and csv) and the XLSForms for field collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ColumnType(StrEnum):
    TEXT = "text"
    CODE = "code"  # a pseudonymous code or an external id: text without spaces at either end
    INTEGER = "integer"
    DATE = "date"  # an Excel date, or text as 2017-03-31, 31-03-2017 or 31/03/2017
    CHOICE = "choice"  # one of `choices`
    CHOICES = "choices"  # several of `choices`, separated by spaces (as ODK and Kobo write select-multiple)
    BOOLEAN = "boolean"  # yes/no, ja/nee, true/false, 1/0


@dataclass(frozen=True)
class Choice:
    value: str  # what the file holds and Sahay stores
    label_en: str
    label_nl: str


@dataclass(frozen=True)
class Column:
    key: str  # the column's name in Sahay, and its field name in an XLSForm
    header_en: str
    header_nl: str
    type: ColumnType
    required: bool = False
    choices: tuple[Choice, ...] = ()
    example: str = ""  # the template's example row
    help_en: str = ""
    help_nl: str = ""
    max_length: int | None = None  # for text and codes: the longest value the record can hold

    def header(self, language: str) -> str:
        return self.header_nl if language == "nl" else self.header_en


@dataclass(frozen=True)
class ImportKind:
    name: str  # as the command and the page name it: "people", "aggregate-reach", ...
    label_en: str
    label_nl: str
    columns: tuple[Column, ...]
    # The columns that name the record a row is about, so that importing a file again, or one that overlaps
    # an earlier one, updates that record instead of making a second one (an external id or a natural key).
    key: tuple[str, ...]

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)
