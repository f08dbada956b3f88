"""Spreadsheets that remembered writes share between worlds (twins/google/sheets_share.py) are never
changed in place: a world that writes to one writes to its own copy, and no other world sees it."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import msgspec

from dtu.twins.core import SeedImage, World
from dtu.twins.google import sheets_ops, sheets_share, sheets_values
from dtu.twins.registry import TWINS

ME = "dana@acme.test"
SID, OTHER = "SHEETSHARE001", "SHEETSHARE002"
GRID = [["name", "team", "n"], ["Ann", "ops", 1], ["Bo", "eng", 2], ["Cy", "ops", "=C2+C3"]]


def _world(seed: int = 7) -> World:
    files = [{"id": SID, "name": "Roster", "kind": "sheet", "sheets": {"Sheet1": GRID, "Other": [[1, 2]]}},
             {"id": OTHER, "name": "Copy target", "kind": "sheet", "sheets": {"Sheet1": [["x"]]}}]
    return World(SeedImage(TWINS, {"google": {"me": ME, "users": [{"email": ME}], "files": files}}, seed, 1.7e9), seed)


def _call(w: World, op: str, args: dict[str, Any]) -> tuple[int, Any]:
    reply = asyncio.run(w.invoke("google", op, args))
    return reply.status, reply.body


def _sheet(w: World, fid: str = SID) -> Any:
    return w.ctx("google").state.files[fid].sheet


def _read(w: World) -> Any:
    return _call(w, "sheets.spreadsheets.values.get", {"spreadsheetId": SID, "range": "Sheet1!A1:D9"})[1]["values"]


UPDATE = {"spreadsheetId": SID, "range": "Sheet1!C2", "valueInputOption": "USER_ENTERED", "values": [[10]]}


def test_worlds_share_a_remembered_write_and_a_later_write_is_their_own() -> None:
    a, b, c = _world(), _world(), _world()
    assert _call(a, "sheets.spreadsheets.values.update", UPDATE)[0] == 200  # applied, remembered
    assert _call(b, "sheets.spreadsheets.values.update", UPDATE)[0] == 200  # remembered result
    assert _call(c, "sheets.spreadsheets.values.update", UPDATE)[0] == 200
    assert _sheet(b) is _sheet(c) and sheets_share.is_shared(_sheet(c))
    assert not sheets_share.is_shared(_sheet(a))  # the world that applied it keeps its own
    shared = _sheet(c)
    before = _read(c)
    assert before[3] == ["Cy", "ops", "12"]

    # b writes through every kind of write; c, holding the same spreadsheet, sees none of it
    assert _call(b, "sheets.spreadsheets.values.update", {**UPDATE, "values": [[99]]})[0] == 200
    assert _call(b, "sheets.spreadsheets.values.append", {"spreadsheetId": SID, "range": "Sheet1!A1",
                                                          "valueInputOption": "RAW", "values": [["Di", "hr", 4]]})[0] == 200
    assert _call(b, "sheets.spreadsheets.values.clear", {"spreadsheetId": SID, "range": "Sheet1!A2"})[0] == 200
    assert _call(b, "sheets.spreadsheets.batchUpdate", {"spreadsheetId": SID, "requests": [
        {"findReplace": {"find": "ops", "replacement": "sre", "allSheets": True}}]})[0] == 200
    assert _call(c, "sheets.spreadsheets.sheets.copyTo", {"spreadsheetId": OTHER, "sheetId": 0,
                                                          "destinationSpreadsheetId": SID})[0] == 200
    after_b = _read(b)
    assert after_b[1] == ["", "sre", "99"] and after_b[4] == ["Di", "hr", "4"]
    assert _read(a) == before
    assert not sheets_share.is_shared(_sheet(b)) and not sheets_share.is_shared(_sheet(c))
    assert [s.title for s in _sheet(c).sheets] == ["Sheet1", "Other", "Copy of Sheet1"]
    assert [s.title for s in shared.sheets] == ["Sheet1", "Other"]
    assert sheets_share.intact() == []


WRITES = [
    ("sheets.spreadsheets.values.update", {"range": "Sheet1!B2", "valueInputOption": "RAW", "values": [["ops"]]}),
    ("sheets.spreadsheets.values.update", {"range": "Sheet1!C3", "valueInputOption": "USER_ENTERED",
                                           "values": [["=C2*2"]]}),
    ("sheets.spreadsheets.values.append", {"range": "Sheet1", "valueInputOption": "RAW", "values": [["Ed", "ops", 5]]}),
    ("sheets.spreadsheets.values.clear", {"range": "Sheet1!A4:C4"}),
    ("sheets.spreadsheets.values.batchUpdate", {"valueInputOption": "RAW", "data": [
        {"range": "Other!A1", "values": [[3]]}, {"range": "Sheet1!A2", "values": [["Al"]]}]}),
    ("sheets.spreadsheets.values.batchClear", {"ranges": ["Other!A1:B1"]}),
    ("sheets.spreadsheets.batchUpdate", {"requests": [{"findReplace": {"find": "ops", "replacement": "it",
                                                                       "allSheets": True}}]}),
    ("sheets.spreadsheets.batchUpdate", {"requests": [{"sortRange": {
        "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 9, "startColumnIndex": 0, "endColumnIndex": 3},
        "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}}]}),
]


def _sweep(remember: bool) -> tuple[bytes, bytes]:
    """Five worlds written to in one random interleaving; with `remember` off, every memo is cleared
    before every call, so each write is applied."""
    rng = random.Random(3)
    worlds = [_world() for _ in range(5)]
    answers: list[Any] = []
    for _ in range(300):
        w = rng.choice(worlds)
        op, args = WRITES[rng.randrange(3)] if rng.random() < 0.6 else rng.choice(WRITES)
        if not remember:
            sheets_values._WRITES.clear()
            sheets_ops._BATCHES.clear()
        answers.append(_call(w, op, {"spreadsheetId": SID, **args}))
    return msgspec.json.encode(answers), msgspec.msgpack.encode([_sheet(w) for w in worlds])


def test_interleaved_writes_with_shared_spreadsheets_answer_as_applied_ones() -> None:
    applied = _sweep(remember=False)
    shared = _sweep(remember=True)
    assert shared == applied
    assert sheets_share.intact() == []
