"""A1 notation: every form the Sheets API accepts, and the names it answers with."""

from __future__ import annotations

import pytest

from dtu.twins.google.a1 import (
    A1,
    A1Error,
    cell_key,
    col_index,
    col_letters,
    format_range,
    parse,
    parse_key,
    quote_sheet,
)


@pytest.mark.parametrize(("text", "want"), [
    ("Sheet1!A1:B2", A1("Sheet1", 0, 2, 0, 2)),
    ("A1:B2", A1(None, 0, 2, 0, 2)),
    ("'My Sheet'!A:A", A1("My Sheet", 0, None, 0, 1)),
    ("A5:A", A1(None, 4, None, 0, 1)),
    ("1:2", A1(None, 0, 2, 0, None)),
    ("Sheet1!C3", A1("Sheet1", 2, 3, 2, 3)),
    ("Sheet1", A1("Sheet1", 0, None, 0, None)),
    ("'It''s here'", A1("It's here", 0, None, 0, None)),
    ("'It''s here'!B:D", A1("It's here", 0, None, 1, 4)),
    ("$A$1:$C$3", A1(None, 0, 3, 0, 3)),
    ("B2:A1", A1(None, 0, 2, 0, 2)),
    ("Sheet1!R1C1:R2C3", A1("Sheet1", 0, 2, 0, 3)),
    ("a1:aa10", A1(None, 0, 10, 0, 27)),
    ("Data 2024!A1", A1("Data 2024", 0, 1, 0, 1)),
])
def test_parse_forms(text: str, want: A1) -> None:
    assert parse(text) == want


@pytest.mark.parametrize("text", ["", "'unterminated!A1", "Sheet1!", "!A1", "'x'y", "Sheet1!A1:B2:C3", "Sheet1!A0"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(A1Error):
        parse(text)


def test_columns_round_trip() -> None:
    for c in (0, 25, 26, 51, 52, 701, 702, 18277):
        assert col_index(col_letters(c)) == c
    assert col_letters(27) == "AB"
    assert cell_key(9, 27) == "AB10"
    assert parse_key("AB10") == (9, 27)


def test_format_and_quote() -> None:
    assert quote_sheet("Sheet1") == "Sheet1"
    assert quote_sheet("My Sheet") == "'My Sheet'"
    assert quote_sheet("Bob's") == "'Bob''s'"
    assert quote_sheet("A1") == "'A1'"
    assert format_range("Sheet1", 0, 1, 0, 1) == "Sheet1!A1"
    assert format_range("My Sheet", 0, 1000, 0, 26) == "'My Sheet'!A1:Z1000"
    assert format_range(None, 4, 6, 1, 3) == "B5:C6"
