"""jira (pycontribs), unmodified, against a real `dtu serve`, over REST v2 and v3."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from jira import JIRA, JIRAError

from .data import BOB, DANA, OLD, doc

pytestmark = pytest.mark.sdk("python", "jira")


def rich(j: JIRA, text: str) -> Any:
    """A rich-text value as the client's REST version wants it."""
    return doc(text) if j._options["rest_api_version"] == "3" else text


def test_constructor_reads_server_info(jira: JIRA) -> None:
    assert jira.deploymentType == "Cloud"
    assert jira._is_cloud
    assert jira.myself()["accountId"] == DANA


def test_create_get_and_body_format(jira: JIRA) -> None:
    v3 = jira._options["rest_api_version"] == "3"
    issue = jira.create_issue(project="PROJ", summary="Add dark mode", issuetype={"name": "Story"},
                              description=rich(jira, "Users keep asking."), labels=["ui"])
    assert issue.key == "PROJ-11"
    assert issue.id.isdigit()
    got = jira.issue(issue.key)
    assert got.fields.summary == "Add dark mode"
    assert got.fields.status.name == "To Do"
    assert got.fields.issuetype.name == "Story"
    assert got.fields.reporter.accountId == DANA
    assert got.fields.labels == ["ui"]
    assert re.fullmatch(r"2024-03-01T12:\d\d:\d\d\.000\+0000", got.fields.created)
    if v3:
        assert got.raw["fields"]["description"] == doc("Users keep asking.")
    else:
        assert got.fields.description == "Users keep asking."


def test_create_by_type_name_resolves_through_project(jira: JIRA) -> None:
    issue = jira.create_issue(project="PROJ", summary="Typed by name", issuetype="Bug")
    assert issue.fields.issuetype.name == "Bug"


def test_wrong_body_format_for_version_is_400(jira: JIRA) -> None:
    wrong = "plain text" if jira._options["rest_api_version"] == "3" else doc("adf")
    with pytest.raises(JIRAError) as e:
        jira.create_issue(project="PROJ", summary="x", issuetype={"name": "Task"}, description=wrong)
    assert e.value.status_code == 400
    assert "description" in e.value.response.json()["errors"]


def test_missing_summary_is_400_with_field_error(jira: JIRA) -> None:
    with pytest.raises(JIRAError) as e:
        jira.create_issue(fields={"project": {"key": "PROJ"}, "issuetype": {"name": "Task"}})
    assert e.value.status_code == 400
    body = e.value.response.json()
    assert body["errors"] == {"summary": "You must specify a summary of the issue."}
    assert body["errorMessages"] == []


def test_unknown_issue_is_404(jira: JIRA) -> None:
    with pytest.raises(JIRAError) as e:
        jira.issue("PROJ-999")
    assert e.value.status_code == 404
    assert e.value.text == "Issue does not exist or you do not have permission to see it."


def test_search_across_pages(jira: JIRA) -> None:
    first = jira.enhanced_search_issues("project = PROJ ORDER BY key ASC", maxResults=4)
    assert [i.key for i in first] == ["PROJ-1", "PROJ-2", "PROJ-3", "PROJ-4"]
    token = first.nextPageToken
    assert token
    second = jira.enhanced_search_issues("project = PROJ ORDER BY key ASC", maxResults=4, nextPageToken=token)
    assert [i.key for i in second] == ["PROJ-5", "PROJ-6", "PROJ-7", "PROJ-8"]
    everything = jira.search_issues("project = PROJ ORDER BY key ASC", maxResults=False)
    assert len(everything) == 10
    assert everything[-1].key == "PROJ-10"


def test_search_jql_semantics(jira: JIRA) -> None:
    keys = lambda q: [i.key for i in jira.search_issues(q, maxResults=False)]  # noqa: E731
    assert keys('project = PROJ AND status = "In Progress"') == ["PROJ-8"]
    assert keys("assignee = currentUser()") == ["PROJ-10"]
    assert keys("summary ~ crash ORDER BY priority DESC") == ["PROJ-9", "PROJ-8"]
    assert keys("project = PROJ AND created >= -7d ORDER BY created ASC") == ["PROJ-8", "PROJ-9"]
    assert keys("labels in (frontend, nope) OR priority = Highest ORDER BY key") == ["PROJ-8", "PROJ-9"]
    assert keys("project = PROJ AND statusCategory = Done") == ["PROJ-10"]
    assert "SEC-1" in keys("project in (PROJ, SEC) AND priority = High")


def test_bad_jql_is_400_with_error_messages(jira: JIRA) -> None:
    with pytest.raises(JIRAError) as e:
        jira.search_issues("project = PROJ AND status = Nope")
    assert e.value.status_code == 400
    assert e.value.response.json()["errorMessages"] == ["The value 'Nope' does not exist for the field 'status'."]
    with pytest.raises(JIRAError) as e:
        jira.search_issues("project PROJ")
    assert "Expecting operator" in e.value.text


