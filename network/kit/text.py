"""Text typed by people, made safe to store and to hand on: invisible controls taken out of
names, and spreadsheet cells that cannot run as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# Bidirectional controls reorder what is shown (a name can display as someone else's, or hide
# text); zero-width characters make two names that look the same differ.
BIDI_CONTROLS = (
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
)
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"  # ZWSP ZWNJ ZWJ WJ BOM
_INVISIBLE = dict.fromkeys(map(ord, BIDI_CONTROLS + ZERO_WIDTH))

# A spreadsheet reads a cell starting with one of these as a formula (or a DDE command, `|`),
# the fullwidth forms included, which some spreadsheets fold to ASCII.
FORMULA_START = frozenset("=+-@\t\r|\uff1d\uff0b\uff0d\uff20\uff5c")


def strip_invisible(value: str) -> str:
    """`value` without bidi control and zero-width characters."""
    return value.translate(_INVISIBLE)


def spreadsheet_cell(value: Any) -> str:
    """A cell's text, with a leading ' where a spreadsheet could read a formula.

    Also when the formula character follows spaces or invisible characters, which some
    spreadsheets and importers drop before they look.
    """
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_START or strip_invisible(text).lstrip()[:1] in FORMULA_START:
        return "'" + text
    return text


def csv_bytes(header: Sequence[Any], lines: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file, every cell through `spreadsheet_cell`: UTF-8 with a byte-order mark (so
    Excel reads accents right) and CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_cell(v) for v in header])
    for line in lines:
        writer.writerow([spreadsheet_cell(v) for v in line])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
