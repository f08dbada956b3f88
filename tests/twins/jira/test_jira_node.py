"""jira.js 6.2.0 (createCloudClient and createAgileClient), unmodified, against a real `dtu serve`
through tests/node/jira_js.mjs: the common operations and the agile, version, component, filter,
remote link, vote, changelog, editmeta, bulk and project-creation ones. jira.js checks every answer
against its own schemas (zod); the script hands back each mismatch it reports, and there must be none
beyond those listed in twins/jira/README.md ("Schema deviations")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.schemas import node_or_skip, run_node

from .test_jira_sdk_agile import AGILE_SEED


@pytest.mark.sdk("node", "jira.js")
def test_jira_js_drives_the_twin(make_world: Callable[..., dict[str, Any]], server: Any) -> None:
    node = node_or_skip("jira.js")
    world = make_world(AGILE_SEED, now="2024-03-01T12:00:00Z")
    out = run_node(node, "jira_js.mjs", {"JIRA_URL": world["env"]["JIRA_URL"], "JIRA_TOKEN": world["env"]["JIRA_TOKEN"]})
    assert out["server"] == "Cloud"
    assert out["project"] == "PROJ"
    assert out["created"] == "PROJ-11" and out["status"] == "To Do"
    assert out["transitions"] == ["In Progress", "Done"]
    assert out["comments"] == 1
    assert out["search"] == ["PROJ-11", "PROJ-8", "PROJ-9"]
    assert out["count"] == 11
    assert out["missing"] == 404
    assert out["versions"] == ["1.0", "1.1", "2.0"]
    assert out["myFilters"] == ["My open work", "Node bugs"]
    assert out["filter"] == "project = PROJ AND type = Bug"
    assert out["remoteLinks"] == 1 and out["votes"] == 0 and out["voteOwn"] == 404
    assert out["changelog"] == 2 and out["editmeta"] is True
    assert out["bulk"] == ["PROJ-12", "PROJ-13"] and out["newProject"] == "NODE"
    assert out["boards"] == ["PROJ board"]
    assert out["sprintIssues"] == ["PROJ-1", "PROJ-11"]
    assert out["afterBacklog"] == ["PROJ-11"]
    assert out["sprintState"] == "active"
    assert out["sprints"] == ["Sprint 1", "Node sprint"]
    assert out["missingSprint"] == 404
    assert out["mismatches"] == []
    view = server.state(world["id"])["jira"]
    assert view["issues"]["PROJ-11"]["fix_versions"] == ["2.0"] and view["issues"]["PROJ-11"]["sprint"] == "Node sprint"
    assert view["issues"]["PROJ-11"]["status"] == "In Progress"
    assert view["projects"]["NODE"]["lead"] == out["me"]
