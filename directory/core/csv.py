"""The one CSV writer of the app, with its one formula guard.

Two flavours of the same writer:

* ``PEOPLE`` – files people open in a spreadsheet (offers, dashboard tables): semicolon as
  separator and a UTF-8 byte-order mark, which German Excel needs to split the columns and to
  read umlauts; CRLF line ends.
* ``MACHINES`` – files a standard or an API prescribes (the HSDS data package): RFC 4180
  (comma, CRLF), UTF-8 without byte-order mark.

Both pass every text cell through :func:`guard`: text that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
apostrophe, so ``=HYPERLINK("http://evil.example")`` stays text. Plain numbers and phone
numbers (only digits, spaces and ``+ - ( ) / . ,``) cannot call a function and stay as they
are; numbers passed as numbers are never touched.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"[\d ()/.,+\-]*\d[\d ()/.,+\-]*")
BOM = "\ufeff"


@dataclass(frozen=True)
class Flavour:
    delimiter: str
    bom: bool
    mimetype: str = "text/csv"


PEOPLE = Flavour(delimiter=";", bom=True)
MACHINES = Flavour(delimiter=",", bom=False)


def guard(value: Any) -> Any:
    """A cell value that no spreadsheet runs as a formula (``None`` becomes an empty cell)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START) and not _NUMBER_LIKE.fullmatch(value):
        return "'" + value
    return value


def text(header: Sequence[str], rows: Iterable[Sequence[Any]], flavour: Flavour = PEOPLE) -> str:
    """The whole file as text: header row, then one line per row, every cell guarded."""
    buffer = io.StringIO()
    if flavour.bom:
        buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=flavour.delimiter, lineterminator="\r\n")
    writer.writerow([guard(h) for h in header])
    for row in rows:
        writer.writerow([guard(v) for v in row])
    return buffer.getvalue()


def records(columns: Sequence[str], rows: Iterable[dict[str, Any]], flavour: Flavour = MACHINES) -> str:
    """Rows given as dicts, written in the order of ``columns``; a key outside them is an error."""
    known = set(columns)

    def cells(row: dict[str, Any]) -> list[Any]:
        unknown = set(row) - known
        if unknown:
            raise ValueError(f"columns not in the file: {sorted(unknown)}")
        return [row.get(c) for c in columns]

    return text(columns, (cells(r) for r in rows), flavour)

