"""values.get reads a sheet without formats and formulas without asking each cell: the same values
as asking each cell (`cell_value`), under every render option."""

from __future__ import annotations

import random
from typing import Any

from dtu.twins.google.sheets_model import Sheet, Spreadsheet
from dtu.twins.google.sheets_view import cell_value, read

VALUES: list[Any] = [None, "", "x", "0", 0, 1, 2.5, 1e20, 3.0, True, False, -0.0, "#DIV/0!", 45000.5]


def _cellwise(sp: Spreadsheet, sh: Sheet, r0: int, r1: int, c0: int, c1: int, option: str, dt: str) -> list[list[Any]]:
    out = []
    for r in range(r0, min(r1, len(sh.values))):
        row = [cell_value(sp, sh, r, c, option, dt) for c in range(c0, min(c1, max(len(sh.values[r]), c0)))]
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def test_plain_sheets_read_as_cell_by_cell() -> None:
    rnd = random.Random(5)
    for _ in range(3000):
        sh = Sheet(sheetId=0, title="S")
        sh.values = [[rnd.choice(VALUES) for _ in range(rnd.randint(0, 5))] for _ in range(rnd.randint(0, 6))]
        if rnd.random() < 0.2:
            sh.formats = {"A1": {"numberFormat": {"type": "PERCENT", "pattern": "0%"}}}
        sp = Spreadsheet(sheets=[sh])
        box = (rnd.randint(0, 3), rnd.randint(0, 8), rnd.randint(0, 3), rnd.randint(0, 8))
        option = rnd.choice(["FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"])
        dt = rnd.choice(["SERIAL_NUMBER", "FORMATTED_STRING"])
        got = read(sp, sh, *box, option, dt, "ROWS")
        assert repr(got) == repr(_cellwise(sp, sh, *box, option, dt)), (sh.values, box, option, dt)
