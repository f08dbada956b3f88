"""atlassian-python-api's Jira client (cloud=True), unmodified, against a real `dtu serve`."""

from __future__ import annotations

import io
from typing import Any

import pytest
from atlassian import Jira
from requests import HTTPError

from .data import BOB, BOBBY, doc

pytestmark = pytest.mark.sdk("python", "atlassian-python-api")


def test_create_and_get(atl: Jira) -> None:
    made = atl.issue_create({"project": {"key": "PROJ"}, "summary": "Flaky CI", "issuetype": {"name": "Bug"},
                             "priority": {"name": "High"}, "description": "It fails on Tuesdays"})
    assert set(made) == {"id", "key", "self"}
    assert made["self"].endswith(f"/rest/api/2/issue/{made['id']}")
    got = atl.issue(made["key"])
    assert got["fields"]["priority"]["name"] == "High"
    assert got["fields"]["description"] == "It fails on Tuesdays"


def test_enhanced_jql_pages_with_tokens(atl: Jira) -> None:
    page = atl.enhanced_jql("project = PROJ ORDER BY key ASC", fields="summary,status", limit=3)
    assert [i["key"] for i in page["issues"]] == ["PROJ-1", "PROJ-2", "PROJ-3"]
    assert page["isLast"] is False and "total" not in page
    assert set(page["issues"][0]["fields"]) == {"summary", "status"}
    nxt = atl.enhanced_jql("project = PROJ ORDER BY key ASC", nextPageToken=page["nextPageToken"], limit=3)
    assert nxt["issues"][0]["key"] == "PROJ-4"
    everything = atl.enhanced_jql_get_list_of_tickets("project = PROJ", limit=None)
    assert len(everything) == 10


def test_search_jql_is_v3_and_renders_adf(atl: Jira) -> None:
    page = atl.enhanced_jql("key = PROJ-8", fields="description")
    assert page["issues"][0]["fields"]["description"] == doc("Steps: open login in Safari 17")
    v2 = atl.issue("PROJ-8", fields="description")
    assert v2["fields"]["description"] == "Steps: open login in Safari 17"


def test_set_status_by_name_and_errors(atl: Jira) -> None:
    assert [t["to"] for t in atl.get_issue_transitions("PROJ-8")] == ["To Do", "Done"]
    atl.set_issue_status("PROJ-8", "Done")
    assert atl.get_issue_status("PROJ-8") == "Done"
    with pytest.raises(HTTPError) as e:
        atl.set_issue_status("PROJ-8", "In Review")  # not a status of the simplified workflow
    assert e.value.response.status_code == 400


def test_assign_comment_watch(atl: Jira) -> None:
    atl.assign_issue("PROJ-2", BOBBY)
    assert atl.issue("PROJ-2")["fields"]["assignee"]["displayName"] == "Bobby Tables"
    c = atl.issue_add_comment("PROJ-2", "Picking this up")
    assert c["body"] == "Picking this up"
    assert atl.issue_get_comments("PROJ-2")["total"] == 1
    atl.issue_add_watcher("PROJ-2", BOB)
    assert atl.issue_get_watchers("PROJ-2")["watchCount"] == 1


def test_link_and_attachment(atl: Jira, tmp_path: Any) -> None:
    atl.create_issue_link({"type": {"name": "Blocks"}, "inwardIssue": {"key": "PROJ-9"},
                           "outwardIssue": {"key": "PROJ-1"}})
    links = atl.issue("PROJ-9")["fields"]["issuelinks"]
    assert links[0]["type"]["outward"] == "blocks" and links[0]["outwardIssue"]["key"] == "PROJ-1"
    out = atl.add_attachment_object("PROJ-9", io.BytesIO(b"log line"))
    assert out[0]["size"] == 8


def test_http_errors(atl: Jira) -> None:
    with pytest.raises(HTTPError) as e:
        atl.issue("PROJ-404")
    assert e.value.response.status_code == 404
    assert str(e.value) == "Issue does not exist or you do not have permission to see it."
    with pytest.raises(HTTPError) as e:
        atl.enhanced_jql("project = PROJ AND (status = Done")
    assert e.value.response.status_code == 400
    assert e.value.response.json()["errorMessages"][0].startswith("Error in the JQL Query:")
    with pytest.raises(HTTPError) as e:
        atl.issue_create({"project": {"key": "NOPE"}, "summary": "x", "issuetype": {"name": "Task"}})
    assert e.value.response.json()["errors"]["project"] == "Specify a valid project ID or key"


def test_bad_password_is_401(world: dict[str, Any]) -> None:
    bad = Jira(world["env"]["JIRA_URL"], username="dana@acme.test", password="nope", cloud=True)
    with pytest.raises(HTTPError) as e:
        bad.myself()
    assert e.value.response.status_code == 401


def test_create_project_changelog_and_agile(atl: Jira, server: Any, world: dict[str, Any]) -> None:
    made = atl.create_project_from_raw_json({"key": "WEB", "name": "Website", "projectTypeKey": "software",
                                             "projectTemplateKey": "com.pyxis.greenhopper.jira:gh-simplified-scrum-classic",
                                             "leadAccountId": BOB})
    assert made["key"] == "WEB" and isinstance(made["id"], int)
    with pytest.raises(HTTPError) as e:
        atl.create_project_from_raw_json({"key": "WEB", "name": "Again", "projectTypeKey": "software"})
    assert e.value.response.status_code == 400
    assert "projectKey" in e.value.response.json()["errors"]
    issue = atl.issue_create({"project": {"key": "WEB"}, "summary": "Landing page", "issuetype": {"name": "Story"}})
    atl.set_issue_status(issue["key"], "In Progress")
    atl.set_issue_status(issue["key"], "Done")
    log = atl.get_issue_changelog(issue["key"], start=0, limit=1)
    assert (log["total"], log["isLast"], len(log["values"])) == (2, False, 1)
    assert log["values"][0]["items"][0]["toString"] == "In Progress"
    boards = atl.get_all_agile_boards(project_key="WEB")["values"]
    assert [b["name"] for b in boards] == ["WEB board"]
    sprint = atl.create_sprint("WEB 1", boards[0]["id"], goal="Launch")
    atl.update_partially_sprint(sprint["id"], {"goal": "Launch on time"})
    assert atl.get_all_sprints_from_board(boards[0]["id"])["values"][0]["goal"] == "Launch on time"
    atl.delete_sprint(sprint["id"])
    assert atl.get_all_sprints_from_board(boards[0]["id"])["values"] == []
    view = server.state(world["id"])["jira"]
    assert view["projects"]["WEB"]["lead"] == BOB
    assert view["projects"]["WEB"]["statuses"] == ["To Do", "In Progress", "Done"]
    assert view["issues"][issue["key"]]["status"] == "Done"
