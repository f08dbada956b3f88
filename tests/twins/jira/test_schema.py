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
from tests.schemas import Tally, check_library, check_sweep

from .data import BOB, DANA, EMMA, SEED, doc
from .spec import problems

NOW = "2024-03-01T12:00:00Z"
SWEEP_SEED: dict[str, Any] = copy.deepcopy(SEED)
SWEEP_SEED["jira"]["links"] = [{"type": "Blocks", "inward": "PROJ-8", "outward": "PROJ-9"}]
SWEEP_SEED["jira"]["issues"][7]["comments"] = [{"body": "Seen on 17.1 too", "author": "bob@acme.test"}]
SWEEP_SEED["jira"]["issues"][7]["watchers"] = ["bob@acme.test"]
SWEEP_SEED["jira"]["versions"] = [{"project": "PROJ", "name": "1.0", "released": True, "release_date": "2024-02-01"},
                                  {"project": "PROJ", "name": "1.1"}]
SWEEP_SEED["jira"]["components"] = [{"project": "PROJ", "name": "Frontend", "lead": "bob@acme.test"}]
SWEEP_SEED["jira"]["boards"] = [{"name": "PROJ board", "project": "PROJ"}]
SWEEP_SEED["jira"]["sprints"] = [{"board": "PROJ board", "name": "Sprint 1", "state": "active",
                                  "start": "-7d", "end": "+7d", "issues": ["PROJ-8", "PROJ-9"]},
                                 {"board": "PROJ board", "name": "Sprint 2"}]
