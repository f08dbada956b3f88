"""gspread, unmodified, against a real `dtu serve`: its fixed Google URLs sent to the twin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gspread
import pytest

from dtu.twins.google.clients import gspread_client

pytestmark = pytest.mark.sdk("python", "gspread")

ME = "dana@acme.test"
SEED = {
    "google": {
        "me": ME,
        "users": [{"email": ME, "name": "Dana Scully"}, {"email": "bob@acme.test", "name": "Bob Stone"}],
        "files": [
            {"name": "On-call rota", "kind": "sheet", "id": "SHEETROTA001", "sheets": {
                "Rota": [["Week", "Primary", "Secondary", "Hours"], ["2024-W01", "ann", "bob", 40],
                         ["2024-W02", "bob", "cy", 35]],
                "Archive": [["old"]]}},
            {"name": "On-call rota (old)", "kind": "sheet", "id": "SHEETROTA000", "trashed": True},
        ],
    }
}


@pytest.fixture
def world(make_world: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_world(SEED)


@pytest.fixture
def gc(world: dict[str, Any]) -> Any:
    client = gspread_client(world["base_url"], world["token"])
    yield client
    client.http_client.session.close()


def test_open_by_title_and_read_records(gc: Any) -> None:
    sh = gc.open("On-call rota")
    assert sh.id == "SHEETROTA001"
    assert [ws.title for ws in sh.worksheets()] == ["Rota", "Archive"]
    ws = sh.worksheet("Rota")
    assert ws.row_count == 1000 and ws.col_count == 26
    assert ws.get_all_records() == [
        {"Week": "2024-W01", "Primary": "ann", "Secondary": "bob", "Hours": 40},
        {"Week": "2024-W02", "Primary": "bob", "Secondary": "cy", "Hours": 35},
    ]
    assert ws.acell("B3").value == "bob"
    assert ws.col_values(2) == ["Primary", "ann", "bob"]
    assert sh.sheet1.title == "Rota"
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open("Nope")


def test_create_share_append_update_delete(gc: Any, server: Any, world: dict[str, Any]) -> None:
    sh = gc.create("Inventory")
    ws = sh.sheet1
    ws.update([["sku", "qty", "price"], ["A-1", 5, 2.5]], "A1")
    ws.append_rows([["B-2", 0, 10], ["C-3", 12, 1.25]], value_input_option="USER_ENTERED")
    ws.append_row(["total", "=SUM(B2:B4)", ""], value_input_option="USER_ENTERED")
    ws.update_acell("C3", "9.99")
    ws.update_cell(2, 2, 7)
    assert ws.get("A5:B5") == [["total", "19"]]
    assert ws.get_all_values()[2] == ["B-2", "0", "9.99"]
    records = ws.get_all_records()
    assert records[0] == {"sku": "A-1", "qty": 7, "price": 2.5}
    ws.batch_update([{"range": "D1", "values": [["note"]]}, {"range": "D2:D3", "values": [["ok"], ["restock"]]}])
    assert ws.col_values(4) == ["note", "ok", "restock"]
    ws.format("A1:D1", {"textFormat": {"bold": True}})
    sh.share("bob@acme.test", perm_type="user", role="writer", notify=False)
    assert {p["emailAddress"] for p in sh.list_permissions()} == {ME, "bob@acme.test"}
    state = server.state(world["id"])["google"]["files"][sh.id]
    sheet = state["sheet"]["sheets"][0]
    assert sheet["values"][4] == ["total", 19]
    assert sheet["formats"]["B1"]["textFormat"]["bold"] is True
    gc.del_spreadsheet(sh.id)
    assert sh.id not in server.state(world["id"])["google"]["files"]


def test_worksheets_and_structure(gc: Any) -> None:
    sh = gc.open_by_key("SHEETROTA001")
    new = sh.add_worksheet("Swaps", rows=10, cols=4)
    assert new.row_count == 10 and new.col_count == 4
    dup = sh.duplicate_sheet(sh.worksheet("Rota").id, new_sheet_name="Rota copy")
    assert dup.get_all_values()[1][1] == "ann"
    rota = sh.worksheet("Rota")
    rota.insert_row(["2024-W00", "cy", "ann", 20], index=2)
    rota.delete_rows(4)
    assert rota.col_values(1) == ["Week", "2024-W00", "2024-W01"]
    rota.update_title("Rota 2024")
    rota.freeze(rows=1)
    assert [ws.title for ws in sh.worksheets()] == ["Rota 2024", "Rota copy", "Archive", "Swaps"]
    cell = rota.find("ann")
    assert cell is not None and (cell.row, cell.col) == (2, 3)
    rota.sort((4, "des"), range="A2:D3")
    assert rota.col_values(4) == ["Hours", "40", "20"]
    sh.del_worksheet(sh.worksheet("Archive"))
    assert len(sh.worksheets()) == 3
    rota.clear()
    assert rota.get_all_values() == [[]]  # gspread pads a range without values


def test_api_errors(gc: Any) -> None:
    ws = gc.open_by_key("SHEETROTA001").sheet1
    with pytest.raises(gspread.exceptions.APIError) as e:
        ws.spreadsheet.values_get("Missing!A1")
    assert e.value.response.status_code == 400
    assert e.value.error["status"] == "INVALID_ARGUMENT"
    assert e.value.error["message"] == "Unable to parse range: Missing!A1"
    with pytest.raises(gspread.SpreadsheetNotFound) as nf:
        gc.open_by_key("NOSUCHSHEET")
    assert nf.value.args[0].status_code == 404
    with pytest.raises(gspread.WorksheetNotFound):
        gc.open_by_key("SHEETROTA001").worksheet("Nope")


def test_notes_resize_copy_and_tab_properties(gc: Any) -> None:
    sh = gc.open_by_key("SHEETROTA001")
    rota = sh.worksheet("Rota")
    rota.update_note("B2", "swap with cy if needed")
    assert rota.get_note("B2") == "swap with cy if needed"
    rota.resize(rows=50, cols=6)
    assert (rota.row_count, rota.col_count) == (50, 6)
    assert gc.open_by_key("SHEETROTA001").worksheet("Rota").row_count == 50
    rota.update_tab_color("#ff0000")
    archive = sh.worksheet("Archive")
    archive.hide()
    meta = sh.fetch_sheet_metadata()
    props = {s["properties"]["title"]: s["properties"] for s in meta["sheets"]}
    assert props["Archive"]["hidden"] is True
    assert props["Rota"]["tabColorStyle"]["rgbColor"]["red"] == 1
    target = gc.create("Rota backup")
    copied = rota.copy_to(target.id)
    assert copied["title"] == "Copy of Rota"
    assert target.worksheet("Copy of Rota").get_all_records()[0]["Primary"] == "ann"
    rota.merge_cells("A5:C5")
    rota.update_acell("A6", "=SUM(D2:D3)")
    assert rota.acell("A6").value == "75"
    assert rota.acell("A6", value_render_option="FORMULA").value == "=SUM(D2:D3)"
