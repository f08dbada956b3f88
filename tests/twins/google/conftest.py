"""A small Drive seed (a text file, a doc, a sheet) and google-api-python-client services pointed at
a module's `world` fixture (a world of the session's `dtu serve`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dtu.twins.google.clients import drive_service, sheets_service

ME = "alice@acme.test"
TXT = "1NotesTxt000000000000000000000000"
DOC = "1PlanDoc0000000000000000000000000"
SHEET = "1BudgetSheet000000000000000000000"


def small_seed(text: str) -> dict[str, Any]:
    """Alice's Drive (Bob is another user): notes.txt holding `text`, the doc Plan, the sheet Budget."""
    return {"google": {
        "me": ME,
        "users": [{"email": ME, "name": "Alice Chen"}, {"email": "bob@acme.test", "name": "Bob Stone"}],
        "files": [
            {"id": TXT, "name": "notes.txt", "text": text},
            {"id": DOC, "name": "Plan", "kind": "doc", "text": "The plan"},
            {"id": SHEET, "name": "Budget", "kind": "sheet",
             "sheets": {"Sheet1": [["Item", "Cost"], ["Laptop", 1200], ["Mouse", 20]]}},
        ],
    }}


@pytest.fixture
def drive(world: dict[str, Any]) -> Iterator[Any]:
    """Drive v3 as the world's user, for a module that defines `world`."""
    svc = drive_service(world["env"]["GOOGLE_API_URL"], world["env"]["GOOGLE_TOKEN"])
    yield svc
    svc.close()


@pytest.fixture
def sheets(world: dict[str, Any]) -> Iterator[Any]:
    """Sheets v4 as the world's user, for a module that defines `world`."""
    svc = sheets_service(world["env"]["GOOGLE_API_URL"], world["env"]["GOOGLE_TOKEN"])
    yield svc
    svc.close()
