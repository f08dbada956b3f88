"""Fixtures for the Slack twin's tests: a seeded world, and slack_sdk clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from .data import SEED


@pytest.fixture
def world(make_world: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_world(SEED)


@pytest.fixture
def client(world: dict[str, Any]) -> WebClient:
    return WebClient(token=world["token"], base_url=world["env"]["SLACK_API_URL"])


@pytest.fixture
def client_as(server: Any, world: dict[str, Any]) -> Callable[[str], WebClient]:
    """A client whose token acts as another user of the same world."""

    def make(uid: str) -> WebClient:
        tok = server.admin("POST", f"/_dtu/worlds/{world['id']}/tokens", {"actors": {"slack": uid}})
        return WebClient(token=tok["token"], base_url=world["env"]["SLACK_API_URL"])

    return make
