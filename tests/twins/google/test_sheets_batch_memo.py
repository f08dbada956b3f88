"""A spreadsheets.batchUpdate remembered from another world (sheets_ops._BATCHES) answers and stores
what applying it does: the same random sweep of batches (values and formulas written, formats,
validations, rows inserted and deleted, find/replace, sorts, renames, some failing) played in a
world that applies every batch and in two that may reuse remembered ones."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import msgspec

from dtu.twins.core import SeedImage, World
from dtu.twins.google import sheets_ops
from dtu.twins.registry import TWINS

ME = "dana@acme.test"
SID = "SHEETMEMO0001"


def _range(rng: random.Random) -> dict[str, int]:
    r, c = rng.randrange(6), rng.randrange(4)
    return {"sheetId": 0, "startRowIndex": r, "endRowIndex": r + rng.randrange(1, 4),
            "startColumnIndex": c, "endColumnIndex": c + rng.randrange(1, 3)}


def _value(rng: random.Random) -> dict[str, Any]:
    return rng.choice([{"numberValue": rng.randrange(-3, 9)}, {"stringValue": rng.choice(["a", "b", "Acme"])},
                       {"boolValue": True}, {"formulaValue": rng.choice(["=SUM(A1:A9)", "=B2*2", "=A1&\"x\"",
                                                                        "=COUNTA(C:C)", "=1/0"])}])


def _request(rng: random.Random) -> dict[str, Any]:
    return rng.choice([
        {"updateCells": {"rows": [{"values": [{"userEnteredValue": _value(rng)} for _ in range(2)]}],
                         "fields": "userEnteredValue", "start": {"sheetId": 0, "rowIndex": rng.randrange(6),
                                                                 "columnIndex": rng.randrange(4)}}},
        {"repeatCell": {"range": _range(rng), "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": rng.choice(["userEnteredFormat.textFormat.bold", "userEnteredValue", "*"])}},
        {"setDataValidation": {"range": _range(rng), "rule": {"condition": {"type": "NUMBER_GREATER",
                                                                            "values": [{"userEnteredValue": "0"}]}}}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": rng.choice(["ROWS", "COLUMNS"]),
                                       "startIndex": 1, "endIndex": 2}}},
        {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": rng.randrange(5),
                                       "endIndex": rng.randrange(1, 7)}}},
        {"findReplace": {"find": rng.choice(["a", "Acme", "2"]), "replacement": "z", "allSheets": True}},
        {"sortRange": {"range": _range(rng), "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}},
        {"updateSheetProperties": {"properties": {"sheetId": 0, "title": rng.choice(["Data", "Sheet1"])},
                                   "fields": "title"}},
        {"updateSpreadsheetProperties": {"properties": {"title": rng.choice(["T1", "T2"])}, "fields": "title"}},
        {"mergeCells": {"range": _range(rng), "mergeType": "MERGE_ALL"}},
    ])


def _play(fresh: bool) -> tuple[bytes, bytes]:
    bodies: list[Any] = []
    books: list[Any] = []
    for seed in range(30):
        rng = random.Random(seed)
        grid = [[rng.choice([1, 2, "a", "Acme", None, "=A1+1"]) for _ in range(3)] for _ in range(5)]
        files = [{"id": SID, "name": "Memo", "kind": "sheet", "sheets": {"Sheet1": grid, "Other": [[1, 2]]}}]
        w = World(SeedImage(TWINS, {"google": {"me": ME, "users": [{"email": ME}], "files": files}}, 7, 1.7e9), 7)
        for _ in range(8):
            if fresh:
                sheets_ops._BATCHES.clear()
            reqs = [_request(rng) for _ in range(rng.randrange(1, 4))]
            reply = asyncio.run(w.invoke("google", "sheets.spreadsheets.batchUpdate",
                                         {"spreadsheetId": SID, "requests": reqs}))
            bodies.append((reply.status, reply.body))
        f = w.ctx("google").state.files[SID]
        books.append((f.name, f.sheet))
    return msgspec.json.encode(bodies), msgspec.msgpack.encode(books)


def test_remembered_batches_answer_as_applied_ones() -> None:
    first = _play(fresh=True)
    assert _play(fresh=False) == first
    assert _play(fresh=False) == first  # everything remembered now
