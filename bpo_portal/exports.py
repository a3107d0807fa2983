"""Text that leaves the portal in files a person opens in a spreadsheet or reads in a PDF: one rule
for every CSV and XLSX writer (formula injection, OWASP "CSV injection") and the CSS string
escape of the PDF page header.

CSV: a text cell whose first character, after any leading whitespace, is one a spreadsheet reads as
the start of a formula (`=`, `+`, `-`, `@`, tab, carriage return, or their full-width forms that
some spreadsheets fold to ASCII) is written with a single quote `'` in front, so Excel, LibreOffice
and Google Sheets show it as text and never evaluate it. Only text is neutralised: numbers
(int, float, Decimal) are written as they are, so a negative figure stays a number. An identifier
that merely looks like a number, such as an `external_id` of "-5", is text and is exported as
`'-5` (OWASP's rule: the exporter cannot tell a harmless "-5" from "-5+cmd|' /C calc'!A0", and
a reader who strips one leading quote from such a cell gets the stored value back exactly).

XLSX: text is stored as a string cell (type `s`) with the quote-prefix style, exactly what Excel
itself stores when a person types `'=text`: the cell shows the text unchanged, is never a
formula (openpyxl would otherwise store any text starting with `=` as one), and stays text when
edited. `neutralise_workbook` applies this to every text cell of a workbook before it is saved,
so a cell written without `xlsx_text` cannot become a formula either.

    >>> csv_cell("=HYPERLINK(\"http://x\",\"y\")")
    '\\'=HYPERLINK("http://x","y")'
    >>> csv_cell(-5), csv_cell("-5"), csv_cell("ACME-1")
    (-5, "'-5", 'ACME-1')
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal

# The first characters that make a spreadsheet read a cell as a formula (OWASP), with the
# full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20) that East Asian input methods produce.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
# Leading characters a spreadsheet may skip before it looks for a formula.
_LEADING_SPACE = " \u00a0\u3000"
CSV_PREFIX = "'"


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula (see the module docstring)."""
    if not text:
        return False
    if text[0] in FORMULA_TRIGGERS:
        return True
    stripped = text.lstrip(_LEADING_SPACE)
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def csv_cell(value):
    """One CSV cell: numbers and None as they are, any other value as text, neutralised."""
    if value is None or isinstance(value, int | float | Decimal):  # bool is an int
        return value
    text = value if isinstance(value, str) else str(value)
    return CSV_PREFIX + text if is_formula_like(text) else text


def csv_row(values: Iterable) -> list:
    return [csv_cell(value) for value in values]


class SafeCsvWriter:
    """`csv.writer` whose every row goes through `csv_cell`. Same arguments as `csv.writer`;
    `writerow` returns what the file's `write` returns (the line, for a streaming echo)."""

    def __init__(self, handle, *args, **kwargs):
        self._writer = csv.writer(handle, *args, **kwargs)

    def writerow(self, row: Iterable):
        return self._writer.writerow(csv_row(row))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class SafeCsvDictWriter(csv.DictWriter):
    """`csv.DictWriter` whose every value goes through `csv_cell` (the header is ours)."""

    def writerow(self, rowdict):
        return super().writerow({key: csv_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts):
        for rowdict in rowdicts:
            self.writerow(rowdict)


# --- XLSX -------------------------------------------------------------------------------------------


def xlsx_text(cell, value):
    """Store `value` in an openpyxl cell as text: a string cell, never a formula; None empties it.
    Returns the cell."""
    if value is None:
        cell.value = None
        return cell
    text = value if isinstance(value, str) else str(value)
    cell.value = text
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True
    return cell


def xlsx_value(cell, value):
    """A cell of any value: text through `xlsx_text`, numbers, dates and None as they are."""
    if value is None or isinstance(value, str):
        return xlsx_text(cell, value)
    cell.value = value
    return cell


def neutralise_workbook(workbook) -> None:
    """Every formula or text cell of `workbook` stored as text (the portal writes no formulas):
    the last step before a workbook is saved."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type in ("f", "s", "inlineStr") and isinstance(cell.value, str):
                    xlsx_text(cell, cell.value)


def save_workbook(workbook, path) -> None:
    neutralise_workbook(workbook)
    workbook.save(path)


# --- CSS ----------------------------------------------------------------------------------------------


def css_string(value) -> str:
    """A CSS string literal (with its double quotes) showing `value` literally: every character
    but ASCII letters and digits as a six-digit CSS escape (`\\00003C` for `<`), so the text cannot
    end the string, the declaration or the `<style>` element it sits in. The space is escaped too:
    CSS swallows one whitespace after an escape as its terminator. NUL, which CSS cannot carry,
    becomes U+FFFD as CSS itself would read it."""
    text = "" if value is None else str(value)
    out = []
    for char in text:
        if ("a" <= char <= "z") or ("A" <= char <= "Z") or ("0" <= char <= "9"):
            out.append(char)
        else:
            code = ord(char)
            if code == 0 or 0xD800 <= code <= 0xDFFF:
                code = 0xFFFD
            out.append(f"\\{code:06X}")
    return '"' + "".join(out) + '"'