def test_transition_by_name_follows_the_workflow(jira: JIRA) -> None:
    issue = jira.issue("PROJ-1")
    names = [t["name"] for t in jira.transitions(issue)]
    assert names == ["In Progress", "Done"]  # the simplified workflow: named after the target, from anywhere
    with pytest.raises(JIRAError) as e:
        jira.transition_issue(issue, "41")  # no such transition in this workflow
    assert e.value.status_code == 400
    jira.transition_issue(issue, "In Progress")
    jira.transition_issue(issue, "Done", comment=rich(jira, "shipped"))
    got = jira.issue("PROJ-1")
    assert got.fields.status.name == "Done"
    assert got.fields.status.statusCategory.key == "done"
    assert got.fields.resolution.name == "Done"
    assert got.fields.comment.comments[-1].raw["body"] in ("shipped", doc("shipped"))


def test_assign_by_account_id(jira: JIRA) -> None:
    jira.assign_issue("PROJ-1", BOB)
    assert jira.issue("PROJ-1").fields.assignee.accountId == BOB
    jira.assign_issue("PROJ-1", None)
    assert jira.issue("PROJ-1").fields.assignee is None


def test_inactive_user_cannot_be_assigned(jira: JIRA) -> None:
    url = jira._get_url("issue/PROJ-1/assignee")
    with pytest.raises(JIRAError) as e:
        jira._session.put(url, data='{"accountId": "' + OLD + '"}')
    assert e.value.status_code == 400
    assert e.value.response.json()["errors"] == {"assignee": "User 'Old Timer' cannot be assigned issues."}
    assert jira.issue("PROJ-1").fields.assignee is None


def test_comments_list_update_delete(jira: JIRA) -> None:
    c = jira.add_comment("PROJ-2", rich(jira, "first look"))
    assert c.id.isdigit()
    assert c.author.accountId == DANA
    c.update(body=rich(jira, "second look"))
    listed = jira.comments("PROJ-2")
    assert [x.raw["body"] for x in listed] == [rich(jira, "second look")]
    c.delete()
    assert jira.comments("PROJ-2") == []


def test_link_watch_worklog_attach(jira: JIRA) -> None:
    jira.create_issue_link("Duplicate", "PROJ-9", "PROJ-8")
    links = jira.issue("PROJ-9").fields.issuelinks
    assert [(lk.type.name, lk.outwardIssue.key) for lk in links] == [("Duplicate", "PROJ-8")]
    assert jira.issue("PROJ-8").fields.issuelinks[0].inwardIssue.key == "PROJ-9"
    jira.add_watcher("PROJ-8", BOB)
    assert [u.accountId for u in jira.watchers("PROJ-8").watchers] == [BOB]
    wl = jira.add_worklog("PROJ-8", timeSpent="1d 2h")
    assert wl.timeSpentSeconds == 36000
    assert [w.timeSpent for w in jira.worklogs("PROJ-8")] == ["1d 2h"]
    att = jira.add_attachment("PROJ-8", io.BytesIO(b"stack trace"), filename="trace.txt")
    assert (att.filename, att.size) == ("trace.txt", 11)
    assert jira.attachment(att.id).get() == b"stack trace"


def test_edit_and_forbidden_fields(jira: JIRA) -> None:
    issue = jira.issue("PROJ-3")
    issue.update(summary="Renamed", fields={"labels": ["backlog", "q2"]})
    assert jira.issue("PROJ-3").fields.labels == ["backlog", "q2"]
    with pytest.raises(JIRAError) as e:
        issue.update(fields={"status": {"name": "Done"}})
    assert e.value.status_code == 400
    assert "status" in e.value.response.json()["errors"]


def test_private_project_is_invisible_to_outsiders(server: Any, world: dict[str, Any]) -> None:
    from .data import EMMA

    tok = server.admin("POST", f"/_dtu/worlds/{world['id']}/tokens", {"actors": {"jira": EMMA}})["token"]
    j = JIRA(server=world["env"]["JIRA_URL"], basic_auth=("emma@acme.test", tok), max_retries=0)
    with pytest.raises(JIRAError) as e:
        j.issue("SEC-1")
    assert e.value.status_code == 404
    assert [i.key for i in j.search_issues("priority = High", maxResults=False)] == ["PROJ-8"]
    with pytest.raises(JIRAError) as e:
        j.issue("PROJ-1").delete()
    assert e.value.status_code == 403


def test_bad_token_is_401(world: dict[str, Any]) -> None:
    with pytest.raises(JIRAError) as e:
        JIRA(server=world["env"]["JIRA_URL"], basic_auth=("dana@acme.test", "wrong"), max_retries=0)
    assert e.value.status_code == 401


def test_create_meta_and_catalogs(jira_for: Callable[[str], JIRA]) -> None:
    j = jira_for("3")
    assert [t.name for t in j.issue_types()][:3] == ["Task", "Bug", "Story"]
    assert next(p.name for p in j.priorities()) == "Highest"
    assert {s.name for s in j.statuses()} >= {"To Do", "In Progress", "Done"}
    assert [p.key for p in j.projects()] == ["PROJ", "SEC"]
    assert any("summary" in f["clauseNames"] for f in j.fields())
    users = j.search_users(query="bob")
    assert [u.displayName for u in users] == ["Bob Builder", "Bobby Tables"]
    meta = j._get_json("issue/createmeta/PROJ/issuetypes")
    assert meta["total"] == len(meta["issueTypes"]) == 5
