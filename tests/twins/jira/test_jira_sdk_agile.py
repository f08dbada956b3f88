"""jira (pycontribs), unmodified, against a real `dtu serve`: the agile API, versions, components,
filters, remote links, votes, bulk create and editmeta."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from jira import JIRA, JIRAError

from .data import BOB, SEED

pytestmark = pytest.mark.sdk("python", "jira")

AGILE_SEED: dict[str, Any] = copy.deepcopy(SEED)
AGILE_SEED["jira"].update({
    "versions": [{"project": "PROJ", "name": "1.0", "released": True, "release_date": "2024-02-01"},
                 {"project": "PROJ", "name": "1.1", "release_date": "2024-04-01"}],
    "components": [{"project": "PROJ", "name": "Frontend", "lead": "bob@acme.test"}],
    "sprints": [{"board": "PROJ board", "name": "Sprint 1", "state": "active", "start": "-7d", "end": "+7d",
                 "issues": ["PROJ-8", "PROJ-9"]}],
    "filters": [{"name": "My open work", "jql": "assignee = currentUser() AND resolution = Unresolved"}],
})


@pytest.fixture
def world(make_world: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_world(AGILE_SEED, now="2024-03-01T12:00:00Z")


@pytest.fixture
def j(world: dict[str, Any]) -> JIRA:
    env = world["env"]
    return JIRA(server=env["JIRA_URL"], basic_auth=("dana@acme.test", env["JIRA_TOKEN"]),
                options={"rest_api_version": "3"}, max_retries=0)


def state(server: Any, world: dict[str, Any]) -> dict[str, Any]:
    return server.state(world["id"])["jira"]


def test_boards_sprints_and_backlog(j: JIRA, world: dict[str, Any], server: Any) -> None:
    boards = j.boards()
    assert [(b.name, b.type) for b in boards] == [("PROJ board", "scrum"), ("SEC board", "scrum")]
    board = boards[0]
    assert board.location.projectKey == "PROJ"
    active = j.sprints(board.id, state="active")
    assert [s.name for s in active] == ["Sprint 1"]
    sprint = j.create_sprint("Sprint 2", board.id, goal="Polish")
    assert (sprint.state, sprint.originBoardId, sprint.goal) == ("future", board.id, "Polish")
    j.add_issues_to_sprint(sprint.id, ["PROJ-1", "PROJ-2"])
    assert {i.key for i in j.search_issues(f"sprint = {sprint.id}")} == {"PROJ-1", "PROJ-2"}
    j.move_to_backlog(["PROJ-2"])
    backlog = j._get_json(f"board/{board.id}/backlog", base=j.AGILE_BASE_URL)
    keys = [i["key"] for i in backlog["issues"]]
    assert "PROJ-2" in keys and "PROJ-1" not in keys and "PROJ-10" not in keys  # PROJ-10 is done
    j.update_sprint(active[0].id, state="closed")
    started = j.update_sprint(sprint.id, name="Sprint 2", state="active", startDate="2024-03-01T12:00:00.000+0000",
                              endDate="2024-03-15T12:00:00.000+0000")
    assert started["state"] == "active"
    with pytest.raises(JIRAError) as e:
        j.add_issues_to_sprint(active[0].id, ["PROJ-3"])
    assert e.value.status_code == 400
    view = state(server, world)
    assert view["sprints"][str(sprint.id)]["issues"] == ["PROJ-1"]
    assert view["sprints"][str(active[0].id)]["state"] == "closed"
    assert view["issues"]["PROJ-8"]["sprint"] is None  # open issues of a closed sprint return to the backlog
    assert view["issues"]["PROJ-1"]["sprint"] == "Sprint 2"
    with pytest.raises(JIRAError) as e:
        j.sprint(999)
    assert e.value.status_code == 404


def test_versions_and_components(j: JIRA, world: dict[str, Any], server: Any) -> None:
    assert [v.name for v in j.project_versions("PROJ")] == ["1.0", "1.1"]
    v = j.create_version("2.0", "PROJ", description="Big one", releaseDate="2024-06-01")
    assert (v.name, v.released, v.releaseDate) == ("2.0", False, "2024-06-01")
    j.version(v.id).update(released=True)
    assert j.version(v.id).released is True
    with pytest.raises(JIRAError) as e:
        j.create_version("1.0", "PROJ")
    assert e.value.status_code == 400
    comp = j.create_component("Backend", "PROJ", description="APIs")
    j.component(comp.id).update(leadAccountId=BOB, assigneeType="COMPONENT_LEAD")
    assert j.component(comp.id).lead.accountId == BOB
    assert sorted(c.name for c in j.project_components("PROJ")) == ["Backend", "Frontend"]
    issue = j.issue("PROJ-8")
    issue.update(fields={"fixVersions": [{"name": "2.0"}], "components": [{"name": "Backend"}]})
    got = j.issue("PROJ-8")
    assert [x.name for x in got.fields.fixVersions] == ["2.0"]
    assert [x.name for x in got.fields.components] == ["Backend"]
    assert [i.key for i in j.search_issues('fixVersion = "2.0" AND component = Backend')] == ["PROJ-8"]
    j.component(comp.id).delete()
    view = state(server, world)
    assert view["issues"]["PROJ-8"]["components"] == [] and view["issues"]["PROJ-8"]["fix_versions"] == ["2.0"]
    assert [x["name"] for x in view["versions"]] == ["1.0", "1.1", "2.0"]


def test_filters(j: JIRA, world: dict[str, Any], server: Any) -> None:
    f = j.create_filter("Open bugs", "Triage queue", "project = PROJ AND type = Bug", favourite=True)
    assert (f.name, f.jql, f.favourite) == ("Open bugs", "project = PROJ AND type = Bug", True)
    assert j.filter(f.id).owner.accountId == j.myself()["accountId"]
    assert {x.name for x in j.favourite_filters()} == {"My open work", "Open bugs"}
    j.update_filter(f.id, name="Open bugs", jql="project = PROJ AND type = Bug AND resolution = Unresolved")
    assert j.filter(f.id).jql.endswith("resolution = Unresolved")
    with pytest.raises(JIRAError) as e:
        j.create_filter("Broken", jql="project = ")
    assert e.value.status_code == 400
    assert "jql" in e.value.response.json()["errors"]
    assert state(server, world)["filters"][f.id]["name"] == "Open bugs"


def test_remote_links_votes_bulk_and_editmeta(j: JIRA, world: dict[str, Any], server: Any) -> None:
    link = j.add_simple_link("PROJ-8", {"url": "https://git.example/pr/7", "title": "PR #7"})
    assert [r.object.title for r in j.remote_links("PROJ-8")] == ["PR #7"]
    assert j.remote_link("PROJ-8", link.id).object.url == "https://git.example/pr/7"
    with pytest.raises(JIRAError) as e:
        j.add_vote("PROJ-8")  # Dana reported it
    assert e.value.status_code == 404
    made = j.create_issues([{"project": {"key": "PROJ"}, "summary": "Bulk A", "issuetype": {"name": "Task"}},
                            {"project": {"key": "PROJ"}, "summary": "Bulk B", "issuetype": {"name": "Bug"}}])
    assert [m["status"] for m in made] == ["Success", "Success"]
    assert [m["issue"].key for m in made] == ["PROJ-11", "PROJ-12"]
    meta = j.editmeta("PROJ-8")["fields"]
    assert {"summary", "fixVersions", "components", "labels"} <= set(meta)
    assert [v["name"] for v in meta["fixVersions"]["allowedValues"]] == ["1.0", "1.1"]
    votes = j.votes("PROJ-8")
    assert (votes.votes, votes.hasVoted) == (0, False)
    view = state(server, world)
    assert view["issues"]["PROJ-8"]["remote_links"][0]["title"] == "PR #7"
    assert view["issues"]["PROJ-12"]["type"] == "Bug"
