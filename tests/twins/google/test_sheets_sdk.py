"""google-api-python-client, unmodified, driving Sheets v4 against a real `dtu serve`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from dtu.twins.google.clients import drive_service, sheets_service

pytestmark = pytest.mark.sdk("python", "google-api-python-client")

ME = "dana@acme.test"
SEED = {
    "google": {
        "me": ME,
        "users": [{"email": ME, "name": "Dana Scully"}, {"email": "bob@acme.test", "name": "Bob Stone"}],
        "files": [
            {"name": "Budget", "kind": "sheet", "id": "SHEETBUDGET1", "sheets": {
                "Q1 Plan": [["Item", "Cost", "Qty", "Total"], ["Laptop", 1200, 2, "=B2*C2"], ["Mouse", 25, 4, "=B3*C3"]],
                "Notes": [["owner", "dana"]]}},
            {"name": "Bob's sheet", "kind": "sheet", "id": "SHEETBOB0001", "owner": "bob@acme.test",
             "sheets": {"Sheet1": [["x"]]}, "permissions": [{"email": ME, "role": "reader"}]},
            {"name": "Bob's private", "kind": "sheet", "id": "SHEETBOB0002", "owner": "bob@acme.test"},
            {"name": "A doc", "kind": "doc", "id": "DOC0000001", "text": "hi"},
        ],
    }
}


@pytest.fixture
def world(make_world: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_world(SEED)


@pytest.fixture
def sheets(world: dict[str, Any]) -> Iterator[Any]:
    service = sheets_service(world["base_url"], world["token"])
    yield service
    service.close()


def values(sheets: Any) -> Any:
    return sheets.spreadsheets().values()


def error_of(e: HttpError) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(e.content)["error"]
    return body


def test_create_and_get(sheets: Any, server: Any, world: dict[str, Any]) -> None:
    sp = sheets.spreadsheets().create(body={"properties": {"title": "OKRs"}}).execute()
    sid = sp["spreadsheetId"]
    assert sp["properties"]["title"] == "OKRs"
    [sheet] = sp["sheets"]
    assert sheet["properties"]["sheetId"] == 0 and sheet["properties"]["title"] == "Sheet1"
    assert sheet["properties"]["gridProperties"] == {"rowCount": 1000, "columnCount": 26}
    got = sheets.spreadsheets().get(spreadsheetId=sid, fields="spreadsheetId,sheets.properties.title").execute()
    assert got == {"spreadsheetId": sid, "sheets": [{"properties": {"title": "Sheet1"}}]}
    two = sheets.spreadsheets().create(body={"properties": {"title": "Two"}, "sheets": [
        {"properties": {"title": "Goals"}}, {"properties": {"title": "Owners", "gridProperties": {"rowCount": 50}}}],
    }).execute()
    assert [s["properties"]["title"] for s in two["sheets"]] == ["Goals", "Owners"]
    assert two["sheets"][1]["properties"]["gridProperties"]["rowCount"] == 50
    state = server.state(world["id"])["google"]["files"][sid]
    assert state["mimeType"] == "application/vnd.google-apps.spreadsheet" and state["owners"] == [ME]


def test_values_get_forms_and_render_options(sheets: Any) -> None:
    v = values(sheets)
    got = v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!A1:D3").execute()
    assert got["range"] == "'Q1 Plan'!A1:D3"
    assert got["values"][1] == ["Laptop", "1200", "2", "2400"]
    raw = v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!D2:D3", valueRenderOption="UNFORMATTED_VALUE").execute()
    assert raw["values"] == [[2400], [100]]
    f = v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!D:D", valueRenderOption="FORMULA").execute()
    assert f["range"] == "'Q1 Plan'!D1:D1000"
    assert f["values"] == [["Total"], ["=B2*C2"], ["=B3*C3"]]
    cols = v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!A1:B3", majorDimension="COLUMNS").execute()
    assert cols["values"] == [["Item", "Laptop", "Mouse"], ["Cost", "1200", "25"]]
    whole = v.get(spreadsheetId="SHEETBUDGET1", range="Notes").execute()
    assert whole == {"range": "Notes!A1:Z1000", "majorDimension": "ROWS", "values": [["owner", "dana"]]}
    first = v.get(spreadsheetId="SHEETBUDGET1", range="A2:A3").execute()
    assert first["range"] == "'Q1 Plan'!A2:A3" and first["values"] == [["Laptop"], ["Mouse"]]
    empty = v.get(spreadsheetId="SHEETBUDGET1", range="Notes!C5:D9").execute()
    assert empty == {"range": "Notes!C5:D9", "majorDimension": "ROWS"}
    rows = v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!2:3").execute()
    assert rows["values"][0][0] == "Laptop"


def test_update_user_entered_recalculates(sheets: Any, server: Any, world: dict[str, Any]) -> None:
    v = values(sheets)
    r = v.update(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!C2", valueInputOption="USER_ENTERED",
                 body={"values": [["3"]]}).execute()
    assert r["updatedRange"] == "'Q1 Plan'!C2" and r["updatedCells"] == 1
    r = v.update(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!A4:D4", valueInputOption="USER_ENTERED",
                 includeValuesInResponse=True,
                 body={"values": [["Total", "", "=SUM(C2:C3)", "=SUM(D2:D3)"]]}).execute()
    assert r["updatedData"]["values"] == [["Total", "", "7", "3700"]]
    raw = v.update(spreadsheetId="SHEETBUDGET1", range="Notes!A2", valueInputOption="RAW",
                   body={"values": [["=1+1", "007", "50%"]]}).execute()
    assert raw["updatedRange"] == "Notes!A2:C2"
    got = v.get(spreadsheetId="SHEETBUDGET1", range="Notes!A2:C2", valueRenderOption="UNFORMATTED_VALUE").execute()
    assert got["values"] == [["=1+1", "007", "50%"]]
    sheet = next(s for s in server.state(world["id"])["google"]["files"]["SHEETBUDGET1"]["sheet"]["sheets"]
                 if s["title"] == "Q1 Plan")
    assert sheet["values"][3] == ["Total", None, 7, 3700]
    assert sheet["formulas"]["D4"] == "=SUM(D2:D3)"


def test_append_overwrite_and_insert_rows(sheets: Any) -> None:
    v = values(sheets)
    r = v.append(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!A1", valueInputOption="USER_ENTERED",
                 body={"values": [["Dock", "150", "1", "=B4*C4"]]}).execute()
    assert r["tableRange"] == "'Q1 Plan'!A1:D3"
    assert r["updates"]["updatedRange"] == "'Q1 Plan'!A4:D4" and r["updates"]["updatedRows"] == 1
    v.update(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!A7", valueInputOption="RAW",
             body={"values": [["footer"]]}).execute()
    r = v.append(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!A:D", valueInputOption="RAW",
                 insertDataOption="INSERT_ROWS", body={"values": [["Cable", 5, 10], ["Pen", 1, 3]]}).execute()
    assert r["updates"]["updatedRange"] == "'Q1 Plan'!A5:C6"
    got = v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!A1:A9").execute()
    assert [row[0] if row else "" for row in got["values"]] == ["Item", "Laptop", "Mouse", "Dock", "Cable", "Pen",
                                                                "", "", "footer"]
    empty = sheets.spreadsheets().create(body={"properties": {"title": "Log"}}).execute()["spreadsheetId"]
    r = v.append(spreadsheetId=empty, range="Sheet1", valueInputOption="RAW",
                 body={"majorDimension": "COLUMNS", "values": [["when", "mon"], ["who", "ann"]]}).execute()
    assert "tableRange" not in r and r["updates"]["updatedRange"] == "Sheet1!A1:B2"
    assert v.get(spreadsheetId=empty, range="Sheet1").execute()["values"] == [["when", "who"], ["mon", "ann"]]


def test_clear_and_batch_methods(sheets: Any) -> None:
    v = values(sheets)
    r = v.batchUpdate(spreadsheetId="SHEETBUDGET1", body={"valueInputOption": "USER_ENTERED", "data": [
        {"range": "Notes!A3", "values": [["due", "2024-03-01"]]},
        {"range": "'Q1 Plan'!F1:F2", "values": [["Share"], ["=D2/SUM(D2:D3)"]]},
    ]}).execute()
    assert r["totalUpdatedCells"] == 4 and r["totalUpdatedSheets"] == 2 and len(r["responses"]) == 2
    got = v.batchGet(spreadsheetId="SHEETBUDGET1", ranges=["Notes!A3:B3", "'Q1 Plan'!F2"],
                     valueRenderOption="UNFORMATTED_VALUE").execute()
    assert [g["range"] for g in got["valueRanges"]] == ["Notes!A3:B3", "'Q1 Plan'!F2"]
    assert got["valueRanges"][0]["values"] == [["due", 45352]]
    assert got["valueRanges"][1]["values"] == [[0.96]]
    c = v.clear(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!B3", body={}).execute()
    assert c["clearedRange"] == "'Q1 Plan'!B3"
    assert v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!D3").execute()["values"] == [["0"]]
    bc = v.batchClear(spreadsheetId="SHEETBUDGET1", body={"ranges": ["Notes", "'Q1 Plan'!F:F"]}).execute()
    assert bc["clearedRanges"] == ["Notes!A1:Z1000", "'Q1 Plan'!F1:F1000"]
    assert "values" not in v.get(spreadsheetId="SHEETBUDGET1", range="Notes").execute()


def test_errors(sheets: Any) -> None:
    v = values(sheets)
    cases: list[tuple[Any, int, str, str]] = [
        (v.get(spreadsheetId="SHEETBUDGET1", range="Nope!A1"), 400, "INVALID_ARGUMENT", "Unable to parse range: Nope!A1"),
        (v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!A1:AB2"), 400, "INVALID_ARGUMENT", "exceeds grid limits"),
        (v.get(spreadsheetId="MISSING", range="A1"), 404, "NOT_FOUND", "Requested entity was not found."),
        (v.get(spreadsheetId="SHEETBOB0002", range="A1"), 404, "NOT_FOUND", "not found"),
        (v.get(spreadsheetId="DOC0000001", range="A1"), 400, "FAILED_PRECONDITION", "not supported"),
        (v.update(spreadsheetId="SHEETBOB0001", range="A1", valueInputOption="RAW", body={"values": [["y"]]}),
         403, "PERMISSION_DENIED", "permission"),
        (v.update(spreadsheetId="SHEETBUDGET1", range="Notes!A1", body={"values": [["y"]]}),
         400, "INVALID_ARGUMENT", "'valueInputOption' is required"),
        (v.update(spreadsheetId="SHEETBUDGET1", range="Notes!A1:A2", valueInputOption="RAW",
                  body={"values": [["a"], ["b"], ["c"]]}), 400, "INVALID_ARGUMENT", "tried writing to row [3]"),
    ]
    for req, code, status, text in cases:
        with pytest.raises(HttpError) as e:
            req.execute()
        assert e.value.resp.status == code
        err = error_of(e.value)
        assert (err["code"], err["status"]) == (code, status) and text in err["message"]
    assert v.get(spreadsheetId="SHEETBOB0001", range="A1").execute()["values"] == [["x"]]


def test_batch_update_sheets(sheets: Any, server: Any, world: dict[str, Any]) -> None:
    ss = sheets.spreadsheets()
    r = ss.batchUpdate(spreadsheetId="SHEETBUDGET1", body={"requests": [
        {"addSheet": {"properties": {"title": "Rota", "index": 0, "gridProperties": {"rowCount": 20, "columnCount": 5}}}},
        {"duplicateSheet": {"sourceSheetId": 0, "newSheetName": "Plan copy"}},
        {"updateSheetProperties": {"properties": {"sheetId": 0, "title": "Plan", "gridProperties": {"frozenRowCount": 1}},
                                   "fields": "title,gridProperties.frozenRowCount"}},
    ]}).execute()
    rota = r["replies"][0]["addSheet"]["properties"]
    assert rota["title"] == "Rota" and rota["index"] == 0 and rota["gridProperties"]["rowCount"] == 20
    assert r["replies"][1]["duplicateSheet"]["properties"]["title"] == "Plan copy" and r["replies"][2] == {}
    meta = ss.get(spreadsheetId="SHEETBUDGET1").execute()
    assert [s["properties"]["title"] for s in meta["sheets"]] == ["Rota", "Plan", "Plan copy", "Notes"]
    assert meta["sheets"][1]["properties"]["gridProperties"]["frozenRowCount"] == 1
    with pytest.raises(HttpError) as e:
        ss.batchUpdate(spreadsheetId="SHEETBUDGET1", body={"requests": [
            {"deleteSheet": {"sheetId": rota["sheetId"]}},
            {"addSheet": {"properties": {"title": "Notes"}}},
        ]}).execute()
    assert e.value.resp.status == 400
    assert error_of(e.value)["message"] == ('Invalid requests[1].addSheet: A sheet with the name "Notes" already '
                                            'exists. Please enter another name.')
    assert len(ss.get(spreadsheetId="SHEETBUDGET1").execute()["sheets"]) == 4  # all or nothing
    ss.batchUpdate(spreadsheetId="SHEETBUDGET1", body={"requests": [{"deleteSheet": {"sheetId": rota["sheetId"]}}]}).execute()
    state = server.state(world["id"])["google"]["files"]["SHEETBUDGET1"]["sheet"]
    assert [s["title"] for s in state["sheets"]] == ["Plan", "Plan copy", "Notes"]


def test_batch_update_cells_and_dimensions(sheets: Any) -> None:
    ss, v = sheets.spreadsheets(), values(sheets)
    sid = next(s["properties"]["sheetId"] for s in ss.get(spreadsheetId="SHEETBUDGET1").execute()["sheets"]
               if s["properties"]["title"] == "Q1 Plan")
    ss.batchUpdate(spreadsheetId="SHEETBUDGET1", body={"requests": [
        {"repeatCell": {"range": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold"}},
        {"repeatCell": {"range": {"sheetId": sid, "startRowIndex": 1, "startColumnIndex": 1, "endColumnIndex": 2},
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "CURRENCY", "pattern": "\"$\"#,##0.00"}}},
                        "fields": "userEnteredFormat.numberFormat"}},
        {"insertDimension": {"range": {"sheetId": sid, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}},
        {"updateCells": {"start": {"sheetId": sid, "rowIndex": 1, "columnIndex": 0},
                         "rows": [{"values": [{"userEnteredValue": {"stringValue": "Monitor"}},
                                              {"userEnteredValue": {"numberValue": 300}},
                                              {"userEnteredValue": {"numberValue": 1}},
                                              {"userEnteredValue": {"formulaValue": "=B2*C2"}, "note": "new"}]}],
                         "fields": "userEnteredValue,note"}},
        {"sortRange": {"range": {"sheetId": sid, "startRowIndex": 1, "endRowIndex": 4},
                       "sortSpecs": [{"dimensionIndex": 3, "sortOrder": "DESCENDING"}]}},
        {"setDataValidation": {"range": {"sheetId": sid, "startRowIndex": 1, "endRowIndex": 4, "startColumnIndex": 2,
                                         "endColumnIndex": 3},
                               "rule": {"condition": {"type": "NUMBER_GREATER", "values": [{"userEnteredValue": "0"}]},
                                        "strict": True}}},
        {"mergeCells": {"range": {"sheetId": sid, "startRowIndex": 5, "endRowIndex": 6, "startColumnIndex": 0,
                                  "endColumnIndex": 4}, "mergeType": "MERGE_ALL"}},
        {"appendDimension": {"sheetId": sid, "dimension": "COLUMNS", "length": 4}},
    ]}).execute()
    got = v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!A1:D4").execute()
    assert got["values"] == [["Item", "Cost", "Qty", "Total"], ["Laptop", "$1,200.00", "2", "$2,400.00"],
                             ["Monitor", "$300.00", "1", "$300.00"], ["Mouse", "$25.00", "4", "$100.00"]]
    formulas = v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!D2:D4", valueRenderOption="FORMULA").execute()
    assert formulas["values"] == [["=B2*C2"], ["=B3*C3"], ["=B4*C4"]]
    meta = ss.get(spreadsheetId="SHEETBUDGET1", ranges=["'Q1 Plan'!A1:D3"], includeGridData=True).execute()
    [sheet] = meta["sheets"]
    assert sheet["properties"]["gridProperties"] == {"rowCount": 1001, "columnCount": 30}
    assert sheet["merges"] == [{"sheetId": sid, "startRowIndex": 5, "endRowIndex": 6, "startColumnIndex": 0,
                                "endColumnIndex": 4}]
    rows = sheet["data"][0]["rowData"]
    assert rows[0]["values"][0]["userEnteredFormat"]["textFormat"]["bold"] is True
    assert rows[2]["values"][3]["note"] == "new"
    assert rows[2]["values"][2]["dataValidation"]["condition"]["type"] == "NUMBER_GREATER"
    assert rows[1]["values"][3]["effectiveValue"] == {"numberValue": 2400}
    r = ss.batchUpdate(spreadsheetId="SHEETBUDGET1", body={"requests": [
        {"findReplace": {"find": "mo", "replacement": "MO", "allSheets": True}},
        {"deleteDimension": {"range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": 2, "endIndex": 3}}},
        {"unmergeCells": {"range": {"sheetId": sid}}},
    ]}).execute()
    assert r["replies"][0]["findReplace"] == {"valuesChanged": 2, "rowsChanged": 2, "sheetsChanged": 1,
                                              "occurrencesChanged": 2}
    got = v.get(spreadsheetId="SHEETBUDGET1", range="'Q1 Plan'!A1:C4", valueRenderOption="FORMULA").execute()
    assert got["values"][2] == ["MOnitor", 300, "=B3*#REF!"]
    meta = ss.get(spreadsheetId="SHEETBUDGET1", ranges="'Q1 Plan'").execute()
    assert "merges" not in meta["sheets"][0]


def test_drive_sees_the_spreadsheet(world: dict[str, Any], sheets: Any) -> None:
    drive = drive_service(world["base_url"], world["token"])
    sid = sheets.spreadsheets().create(body={"properties": {"title": "Inventory"}}).execute()["spreadsheetId"]
    values(sheets).update(spreadsheetId=sid, range="A1", valueInputOption="USER_ENTERED",
                          body={"values": [["sku", "qty"], ["A-1", "5"]]}).execute()
    found = drive.files().list(q="name = 'Inventory' and mimeType = 'application/vnd.google-apps.spreadsheet'").execute()
    assert [f["id"] for f in found["files"]] == [sid]
    csv = drive.files().export(fileId=sid, mimeType="text/csv").execute()
    drive.close()
    assert csv.decode().splitlines() == ["sku,qty", "A-1,5"]


def test_batch_http_request(sheets: Any) -> None:
    got: dict[str, Any] = {}

    def collect(request_id: str, response: Any, exception: Any) -> None:
        got[request_id] = exception.resp.status if exception is not None else response

    batch = sheets.new_batch_http_request(callback=collect)
    batch.add(values(sheets).get(spreadsheetId="SHEETBUDGET1", range="Notes!A1:B1"), request_id="ok")
    batch.add(values(sheets).get(spreadsheetId="SHEETBUDGET1", range="Nope!A1"), request_id="bad")
    batch.execute()
    assert got["ok"]["values"] == [["owner", "dana"]]
    assert got["bad"] == 400
