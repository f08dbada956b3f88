"""Sheets operations through door 1 (in-process), the same bodies through HTTP, and malformed input."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.registry import TWINS

ME = "dana@acme.test"
SEED = {"google": {"me": ME, "users": [{"email": ME, "name": "Dana"}], "files": [
    {"name": "Plans", "kind": "sheet", "id": "SHEETPLANS01", "sheets": {
        "a/b 2024": [["k", "v"], ["x", 1], ["y", 2]], "Sheet2": [["=SUM('a/b 2024'!B:B)"]]}},
]}}


def world() -> World:
    return World(SeedImage(TWINS, SEED, 7, 1.7e9), 7)


def call(w: World, op: str, **args: Any) -> Any:
    return asyncio.run(w.call("google", op, args))


def http(base: str, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read())


def test_doors_agree(make_world: Callable[..., dict[str, Any]]) -> None:
    w = world()
    local = call(w, "sheets.spreadsheets.values.append", spreadsheetId="SHEETPLANS01", range="'a/b 2024'!A1",
                 valueInputOption="USER_ENTERED", values=[["z", "3"]])
    got = call(w, "sheets.spreadsheets.values.get", spreadsheetId="SHEETPLANS01", range="Sheet2!A1")
    assert got["values"] == [["6"]]
    remote = make_world(SEED)
    status, body = http(remote["base_url"], remote["token"], "POST",
                        "/v4/spreadsheets/SHEETPLANS01/values/%27a%2Fb%202024%27%21A1:append?valueInputOption=USER_ENTERED",
                        {"values": [["z", "3"]]})
    assert status == 200 and body == local
    status, body = http(remote["base_url"], remote["token"], "GET",
                        "/v4/spreadsheets/SHEETPLANS01/values/Sheet2%21A1")
    assert body == got
    status, body = http(remote["base_url"], remote["token"], "GET",
                        "/v4/spreadsheets/SHEETPLANS01/values:batchGet?ranges=Sheet2%21A1&ranges=%27a%2Fb%202024%27%21A4%3AB4")
    assert [r["values"] for r in body["valueRanges"]] == [[["6"]], [["z", "3"]]]
    status, body = http(remote["base_url"], remote["token"], "POST",
                        "/v4/spreadsheets/SHEETPLANS01/values/Sheet2%21A1:clear", {})
    assert (status, body) == (200, {"spreadsheetId": "SHEETPLANS01", "clearedRange": "Sheet2!A1"})


@pytest.mark.parametrize(("op", "args", "message"), [
    ("sheets.spreadsheets.values.update", {"range": "Sheet2!A1", "valueInputOption": "RAW", "values": "nope"},
     "Invalid value"),
    ("sheets.spreadsheets.values.update", {"range": "Sheet2!A1", "valueInputOption": "RAW", "values": [["a", {"x": 1}]]},
     "struct_value"),
    ("sheets.spreadsheets.values.update", {"range": "Sheet2!A1", "valueInputOption": "LOUD", "values": [["a"]]},
     "value_input_option"),
    ("sheets.spreadsheets.values.get", {"range": "Sheet2!A1", "majorDimension": "DIAGONAL"}, "major_dimension"),
    ("sheets.spreadsheets.values.get", {"range": "Sheet2!A1:"}, "Unable to parse range: Sheet2!A1:"),
    ("sheets.spreadsheets.values.append", {"range": "", "valueInputOption": "RAW", "values": [["a"]]},
     "Unable to parse range: "),
    ("sheets.spreadsheets.batchUpdate", {"requests": [{"frobnicate": {}}]}, 'Unknown name "frobnicate"'),
    ("sheets.spreadsheets.batchUpdate", {"requests": []}, "at least one request"),
    ("sheets.spreadsheets.batchUpdate", {"requests": [{"deleteSheet": {"sheetId": 99}}]},
     "Invalid requests[0].deleteSheet: No grid with id: 99"),
    ("sheets.spreadsheets.batchUpdate", {"requests": [{"repeatCell": {"range": {"sheetId": 0, "endRowIndex": 5000},
                                                                       "cell": {}, "fields": "note"}}]},
     "exceeds grid limits"),
    ("sheets.spreadsheets.batchUpdate", {"requests": [{"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS",
                                                                                     "startIndex": "x"}}}]},
     "Invalid requests[0].insertDimension"),
])
def test_malformed_input_gets_400(op: str, args: dict[str, Any], message: str) -> None:
    w = world()
    reply = w.dispatch("google", op, {"spreadsheetId": "SHEETPLANS01", **args})
    assert reply.status == 400, reply.body
    assert message in reply.body["error"]["message"]


def test_batch_update_is_atomic_and_renames() -> None:
    w = world()
    meta = call(w, "sheets.spreadsheets.get", spreadsheetId="SHEETPLANS01")
    ids = {s["properties"]["title"]: s["properties"]["sheetId"] for s in meta["sheets"]}
    reply = w.dispatch("google", "sheets.spreadsheets.batchUpdate", {"spreadsheetId": "SHEETPLANS01", "requests": [
        {"updateSpreadsheetProperties": {"properties": {"title": "Plans 2025"}, "fields": "title"}},
        {"updateSheetProperties": {"properties": {"sheetId": ids["a/b 2024"], "title": "Data"}, "fields": "title"}},
        {"deleteSheet": {"sheetId": 12345}},
    ]})
    assert reply.status == 400
    view = w.view()["google"]["files"]["SHEETPLANS01"]
    assert view["name"] == "Plans" and [s["title"] for s in view["sheet"]["sheets"]] == ["a/b 2024", "Sheet2"]
    call(w, "sheets.spreadsheets.batchUpdate", spreadsheetId="SHEETPLANS01", requests=[
        {"updateSpreadsheetProperties": {"properties": {"title": "Plans 2025"}, "fields": "title"}},
        {"updateSheetProperties": {"properties": {"sheetId": ids["a/b 2024"], "title": "Data"}, "fields": "title"}},
    ])
    view = w.view()["google"]["files"]["SHEETPLANS01"]
    assert view["name"] == "Plans 2025"
    assert view["sheet"]["sheets"][1]["formulas"] == {"A1": "=SUM(Data!B:B)"}
    assert view["sheet"]["sheets"][1]["values"] == [[3]]
    call(w, "sheets.spreadsheets.batchUpdate", spreadsheetId="SHEETPLANS01",
         requests=[{"deleteSheet": {"sheetId": ids["a/b 2024"]}}])
    got = call(w, "sheets.spreadsheets.values.get", spreadsheetId="SHEETPLANS01", range="Sheet2!A1",
               valueRenderOption="FORMULA")
    assert got["values"] == [["=SUM(#REF!)"]]
    assert call(w, "sheets.spreadsheets.values.get", spreadsheetId="SHEETPLANS01", range="Sheet2!A1")["values"] == [["#REF!"]]
    reply = w.dispatch("google", "sheets.spreadsheets.batchUpdate", {
        "spreadsheetId": "SHEETPLANS01", "requests": [{"deleteSheet": {"sheetId": ids["Sheet2"]}}]})
    assert reply.status == 400 and "all the visible sheets" in reply.body["error"]["message"]


def test_update_cells_formats_and_grid_growth() -> None:
    w = world()
    r = call(w, "sheets.spreadsheets.values.update", spreadsheetId="SHEETPLANS01", range="Sheet2!AB1200",
             valueInputOption="RAW", values=[["far"]])
    assert r["updatedRange"] == "Sheet2!AB1200"
    meta = call(w, "sheets.spreadsheets.get", spreadsheetId="SHEETPLANS01", ranges=["Sheet2!A1"])
    assert meta["sheets"][0]["properties"]["gridProperties"] == {"rowCount": 1200, "columnCount": 28}
    r = call(w, "sheets.spreadsheets.values.get", spreadsheetId="SHEETPLANS01", range="Sheet2!AB1199:AB1200")
    assert r == {"range": "Sheet2!AB1199:AB1200", "majorDimension": "ROWS", "values": [[], ["far"]]}
    call(w, "sheets.spreadsheets.batchUpdate", spreadsheetId="SHEETPLANS01", requests=[
        {"updateCells": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 1,
                                   "endColumnIndex": 2},
                         "rows": [{"values": [{"userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": "0%"}}}]},
                                  {"values": [{"userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": "0%"}}}]}],
                         "fields": "userEnteredFormat.numberFormat"}},
        {"mergeCells": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0,
                                  "endColumnIndex": 2}, "mergeType": "MERGE_ALL"}},
    ])
    got = call(w, "sheets.spreadsheets.values.get", spreadsheetId="SHEETPLANS01", range="'a/b 2024'!A1:B3")
    assert got["values"] == [["k"], ["x", "100%"], ["y", "200%"]]


def test_cell_limit() -> None:
    w = world()
    for op, args in [
        ("sheets.spreadsheets.values.update", {"range": "Sheet2!A9000000", "valueInputOption": "RAW", "values": [["x"]]}),
        ("sheets.spreadsheets.batchUpdate", {"requests": [{"insertDimension": {"range": {
            "sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 5_000_000}}}]}),
        ("sheets.spreadsheets.batchUpdate", {"requests": [{"appendDimension": {"sheetId": 0, "dimension": "COLUMNS",
                                                                               "length": 20_000}}]}),
        ("sheets.spreadsheets.create", {"sheets": [{"properties": {"gridProperties": {"rowCount": 5_000_000}}}]}),
    ]:
        reply = w.dispatch("google", op, {"spreadsheetId": "SHEETPLANS01", **args})
        assert reply.status == 400 and "limit of 10000000 cells" in reply.body["error"]["message"], reply.body
