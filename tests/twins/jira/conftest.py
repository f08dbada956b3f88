"""Fixtures for the Jira twin's tests: a seeded world and clients of both official libraries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from atlassian import Jira
from jira import JIRA

from .data import SEED


@pytest.fixture
def world(make_world: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_world(SEED, now="2024-03-01T12:00:00Z")


@pytest.fixture
def jira_for(world: dict[str, Any]) -> Callable[[str], JIRA]:
    """A pycontribs JIRA client speaking REST v2 or v3."""

    def make(version: str) -> JIRA:
        env = world["env"]
        return JIRA(server=env["JIRA_URL"], basic_auth=("dana@acme.test", env["JIRA_TOKEN"]),
                    options={"rest_api_version": version}, max_retries=0)

    return make


@pytest.fixture(params=["2", "3"])
def jira(request: pytest.FixtureRequest, jira_for: Callable[[str], JIRA]) -> JIRA:
    return jira_for(request.param)


@pytest.fixture
def atl(world: dict[str, Any]) -> Jira:
    env = world["env"]
    return Jira(env["JIRA_URL"], username="dana@acme.test", password=env["JIRA_TOKEN"], cloud=True)
