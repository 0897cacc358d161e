"""Names lose invisible controls; CSV cells never start a formula (network/kit/text.py)."""

from __future__ import annotations

import csv
import io

import pytest

from network.kit.errors import Errors
from network.kit.text import BIDI_CONTROLS, ZERO_WIDTH, csv_bytes, spreadsheet_cell
from network.kit.validation import clean_text


def test_every_listed_invisible_character_is_covered() -> None:
    listed = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}
    listed |= {0x200E, 0x200F, 0x061C, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}
    assert {ord(c) for c in BIDI_CONTROLS + ZERO_WIDTH} == listed


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("Siân\u200b Pryce", "Siân Pryce"),
        ("\u202eliam\u202c", "liam"),
        ("Ynys\u2066 Môn\u2069 Council", "Ynys Môn Council"),
        ("\ufeffPowys\u2060 County\u200d", "Powys County"),
        ("Ann \u200e\u200f\u061c Jones", "Ann Jones"),
        ("  Kent   County  Council ", "Kent County Council"),
    ],
)
def test_names_lose_bidi_controls_and_zero_width_characters(given: str, cleaned: str) -> None:
    errors = Errors()
    assert clean_text(errors, "name", given) == cleaned
    assert errors.items == []


def test_a_name_of_invisible_characters_only_is_blank() -> None:
    errors = Errors()
    assert clean_text(errors, "lastName", "\u202e\u200b \u2066\u2069") is None
    assert [(e.field, e.code) for e in errors.items] == [("lastName", "BLANK")]
    optional = Errors()
    assert clean_text(optional, "jobTitle", "\u200b", required=False) is None
    assert optional.items == []


@pytest.mark.parametrize(
    "formula",
    [
        '=HYPERLINK("http://x.example")',
        "+1+2",
        "-2+3",
        "@SUM(A1)",
        "\tcmd",
        "\rcmd",
        "|calc",
        "\uff1d1+1",  # fullwidth =
        "\uff0b1",  # fullwidth +
        "\uff0d1",  # fullwidth -
        "\uff20SUM(A1)",  # fullwidth @
        "  =1+1",  # after spaces that an importer may drop
        "\u200b=1+1",  # after an invisible character
    ],
)
def test_cells_that_could_be_formulas_are_quoted(formula: str) -> None:
    assert spreadsheet_cell(formula) == "'" + formula


@pytest.mark.parametrize(
    ("value", "cell"),
    [(None, ""), ("", ""), ("Anna", "Anna"), (3, "3"), ("a=b", "a=b"), ("x|y", "x|y"), (" ", " ")],
)
def test_ordinary_cells_are_left_alone(value: object, cell: str) -> None:
    assert spreadsheet_cell(value) == cell


def test_a_csv_file_quotes_formulas_in_header_and_rows() -> None:
    data = csv_bytes(["name", "=note"], [["Siân", "=1+1"], ["|x", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["name", "'=note"], ["Siân", "'=1+1"], ["'|x", ""]]
    assert data.count(b"\r\n") == 3
