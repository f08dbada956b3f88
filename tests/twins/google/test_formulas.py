"""USER_ENTERED parsing, formula evaluation and number formats, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from dtu.twins.google.formulas import normalize, parse_input
from dtu.twins.google.sheets_format import format_date, format_number, render
from dtu.twins.google.sheets_model import (
    build_spreadsheet,
    delete,
    insert,
    recalc,
    sheet_by_title,
    spreadsheet_csv,
    write,
)
from dtu.twins.google.sheets_view import read


@pytest.mark.parametrize(("typed", "value", "fmt_type"), [
    ("42", 42, None),
    ("-3.5", -3.5, None),
    ("1,234", 1234, "NUMBER"),
    ("$1,200.50", 1200.5, "CURRENCY"),
    ("50%", 0.5, "PERCENT"),
    ("TRUE", True, None),
    ("false", False, None),
    ("2024-01-15", 45306, "DATE"),
    ("1/15/2024", 45306, "DATE"),
    ("2024-01-15 12:00", 45306.5, "DATE_TIME"),
    ("'007", "007", None),
    ("hello", "hello", None),
    ("", None, None),
])
def test_user_entered(typed: str, value: Any, fmt_type: str | None) -> None:
    got, formula, fmt = parse_input(typed, True)
    assert got == value and type(got) is type(value)
    assert formula is None
    assert (fmt or {}).get("type") == fmt_type


def test_raw_keeps_strings() -> None:
    assert parse_input("=1+2", False) == ("=1+2", None, None)
    assert parse_input("50%", False) == ("50%", None, None)
    assert parse_input(7.0, False) == (7, None, None)


def test_formula_is_normalized() -> None:
    assert parse_input("=sum(a1:b2)", True)[1] == "=SUM(A1:B2)"
    assert normalize('=if(a1>0,"yes","no")') == '=IF(A1>0,"yes","no")'
    assert normalize("='my sheet'!a1") == "='my sheet'!A1"


def values_of(rows: list[list[Any]], extra: dict[str, list[list[Any]]] | None = None) -> list[list[Any]]:
    sp = build_spreadsheet({"S": rows, **(extra or {})})
    return sp.sheets[0].values


def test_arithmetic_and_functions() -> None:
    vals = values_of([
        [10, 20, 30, "=A1+B1*C1", "=(A1+B1)*C1", "=2^3-1", "=-A1%", "=C1/B1"],
        ["=SUM(A1:C1)", "=AVERAGE(A1:C1)", "=MIN(A1:C1)", "=MAX(A1:C1)", "=COUNT(A1:H1)", "=COUNTA(A1:C1)",
         '=IF(A1>5,"big","small")', '=CONCATENATE("a",A1,"-",TRUE)'],
        ['=A1&" items"', "=A1=10", '=SUMIF(A1:C1,">15")', '=COUNTIF(A1:C1,">=20")', "=ROUND(2.456,2)",
         "=IF(FALSE,1)", '=IFERROR(1/0,"none")', "=UPPER(\"x\")"],
    ])
    assert vals[0][3:] == [610, 900, 7, -0.1, 1.5]
    assert vals[1] == [60, 20, 10, 30, 8, 3, "big", "a10-TRUE"]
    assert vals[2] == ["10 items", True, 50, 2, 2.46, False, "none", "X"]


def test_errors() -> None:
    vals = values_of([[1, 0, "=A1/B1", "=NOPE(1)", "=A1+", "=C1+1", '="a"+1', "=Other!A1", "=Gone!A1", "=J1"]],
                     {"Other": [[5]]})
    assert vals[0][2:] == ["#DIV/0!", "#NAME?", "#ERROR!", "#DIV/0!", "#VALUE!", 5, "#REF!", "#REF!"]


def test_references_follow_inserted_and_deleted_rows() -> None:
    sp = build_spreadsheet({"S": [[1], [2], [3], ["=SUM(A1:A3)", "=A3*2"]], "T": [["=S!A4"]]})
    sh = sp.sheets[0]
    insert(sp, sh, True, 1, 2)
    recalc(sp)
    assert sh.formulas == {"A6": "=SUM(A1:A5)", "B6": "=A5*2"}
    assert sp.sheets[1].formulas == {"A1": "=S!A6"}
    assert sp.sheets[1].values == [[6]]
    delete(sp, sh, True, 4, 1)
    recalc(sp)
    assert sh.formulas["B5"] == "=#REF!*2"
    assert sh.values[4] == [3, "#REF!"]


def test_recalc_after_write() -> None:
    sp = build_spreadsheet({"S": [[1, 2, "=A1+B1"]]})
    sh = sheet_by_title(sp, "S")
    assert sh is not None
    write(sh, 0, 0, "40", True)
    recalc(sp)
    assert sh.values == [[40, 2, 42]]


def test_render_options() -> None:
    sp = build_spreadsheet({"S": []})
    sh = sp.sheets[0]
    for c, typed in enumerate(["2024-03-05", "12.5%", "$99", "=B1*2", "1234.5"]):
        write(sh, 0, c, typed, True)
    recalc(sp)
    assert read(sp, sh, 0, 1, 0, 5, "FORMATTED_VALUE", "SERIAL_NUMBER", "ROWS") == [
        ["2024-03-05", "12.50%", "$99.00", "25.00%", "1234.5"]]
    assert read(sp, sh, 0, 1, 0, 5, "UNFORMATTED_VALUE", "SERIAL_NUMBER", "ROWS") == [[45356, 0.125, 99, 0.25, 1234.5]]
    assert read(sp, sh, 0, 1, 0, 5, "UNFORMATTED_VALUE", "FORMATTED_STRING", "ROWS")[0][0] == "2024-03-05"
    assert read(sp, sh, 0, 1, 0, 5, "FORMULA", "SERIAL_NUMBER", "ROWS")[0][3] == "=B1*2"


def test_number_and_date_patterns() -> None:
    assert format_number(1234567.891, "#,##0.00") == "1,234,567.89"
    assert format_number(-5, '"$"#,##0.00') == "-$5.00"
    assert format_number(0.256, "0.0%") == "25.6%"
    assert format_number(1234, "0.00E+00") == "1.23E+03"
    assert render(45306, {"type": "DATE", "pattern": "mmm d, yyyy"}) == "Jan 15, 2024"
    import datetime as dt
    assert format_date(dt.datetime(2024, 1, 5, 14, 3, 9), "h:mm am/pm") == "2:03 PM"


def test_csv_export_pads_rows() -> None:
    sp = build_spreadsheet({"S": [["Name", "Qty"], ["a, b", 2], ["c"]]})
    assert spreadsheet_csv(sp) == 'Name,Qty\r\n"a, b",2\r\nc,\r\n'


def test_lookup_and_date_functions() -> None:
    vals = values_of([
        ["sku", "qty", "price"],
        ["A-1", 5, 2.5],
        ["B-2", 0, 10],
        ["C-3", 12, 1.25],
        ['=VLOOKUP("B-2",A2:C4,3,FALSE)', '=VLOOKUP("Z-9",A2:C4,2,FALSE)', "=INDEX(A2:C4,3,2)",
         '=MATCH("C-3",A2:A4,0)', '=SUMIFS(B2:B4,C2:C4,">2")', '=COUNTIFS(B2:B4,">0",C2:C4,"<3")'],
        ["=DATE(2024,2,30)", "=YEAR(A6)", "=MONTH(A6)", "=DAY(A6)", '=TEXT(A6,"yyyy-mm-dd")', '=TEXT(0.256,"0.0%")'],
        ['=HLOOKUP("qty",A1:C4,2,FALSE)', "=VLOOKUP(7,{1},1)", '=INDEX(A1:C1,2)', "=MATCH(11,B2:B4)"],
    ])
    assert vals[4] == [10, "#N/A", 12, 3, 5, 2]
    assert vals[5] == [45352, 2024, 3, 1, "2024-03-01", "25.6%"]
    assert vals[6][0] == 5 and vals[6][1] == "#ERROR!" and vals[6][2] == "qty"
