"""Values calls re-evaluate only the formulas their writes reach; the result equals a full
recalculation after every call of a random sweep (formulas across sheets, open ranges, IF, chains,
cycles, writes that move the data extent, formulas written and overwritten, clears). A full
recalculation remembered for the same content (sheets_model._RESULTS) stores the same values too."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import msgspec

from dtu.twins.core import SeedImage, World
from dtu.twins.google import sheets_model, sheets_values
from dtu.twins.google.a1 import cell_key, col_letters
from dtu.twins.google.sheets_model import Spreadsheet, recalc
from dtu.twins.registry import TWINS

ME = "dana@acme.test"
SID = "SHEETSWEEP01"
TITLES = ["Data", "Sum 2"]
_COPY = msgspec.msgpack.Decoder(Spreadsheet)


def _ref(rng: random.Random) -> str:
    sheet = rng.choice(["", "", "Data!", "'Sum 2'!", "Gone!"])
    c, r = rng.randrange(5), rng.randrange(7)
    kind = rng.randrange(5)
    if kind == 0:
        return f"{sheet}{col_letters(c)}{r + 1}"
    if kind == 1:
        return f"{sheet}{col_letters(c)}:{col_letters(c)}"
    if kind == 2:
        return f"{sheet}{col_letters(c)}{r + 1}:{col_letters(c)}"
    c1, r1 = c + rng.randrange(3), r + rng.randrange(4)
    return f"{sheet}{col_letters(c)}{r + 1}:{col_letters(c1)}{r1 + 1}"


def _value(rng: random.Random) -> Any:
    kind = rng.randrange(10)
    if kind < 3:
        return rng.randrange(-5, 50)
    if kind == 3:
        return ""
    if kind == 4:
        return rng.choice(["x", "y", "TRUE", "12%", "=1/0", "2024-03-01"])
    if kind == 5:
        return None
    a, b = _ref(rng), _ref(rng)
    return rng.choice([f"=SUM({a})", f"={a}+1", f"=IF({a}>3,{b},0)", f"=IFERROR({a}/{b},-1)", f"=COUNTA({a})",
                       f"=MATCH(3,{a},0)", f"=COUNTIF({a},\">2\")&\"n\"", f"=INDEX({a},2,1)", f"=MAX({a},{b})"])


def _grid(rng: random.Random, h: int, w: int) -> list[list[Any]]:
    return [[_value(rng) for _ in range(w)] for _ in range(h)]


def _call(w: World, op: str, **args: Any) -> Any:
    return asyncio.run(w.call("google", op, args))


def _box(rng: random.Random, title: str) -> str:
    c, r = rng.randrange(5), rng.randrange(8)
    return f"'{title}'!{cell_key(r, c)}:{cell_key(r + rng.randrange(3), c + rng.randrange(3))}"


def _step(rng: random.Random, w: World) -> None:
    title = rng.choice(TITLES)
    kind = rng.randrange(10)
    if kind < 5:
        _call(w, "sheets.spreadsheets.values.update", spreadsheetId=SID, range=_box(rng, title),
              valueInputOption="USER_ENTERED", values=_grid(rng, rng.randrange(1, 3), rng.randrange(1, 3)))
    elif kind < 7:
        _call(w, "sheets.spreadsheets.values.append", spreadsheetId=SID, range=f"'{title}'!A1",
              valueInputOption=rng.choice(["USER_ENTERED", "RAW"]), values=_grid(rng, 1, rng.randrange(1, 4)))
    elif kind == 7:
        _call(w, "sheets.spreadsheets.values.clear", spreadsheetId=SID, range=_box(rng, title))
    elif kind == 8:
        _call(w, "sheets.spreadsheets.values.batchClear", spreadsheetId=SID,
              ranges=[_box(rng, t) for t in TITLES])
    else:
        _call(w, "sheets.spreadsheets.values.batchUpdate", spreadsheetId=SID, valueInputOption="USER_ENTERED",
              data=[{"range": _box(rng, t), "values": _grid(rng, 2, 2)} for t in TITLES])


def test_incremental_recalc_equals_full_recalc() -> None:
    enc = msgspec.msgpack.Encoder()
    for seed in range(60):
        rng = random.Random(seed)
        sheets = {t: [[v for v in row if not (isinstance(v, str) and v.startswith("=1/0"))]
                      for row in _grid(rng, rng.randrange(2, 6), 4)] for t in TITLES}
        files = [{"name": "Sweep", "kind": "sheet", "id": SID, "sheets": sheets}]
        w = World(SeedImage(TWINS, {"google": {"me": ME, "users": [{"email": ME}], "files": files}}, 7, 1.7e9), 7)
        for step in range(25):
            _step(rng, w)
            sp = w.ctx("google").state.files[SID].sheet
            full = _COPY.decode(enc.encode(sp))
            sheets_model._RESULTS.clear()  # computed, not remembered
            recalc(full)
            assert enc.encode(sp) == enc.encode(full), f"seed {seed}, step {step}: {w.calls[-1].args}"
            again = _COPY.decode(enc.encode(sp))
            recalc(again)  # remembered when within the bounds
            assert enc.encode(again) == enc.encode(full), f"seed {seed}, step {step}: remembered"


def _sweep(fresh: bool) -> tuple[bytes, bytes]:
    bodies: list[Any] = []
    books: list[Any] = []
    for seed in range(30):
        rng = random.Random(seed)
        sheets = {t: _grid(rng, rng.randrange(2, 6), 4) for t in TITLES}
        files = [{"name": "Sweep", "kind": "sheet", "id": SID, "sheets": sheets}]
        w = World(SeedImage(TWINS, {"google": {"me": ME, "users": [{"email": ME}], "files": files}}, 7, 1.7e9), 7)
        for _ in range(12):
            if fresh:
                sheets_values._WRITES.clear()
            _step(rng, w)
            bodies.append((w.calls[-1].status, w.calls[-1].body))
        books.append(w.ctx("google").state.files[SID])
    return msgspec.json.encode(bodies), msgspec.msgpack.encode(books)


def test_remembered_writes_answer_as_made_ones() -> None:
    """A values write remembered from another world (sheets_values._WRITES) answers and stores what
    making it does."""
    first = _sweep(fresh=True)
    assert _sweep(fresh=False) == first
    assert _sweep(fresh=False) == first  # everything remembered now


def test_a_remembered_write_names_its_own_spreadsheet() -> None:
    """Worlds that each made their spreadsheet (each its own id) share remembered writes: every
    answer names the world's own spreadsheet."""
    answers = []
    for sid in ("SHEETAAAA0001", "SHEETBBBB0002"):
        files = [{"name": "Ids", "kind": "sheet", "id": sid, "sheets": {"Data": [["a", 1], ["b", 2]]}}]
        w = World(SeedImage(TWINS, {"google": {"me": ME, "users": [{"email": ME}], "files": files}}, 7, 1.7e9), 7)
        _call(w, "sheets.spreadsheets.values.update", spreadsheetId=sid, range="Data!C1", valueInputOption="RAW",
              values=[[3]], includeValuesInResponse=True)
        _call(w, "sheets.spreadsheets.values.append", spreadsheetId=sid, range="Data", valueInputOption="RAW",
              values=[["c", 3]], includeValuesInResponse=True)
        _call(w, "sheets.spreadsheets.values.batchUpdate", spreadsheetId=sid, valueInputOption="USER_ENTERED",
              data=[{"range": "Data!D1", "values": [["=B1+1"]]}], includeValuesInResponse=True)
        _call(w, "sheets.spreadsheets.values.clear", spreadsheetId=sid, range="Data!A3")
        _call(w, "sheets.spreadsheets.values.batchClear", spreadsheetId=sid, ranges=["Data!B3"])
        answers.append(msgspec.json.encode([c.body for c in w.calls]).decode().replace(sid, "<id>"))
        assert sid in msgspec.json.encode([c.body for c in w.calls]).decode()
    assert answers[0] == answers[1]
