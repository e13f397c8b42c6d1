"""Cells for files people open in a spreadsheet: text that a spreadsheet could run as a formula is neutralised.

Excel and LibreOffice run a cell as a formula when it starts with =, +, - or @ (CSV injection), also after
blanks (" =1+1", a tab, a carriage return, a no-break space) and in the full-width and small forms that
they fold to the same sign ("＝1+1"). A CSV file is read with the separator of the reader's locale: a
comma in English, a semicolon in Dutch; so a cell written as "x;=1+1" in a comma file becomes a cell
"=1+1" for a Dutch reader. Every such start, at the beginning of the text and after each comma or
semicolon, gets an apostrophe before it, which makes it plain text for both readers. Numbers stay numbers.

Every CSV and Excel file Sahay writes (exports, import error files, reports) passes its cells through
`neutralise`.
"""

from __future__ import annotations

import re
from typing import Any

# The signs a spreadsheet starts a formula with, and every character that NFKC folds to one of them
# (superscript, subscript, small and full-width forms: ⁺ ⁼ ₊ ₌ ﬩ ﹢ ﹣ ﹦ ﹫ ＋ － ＝ ＠); a test checks the list.
FORMULA_SIGNS = "=+-@"
SIGN_FORMS = FORMULA_SIGNS + "\u207a\u207c\u208a\u208c\ufb29\ufe62\ufe63\ufe66\ufe6b\uff0b\uff0d\uff1d\uff20"
# A formula sign at the start of a field, for a comma or a semicolon reader: at the start of the text or after
# a separator (or a line break, which some readers take as the end of a row), after any blanks.
_FIELD_START = re.compile(
    r"(^|[,;\r\n])((?:[^\S\r\n]|[\u200b\u200c\u200d\u2060\ufeff])*)(?=[" + re.escape(SIGN_FORMS) + "])"
)
# Kept from before: a cell starting with a tab or a carriage return is neutralised whatever follows.
CONTROL_STARTS = ("\t", "\r")


def neutralise(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    neutralised = _FIELD_START.sub(lambda match: match.group(1) + "'" + match.group(2), value)
    if neutralised.startswith(CONTROL_STARTS):
        neutralised = "'" + neutralised
    return neutralised
