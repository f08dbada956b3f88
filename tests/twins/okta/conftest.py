"""Okta SDK clients pointed at a world of the session's `dtu serve`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from okta.client import Client

SEED: dict[str, Any] = {
    "okta": {
        "org": "acme",
        "users": [
            {"id": "00uadmin000000000001", "login": "ada@acme.test", "firstName": "Ada", "lastName": "Admin",
             "admin": True, "groups": ["Engineering"]},
            {"id": "00ubob00000000000001", "login": "bob@acme.test", "firstName": "Bob", "lastName": "Builder",
             "groups": ["Engineering"], "department": "Engineering"},
            {"id": "00ucarol000000000001", "login": "carol@acme.test", "firstName": "Carol", "lastName": "Danvers",
             "status": "LOCKED_OUT"},
            {"id": "00udave0000000000001", "login": "dave@acme.test", "firstName": "Dave", "lastName": "Old",
             "status": "DEPROVISIONED"},
        ],
        "groups": [
            {"id": "00gengineering000001", "name": "Engineering", "description": "All engineers"},
            {"id": "00gsales000000000001", "name": "Sales"},
        ],
        "apps": [
            {"id": "0oazoom0000000000001", "label": "Zoom", "name": "zoom", "groups": ["Engineering"]},
            {"id": "0oagithub00000000001", "label": "GitHub", "name": "github", "users": ["carol@acme.test"]},
            {"id": "0oawiki000000000001a", "label": "Wiki", "name": "wiki", "signOnMode": "BOOKMARK",
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
