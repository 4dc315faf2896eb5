"""Every CSV the app writes is formula-safe (OWASP "CSV Injection"), and our importers read such a cell back.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (a tab or a carriage return can hide one) as a
formula: `=HYPERLINK(...)` in an incident's notes would run on a researcher's machine. Such a cell is written with
a leading apostrophe, which spreadsheets take as "this is text": `'=HYPERLINK(...)`.

- Numbers are left as they are: `-3.61` (a longitude), `+5` or `-1e3` are read as numbers, not formulas, whether
  we wrote them as numbers or as text, and a column of coordinates must stay a column of numbers.
- A cell that already begins with apostrophes before one of those characters (`'-`) gets one more, so that the
  way back is exact: a cell of apostrophes followed by one of those characters loses its first apostrophe.
  `original_cells` does that for the ACLED and UCDP readers, so an export imported again gives back every value.

One writer (`csv_writer`) for every CSV the app writes in Python: the import error report and the exports' header
rows; `csv_dict_writer` is the same writer over rows given by column name, so that a new column cannot shift the
others. The exports' rows are written by PostgreSQL (events/exports/copy.py): `formula_safe_sql` is the same rule
in SQL, from the same two patterns, which Python's and PostgreSQL's regular expressions read alike.
"""

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

_FORMULA_PATTERN = r"'*[=+\-@\t\r]"
# ASCII digits only: a spreadsheet reads "-٣" (an Arabic-Indic three) as no number.
_NUMBER_PATTERN = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_FORMULA = re.compile(_FORMULA_PATTERN)
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
_NUMBER = re.compile(_NUMBER_PATTERN)
# The first characters of the cells formula_safe may change: the writer looks no further at any other text, which
# spares a 2M-row export (60M cells) a function call per cell.
_RISKY_FIRST = frozenset("=+-@\t\r'")


def formula_safe(value: Any) -> Any:
    """The cell as a spreadsheet will not run it: with a leading apostrophe where it could be read as a formula."""
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if _FORMULA.match(text) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def formula_safe_sql(text: str) -> str:
    """formula_safe in SQL, over `text`, the SQL of a text cell: a column, or the output of a subquery that
    PostgreSQL computes once (it is read three times). The first character is tested before either pattern, as the
    writer does."""
    firsts = ", ".join(_SQL_CHARACTERS.get(c, f"'{c}'") for c in sorted(_RISKY_FIRST))
    formula, number = (pattern.replace("'", "''") for pattern in (_FORMULA_PATTERN, _NUMBER_PATTERN))
    return (
        f"CASE WHEN left({text}, 1) IN ({firsts}) AND {text} ~ '^(?:{formula})' AND {text} !~ '^(?:{number})$'"
        f" THEN '''' || {text} ELSE {text} END"
    )


# SQL literals of the risky characters a plain '' literal cannot hold as they are.
_SQL_CHARACTERS = {"\t": r"E'\t'", "\r": r"E'\r'", "'": "''''"}


def original_cells(cells: list[str]) -> list[str]:
    """The cells of a row as they were before formula_safe: one apostrophe fewer where it added one."""
    return [cell[1:] if cell[:1] == "'" and _ESCAPED.match(cell) else cell for cell in cells]


class _Lines:
    """A file whose write returns the line, so that a streamed response takes its lines from a generator."""

    def write(self, line: str) -> str:
        return line


class _FormulaSafeWriter:
    __slots__ = ("_writer",)

    def __init__(self, file) -> None:
        self._writer = csv.writer(file)

    def writerow(self, row: Iterable):
        return self._writer.writerow(
            [
                cell
                if (kind := cell.__class__) is int or (kind is str and cell[:1] not in _RISKY_FIRST)
                else formula_safe(cell)
                for cell in row
            ]
        )


def csv_writer(file=None) -> _FormulaSafeWriter:
    """A csv.writer (the default dialect) over `file` whose rows are formula-safe; `writerow` returns what the
    file's write returned. Without a file, `writerow` returns the row's line, for a generator to yield."""
    return _FormulaSafeWriter(file or _Lines())


class _FormulaSafeDictWriter:
    """Rows by column name: every column of the header, and no other, or a ValueError naming the difference."""

    __slots__ = ("_fieldnames", "_names", "_writer")

    def __init__(self, fieldnames: list[str], file) -> None:
        self._fieldnames = fieldnames
        self._names = frozenset(fieldnames)
        self._writer = _FormulaSafeWriter(file)

    def writeheader(self):
        return self._writer.writerow(self._fieldnames)

    def writerow(self, row: dict):
        if row.keys() != self._names:
            raise ValueError(
                f"a row's columns differ from the header: missing {sorted(self._names - row.keys())}, "
                f"unknown {sorted(row.keys() - self._names)}"
            )
        return self._writer.writerow([row[name] for name in self._fieldnames])


def csv_dict_writer(fieldnames: list[str], file=None) -> _FormulaSafeDictWriter:
    """csv_writer over rows given as dicts by column name (as csv.DictWriter, but refusing missing columns too)."""
    return _FormulaSafeDictWriter(fieldnames, file or _Lines())
