"""Every Jira answer against Atlassian's published OpenAPI specs (twins/jira/schema/, see its
PROVENANCE.md and tests/twins/jira/spec.py for how an answer is matched to its response schema):
the bundled library's calls plus a sweep of every registered operation, success and error cases
alike, in-process (door 1 answers what the HTTP door sends). Remaining deviations are listed in
twins/jira/README.md ("Schema deviations")."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dtu.twins.core import SeedImage, World, parse_time
from dtu.twins.jira import TWIN
from tests.schemas import Tally, library_calls

from .data import BOB, DANA, EMMA, SEED, doc
from .spec import problems

NOW = "2024-03-01T12:00:00Z"
SWEEP_SEED: dict[str, Any] = copy.deepcopy(SEED)
SWEEP_SEED["jira"]["links"] = [{"type": "Blocks", "inward": "PROJ-8", "outward": "PROJ-9"}]
SWEEP_SEED["jira"]["issues"][7]["comments"] = [{"body": "Seen on 17.1 too", "author": "bob@acme.test"}]
SWEEP_SEED["jira"]["issues"][7]["watchers"] = ["bob@acme.test"]

Script = list[tuple[str, dict[str, Any], str | None]]


def script() -> Script:
    """(operation, args, acting user) for every operation: successes, then errors."""
    calls: Script = []

    def do(op: str, actor: str | None = None, **args: Any) -> None:
        calls.append((op, {"v": "3", **args}, actor))

    # metadata
    do("serverInfo")
    do("myself")
    do("field.list")
    do("user.search", query="bo")
    do("users.search")
    do("users.search", maxResults=2, startAt=1)
    do("user.assignable", project="PROJ")
    do("user.assignable", issueKey="PROJ-1")
    do("user.get", accountId=BOB)
    do("project.list")
    do("project.list", expand="lead,issueTypes")
    do("project.search", maxResults=1)
    do("project.search", expand="lead")
    do("project.get", projectIdOrKey="PROJ")
    do("issuetype.list")
    do("issuetype.get", id="10002")
    do("priority.list")
    do("status.list")
    do("resolution.list")
    do("createmeta.issuetypes", projectIdOrKey="PROJ")
    do("createmeta.fields", projectIdOrKey="PROJ", issueTypeId="10002")
    # issues
    do("issue.create", fields={"project": {"key": "PROJ"}, "issuetype": {"name": "Bug"}, "summary": "Schema",
                               "description": doc("Checked"), "labels": ["x"], "priority": {"name": "High"}})
    do("issue.create", fields={"project": {"key": "PROJ"}, "issuetype": {"name": "Subtask"}, "summary": "Sub",
                               "parent": {"key": "PROJ-8"}})
    do("issue.get", issueIdOrKey="PROJ-8")
    do("issue.get", issueIdOrKey="PROJ-8", v="2", expand="renderedFields,names,changelog,transitions")
    do("issue.get", issueIdOrKey="PROJ-12", fields="summary,status,parent")
    do("issue.get", issueIdOrKey="PROJ-10", fields="*navigable")
    do("issue.edit", issueIdOrKey="PROJ-8", fields={"summary": "Login page crashes on Safari 17"},
       update={"labels": [{"add": "p1"}]})
    do("issue.edit", issueIdOrKey="PROJ-8", fields={"duedate": "2024-04-01"}, returnIssue=True)
    do("issue.assign", issueIdOrKey="PROJ-1", accountId=BOB)
    do("issue.transitions", issueIdOrKey="PROJ-1")
    do("issue.transitions", issueIdOrKey="PROJ-1", expand="transitions.fields")
    do("issue.transition", issueIdOrKey="PROJ-1", transition={"id": "21"})
    do("issue.transition", issueIdOrKey="PROJ-1", transition={"id": "31"}, fields={"resolution": {"name": "Done"}})
    do("issue.get", issueIdOrKey="PROJ-1", expand="changelog")
    # comments, watchers, worklogs
    do("comment.list", issueIdOrKey="PROJ-8")
    do("comment.add", issueIdOrKey="PROJ-8", body=doc("A comment"))
    do("comment.add", issueIdOrKey="PROJ-8", v="2", body="A v2 comment")
    do("comment.get", issueIdOrKey="PROJ-8", id="10000")
    do("comment.update", issueIdOrKey="PROJ-8", id="10001", body=doc("Edited"))
    do("comment.delete", issueIdOrKey="PROJ-8", id="10002")
    do("watchers.get", issueIdOrKey="PROJ-8")
    do("watchers.add", issueIdOrKey="PROJ-8", accountId=DANA)
    do("watchers.remove", issueIdOrKey="PROJ-8", accountId=BOB)
    do("worklog.add", issueIdOrKey="PROJ-8", timeSpent="1h 30m", comment=doc("Debugging"))
    do("worklog.add", issueIdOrKey="PROJ-8", timeSpentSeconds=600)
    do("worklog.list", issueIdOrKey="PROJ-8")
    # links and attachments
    do("issueLinkType.list")
    do("issueLinkType.get", issueLinkTypeId="10000")
    do("issueLink.create", type={"name": "Relates"}, inwardIssue={"key": "PROJ-1"}, outwardIssue={"key": "PROJ-2"})
    do("issueLink.get", linkId="10000")
    do("issue.get", issueIdOrKey="PROJ-1", fields="issuelinks")
    do("issueLink.delete", linkId="10001")
    do("attachment.add", issueIdOrKey="PROJ-8", filename="notes.txt", content="hello")
    do("attachment.get", id="10000")
    do("attachment.content", id="10000")
    do("issue.get", issueIdOrKey="PROJ-8", fields="attachment")
    do("attachment.delete", id="10000")
    # search
    do("search.jql", jql="project = PROJ ORDER BY key", maxResults=3)
    do("search.jql", jql="project = PROJ", fields="*all", expand="names")
    do("search.jql", jql="project = PROJ", fields=["summary", "status", "assignee"])
    do("search.count", jql="project = PROJ")
    do("search", jql="project = PROJ", maxResults=2)
    do("search", jql="assignee = currentUser()", fields="*all")
    do("issue.delete", issueIdOrKey="PROJ-12")
    do("issue.delete", issueIdOrKey="PROJ-11")

    # errors
    do("serverInfo", actor="nobody")
    do("myself", actor="nobody")
    do("field.list", actor="nobody")
    do("user.search")
    do("users.search", startAt=-1)
    do("user.assignable")
    do("user.get", accountId="nope")
    do("user.get")
    do("project.list", actor="nobody")
    do("project.search", startAt=-1)
    do("project.get", projectIdOrKey="NOPE")
    do("project.get", projectIdOrKey="SEC", actor=BOB)
    do("issuetype.list", actor="nobody")
    do("issuetype.get", id="999")
    do("priority.list", actor="nobody")
    do("status.list", actor="nobody")
    do("resolution.list", actor="nobody")
    do("createmeta.issuetypes", projectIdOrKey="NOPE")
    do("createmeta.fields", projectIdOrKey="PROJ", issueTypeId="999")
    do("issue.create", fields={"project": {"key": "PROJ"}, "issuetype": {"name": "Bug"}})
    do("issue.create", fields={"project": {"key": "PROJ"}, "issuetype": {"name": "Bug"}, "summary": "x",
                               "description": "not a document"})
    do("issue.get", issueIdOrKey="PROJ-999")
    do("issue.get", issueIdOrKey="SEC-1", actor=BOB)
    do("issue.edit", issueIdOrKey="PROJ-8", fields={"status": {"name": "Done"}})
    do("issue.edit", issueIdOrKey="PROJ-999", fields={"summary": "x"})
    do("issue.delete", issueIdOrKey="PROJ-2", actor=BOB)
    do("issue.delete", issueIdOrKey="PROJ-999")
    do("issue.assign", issueIdOrKey="PROJ-1", accountId="5b10ac8d82e05b22cc7d4e00")
    do("issue.transitions", issueIdOrKey="PROJ-999")
    do("issue.transition", issueIdOrKey="PROJ-2", transition={"id": "999"})
    do("issue.transition", issueIdOrKey="PROJ-2")
    do("comment.list", issueIdOrKey="PROJ-999")
    do("comment.add", issueIdOrKey="PROJ-8", body="plain text in v3")
    do("comment.add", issueIdOrKey="PROJ-8", v="2", body="")
    do("comment.get", issueIdOrKey="PROJ-8", id="999")
    do("comment.update", issueIdOrKey="PROJ-8", id="10000", body=doc("not mine"), actor=EMMA)
    do("comment.delete", issueIdOrKey="PROJ-8", id="999")
    do("watchers.get", issueIdOrKey="PROJ-999")
    do("watchers.add", issueIdOrKey="PROJ-8", accountId="nope")
    do("watchers.remove", issueIdOrKey="PROJ-8")
    do("worklog.list", issueIdOrKey="PROJ-999")
    do("worklog.add", issueIdOrKey="PROJ-8", timeSpent="soon")
    do("issueLinkType.list", actor="nobody")
    do("issueLinkType.get", issueLinkTypeId="999")
    do("issueLink.create", type={"name": "Nope"}, inwardIssue={"key": "PROJ-1"}, outwardIssue={"key": "PROJ-2"})
    do("issueLink.create", type={"name": "Blocks"}, inwardIssue={"key": "PROJ-1"}, outwardIssue={"key": "PROJ-1"})
    do("issueLink.get", linkId="999")
    do("issueLink.delete", linkId="999")
    do("attachment.add", issueIdOrKey="PROJ-999", filename="a.txt", content="x")
    do("attachment.get", id="999")
    do("attachment.content", id="999")
    do("attachment.delete", id="999")
    do("search.jql", jql="")
    do("search.jql", jql="project = ")
    do("search.count", jql="")
    do("search", jql="status = Nope")
    do("search", jql="project = PROJ", startAt=-1)
    return calls


async def sweep() -> list[tuple[str, int, Any]]:
    image = SeedImage({"jira": TWIN}, SWEEP_SEED, 1, parse_time(NOW, 0.0))
    world = World(image, 2, "local")
    out = []
    for op, args, actor in script():
        if actor == "nobody":  # an unauthenticated call: the door's 401
            reply = TWIN.errors.unauthorized(False)
            out.append((op, reply.status, reply.body()))
            continue
        r = await world.invoke("jira", op, args, actor=actor)
        out.append((op, r.status, r.body))
    return out


@pytest.fixture(scope="module")
def tally() -> Tally:
    return Tally("jira")


def test_library_answers_match_the_spec(tally: Tally) -> None:
    calls = library_calls("jira")
    assert calls, "the bundled library made no Jira call"
    for c in calls:
        got = problems(c.op, c.status, c.body)
        if got is not None:
            tally.add(c.op, got, "library")
    tally.assert_share()


async def test_every_operation_answers_match_the_spec(tally: Tally) -> None:
    answers = await sweep()
    seen_ok: set[str] = set()
    seen_err: set[str] = set()
    for op, status, body in answers:
        (seen_ok if status < 400 else seen_err).add(op)
        got = problems(op, status, body)
        assert got is not None, f"{op} is not in the spec"
        tally.add(op, got, "sweep")
    ops = set(TWIN.ops.ops)
    assert ops - seen_ok == set(), "operations the sweep never saw succeed"
    assert ops - seen_err == set(), "operations the sweep never saw fail"
    tally.assert_share()
