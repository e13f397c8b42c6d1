"""Cells for files people open in a spreadsheet: text that starts like a formula is neutralised.

A cell starting with =, +, -, @, a tab or a carriage return would be run as a formula by Excel or
LibreOffice (CSV injection); a leading apostrophe makes it plain text. Numbers stay numbers.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
