"""Okta SDK clients pointed at a world of the session's `dtu serve`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from okta.client import Client

# the seed's ids, for the tests that name them
ADMIN = "00uadmin000000000001"
BOB = "00ubob00000000000001"
CAROL = "00ucarol000000000001"
DAVE = "00udave0000000000001"
ENG = "00gengineering000001"
SALES = "00gsales000000000001"
ZOOM = "0oazoom0000000000001"
GITHUB = "0oagithub00000000001"
WIKI = "0oawiki000000000001a"

SEED: dict[str, Any] = {
    "okta": {
        "org": "acme",
        "users": [
            {"id": ADMIN, "login": "ada@acme.test", "firstName": "Ada", "lastName": "Admin",
             "admin": True, "groups": ["Engineering"]},
            {"id": BOB, "login": "bob@acme.test", "firstName": "Bob", "lastName": "Builder",
             "groups": ["Engineering"], "department": "Engineering"},
            {"id": CAROL, "login": "carol@acme.test", "firstName": "Carol", "lastName": "Danvers",
             "status": "LOCKED_OUT"},
            {"id": DAVE, "login": "dave@acme.test", "firstName": "Dave", "lastName": "Old",
             "status": "DEPROVISIONED"},
        ],
        "groups": [
            {"id": ENG, "name": "Engineering", "description": "All engineers"},
            {"id": SALES, "name": "Sales"},
        ],
        "apps": [
            {"id": ZOOM, "label": "Zoom", "name": "zoom", "groups": ["Engineering"]},
            {"id": GITHUB, "label": "GitHub", "name": "github", "users": ["carol@acme.test"]},
            {"id": WIKI, "label": "Wiki", "name": "wiki", "signOnMode": "BOOKMARK",
             "url": "https://wiki.acme.test"},
        ],
    }
}


@pytest.fixture(autouse=True)
def _plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """The okta SDK refuses a plain-http org URL unless told this is a test."""
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")


@pytest.fixture
def okta_world(make_world: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_world(SEED)


def client_for(world: dict[str, Any], token: str | None = None, **extra: Any) -> Client:
    return Client({"orgUrl": world["base_url"], "token": token or world["token"], **extra})