SWEEP_SEED["jira"]["filters"] = [{"name": "My bugs", "jql": "type = Bug AND assignee = currentUser()"}]

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
    # projects, versions, components
    do("project.create", key="NEW", name="New things", projectTypeKey="software", leadAccountId=DANA)
    do("project.versions", projectIdOrKey="PROJ")
    do("project.versionsPage", projectIdOrKey="PROJ", maxResults=1)
    do("version.create", projectId=10000, name="2.0", releaseDate="2024-06-01", startDate="2024-04-01")
    do("version.get", id="10000")
    do("version.update", id="10001", released=True, releaseDate="2024-03-01")
    do("project.components", projectIdOrKey="PROJ")
    do("component.create", project="PROJ", name="Backend", leadAccountId=BOB, assigneeType="COMPONENT_LEAD")
    do("component.get", id="10000")
    do("component.update", id="10000", description="Everything in the browser")
    do("issue.edit", issueIdOrKey="PROJ-8", fields={"fixVersions": [{"name": "1.1"}], "components": [{"id": "10000"}]},
       update={"versions": [{"add": {"name": "1.0"}}]})
    do("issue.get", issueIdOrKey="PROJ-8", fields="fixVersions,versions,components,customfield_10020,votes")
    do("version.delete", id="10002")
    do("component.delete", id="10001")
    # changelog, editmeta, bulk
    do("issue.changelog", issueIdOrKey="PROJ-8", maxResults=1)
    do("issue.changelog", issueIdOrKey="PROJ-8")
    do("issue.editmeta", issueIdOrKey="PROJ-8")
    do("issue.bulkCreate", issueUpdates=[
        {"fields": {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"}, "summary": "Bulk one"}},
        {"fields": {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"}}}])
    # remote links, votes
    do("remotelink.create", issueIdOrKey="PROJ-8", globalId="pr-1", relationship="mentioned in",
       object={"url": "https://git.example/pr/1", "title": "PR #1", "summary": "Fix Safari",
               "icon": {"url16x16": "https://git.example/favicon.ico", "title": "Git"}},
       application={"type": "com.example.git", "name": "Git"})
    do("remotelink.create", issueIdOrKey="PROJ-8", object={"url": "https://docs.example/a", "title": "Doc"})
    do("remotelink.list", issueIdOrKey="PROJ-8")
    do("remotelink.get", issueIdOrKey="PROJ-8", linkId="10000")
    do("remotelink.update", issueIdOrKey="PROJ-8", linkId="10000", object={"url": "https://git.example/pr/1",
                                                                        "title": "PR #1 (merged)"})
    do("remotelink.delete", issueIdOrKey="PROJ-8", linkId="10001")
    do("votes.add", issueIdOrKey="PROJ-8", actor=BOB)
    do("votes.get", issueIdOrKey="PROJ-8")
    do("votes.remove", issueIdOrKey="PROJ-8", actor=BOB)
    # filters
    do("filter.create", name="Open bugs", jql="project = PROJ AND type = Bug AND resolution = Unresolved",
       description="Triage")
    do("filter.get", id="10000")
    do("filter.update", id="10001", jql="project = PROJ AND type = Bug")
    do("filter.search", filterName="bugs", maxResults=1)
    do("filter.my")
    do("filter.favourite")
    do("filter.delete", id="10001")
    # agile
    do("board.list")
    do("board.list", projectKeyOrId="PROJ", type="scrum", maxResults=1)
    do("board.get", boardId=1)
    do("board.sprints", boardId=1)
    do("board.sprints", boardId=1, state="active")
    do("board.issues", boardId=1, maxResults=2)
    do("board.issues", boardId=1, jql="sprint in openSprints()", fields="summary,status")
    do("board.backlog", boardId=1)
    do("sprint.create", name="Sprint 3", originBoardId=1, goal="Ship it")
    do("sprint.get", sprintId=1)
    do("sprint.issues", sprintId=1)
    do("sprint.moveIssues", sprintId=2, issues=["PROJ-1", "PROJ-2"])
    do("backlog.moveIssues", issues=["PROJ-2"])
    do("sprint.partialUpdate", sprintId=3, goal="Ship it all")
    do("sprint.update", sprintId=1, state="closed")
    do("sprint.update", sprintId=2, state="active", startDate="2024-03-01T12:00:00.000+0000",
       endDate="2024-03-15T12:00:00.000+0000")
    do("sprint.delete", sprintId=3)
    do("search.jql", jql="sprint = 2 AND fixVersion = 1.1 OR component = Frontend", fields="summary")
    do("filter.create", name="Board filter", jql="project = PROJ")
    do("board.create", name="Kanban", type="kanban", filterId=10002, location={"type": "project",
                                                                              "projectKeyOrId": "PROJ"})
    do("board.delete", boardId=3)
    do("issue.delete", issueIdOrKey="PROJ-12")
    do("issue.delete", issueIdOrKey="PROJ-11")
    # dynamic webhooks (a receiver on this machine: the twin refuses any other URL)
    do("webhook.register", url="http://127.0.0.1:9/jira", webhooks=[
        {"events": ["jira:issue_created", "jira:issue_updated"], "jqlFilter": "project = PROJ",
         "fieldIdsFilter": ["summary"]}, {"events": ["comment_created"], "jqlFilter": "project = ("}])
    do("webhook.list")
    do("webhook.list", maxResults=1, startAt=0)
    do("webhook.refresh", webhookIds=[1])
    do("webhook.delete", webhookIds=[1, 99])

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
    do("project.create", key="NEW", name="Again", projectTypeKey="software")
    do("project.create", key="x1", name="", projectTypeKey="software", actor=BOB)
    do("project.create", key="OK", name="Fine", projectTypeKey="nope")
    do("project.versions", projectIdOrKey="NOPE")
    do("project.versionsPage", projectIdOrKey="PROJ", startAt=-1)
    do("version.create", projectId=10000, name="1.0")
    do("version.create", projectId=10000, name="x", releaseDate="soon")
    do("version.create", projectId=10000, name="3.0", actor=BOB)
    do("version.get", id="999")
    do("version.update", id="10000", name="")
    do("version.delete", id="999")
    do("project.components", projectIdOrKey="NOPE")
    do("component.create", project="PROJ", name="Frontend")
    do("component.get", id="999")
    do("component.update", id="10000", assigneeType="SOMEONE")
    do("component.delete", id="999")
    do("issue.edit", issueIdOrKey="PROJ-8", fields={"fixVersions": [{"name": "9.9"}]})
    do("issue.changelog", issueIdOrKey="PROJ-999")
    do("issue.editmeta", issueIdOrKey="PROJ-999")
    do("issue.bulkCreate", issueUpdates=[{"fields": {"project": {"key": "NOPE"}}}])
    do("issue.bulkCreate", issueUpdates=[])
    do("remotelink.list", issueIdOrKey="PROJ-999")
    do("remotelink.create", issueIdOrKey="PROJ-8", object={"title": "no url"})
    do("remotelink.get", issueIdOrKey="PROJ-8", linkId="999")
    do("remotelink.update", issueIdOrKey="PROJ-8", linkId="999", object={"url": "https://x", "title": "x"})
    do("remotelink.delete", issueIdOrKey="PROJ-8", linkId="999")
    do("votes.get", issueIdOrKey="PROJ-999")
    do("votes.add", issueIdOrKey="PROJ-11")
    do("votes.remove", issueIdOrKey="PROJ-999")
    do("filter.create", name="Broken", jql="project = ")
    do("filter.create", name="", jql="project = PROJ")
    do("filter.get", id="999")
    do("filter.update", id="10000", name="Mine now", actor=BOB)
    do("filter.delete", id="999")
    do("filter.search", orderBy="color")
    do("filter.my", actor="nobody")
    do("filter.favourite", actor="nobody")
    do("webhook.register", url="https://example.com/jira", webhooks=[{"events": ["jira:issue_created"],
                                                                      "jqlFilter": "project = PROJ"}])
    do("webhook.register", url="http://127.0.0.1:9/jira", webhooks=[])
    do("webhook.list", startAt=-1)
    do("webhook.refresh", webhookIds=[])
    do("webhook.delete", webhookIds=[])
    do("board.list", startAt=-1)
    do("board.get", boardId=999)
    do("board.delete", boardId=999)
    do("board.create", name="No filter", type="scrum", filterId=999)
    do("board.sprints", boardId=999)
    do("board.sprints", boardId=1, state="later")
    do("board.issues", boardId=999)
    do("board.issues", boardId=1, jql="sprint = Nope")
    do("board.backlog", boardId=999)
    do("sprint.create", name="Sprint X", originBoardId=999)
    do("sprint.create", originBoardId=1)
    do("sprint.get", sprintId=999)
    do("sprint.issues", sprintId=999)
    do("sprint.moveIssues", sprintId=1, issues=["PROJ-3"])
    do("sprint.moveIssues", sprintId=2, issues=["PROJ-999"])
    do("backlog.moveIssues", issues=[])
    do("sprint.update", sprintId=1, state="active")
    do("sprint.partialUpdate", sprintId=999, name="x")
    do("sprint.delete", sprintId=999)
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
    check_library(tally, problems)


async def test_every_operation_answers_match_the_spec(tally: Tally) -> None:
    check_sweep(tally, await sweep(), problems, TWIN.ops.ops)
