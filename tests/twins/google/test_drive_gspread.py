"""gspread's Drive side (find, create, share, copy, delete spreadsheets) through the dtu helper."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest

from dtu.twins.google.clients import gspread_client

pytestmark = pytest.mark.sdk("python", "gspread")

SEED: dict[str, Any] = {
    "google": {
        "me": "ann@acme.test",
        "users": [{"email": "ann@acme.test", "name": "Ann"}, {"email": "ben@acme.test", "name": "Ben"}],
        "files": [
            {"id": "1Teamsxxxxxxxxxxxxxxxxxxxxxxxxxxx", "name": "Teams", "kind": "folder"},
            {"id": "1Rosterxxxxxxxxxxxxxxxxxxxxxxxxxx", "name": "Roster", "kind": "sheet", "parents": ["Teams"],
             "sheets": {"Sheet1": [["name", "team"], ["Ann", "core"]]}},
            {"id": "1RosterTxtxxxxxxxxxxxxxxxxxxxxxxx", "name": "Roster", "text": "not a sheet"},
        ],
    }
}


@pytest.fixture
def gc(make_world: Any) -> Iterator[gspread.Client]:
    w = make_world(SEED)
    client = gspread_client(w["env"]["GOOGLE_API_URL"], w["env"]["GOOGLE_TOKEN"])
    yield client
    client.http_client.session.close()


def test_find_open_share_delete(gc: gspread.Client) -> None:
    listed = gc.list_spreadsheet_files()
    assert [f["name"] for f in listed] == ["Roster"]  # the text file named Roster is not a spreadsheet
    assert [f["id"] for f in gc.list_spreadsheet_files(folder_id="1Teamsxxxxxxxxxxxxxxxxxxxxxxxxxxx")] == \
        ["1Rosterxxxxxxxxxxxxxxxxxxxxxxxxxx"]
    sh = gc.open("Roster")
    assert sh.id == "1Rosterxxxxxxxxxxxxxxxxxxxxxxxxxx"
    sh.share("ben@acme.test", perm_type="user", role="writer", notify=False)
    roles = {p.get("emailAddress"): p["role"] for p in sh.list_permissions()}
    assert roles == {"ann@acme.test": "owner", "ben@acme.test": "writer"}
    gc.del_spreadsheet(sh.id)
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open("Roster")


def test_create_copy_and_api_error(gc: gspread.Client) -> None:
    made = gc.create("Budget", folder_id="1Teamsxxxxxxxxxxxxxxxxxxxxxxxxxxx")
    assert made.title == "Budget"
    copied = gc.copy(made.id, title="Budget copy", copy_permissions=False)
    assert copied.title == "Budget copy"
    assert sorted(f["name"] for f in gc.list_spreadsheet_files()) == ["Budget", "Budget copy", "Roster"]
    with pytest.raises(gspread.exceptions.APIError) as e:
        gc.http_client.remove_permission(made.id, "nobody")
    assert e.value.code == 404
