"""Jira dynamic webhooks: registered through Jira's own REST API, then issues created, transitioned,
assigned and commented on with the official `jira` client; a receiver on 127.0.0.1 gets the bodies
Jira Cloud POSTs, checked against Atlassian's published example (vendor_examples/, key sets and
types) and, for comments, the REST Comment schema of Atlassian's OpenAPI spec."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from jira import JIRA

from ..conftest import Server
from ..twins.jira.spec import problems
from .receiver import Receiver, missing

pytestmark = pytest.mark.sdk("python", "jira")

DANA, BOB = "5b10a2844c20165700ede21g", "5b10ac8d82e05b22cc7d4ef5"
SEED = {"jira": {"me": "dana@acme.test",
                 "users": [{"account_id": DANA, "name": "Dana Scully", "email": "dana@acme.test", "admin": True},
                           {"account_id": BOB, "name": "Bob Builder", "email": "bob@acme.test"}],
                 "projects": [{"key": "PROJ", "name": "Platform", "lead": "dana@acme.test"},
                              {"key": "OPS", "name": "Operations", "lead": "dana@acme.test"}]}}
EXAMPLE = json.loads((Path(__file__).parent / "vendor_examples" / "jira_issue_updated.json").read_text())


def documented(example: dict[str, Any]) -> dict[str, Any]:
    """Atlassian's example with its two published mistakes put right (vendor_examples/PROVENANCE.md):
    `accoundId` for the REST user's `accountId`, and `active` a string where the REST user has a boolean."""
    out = copy.deepcopy(example)
    out["user"]["accountId"] = out["user"].pop("accoundId")
    out["user"]["active"] = out["user"]["active"] == "true"
    return out


def test_webhooks_deliver_issue_and_comment_events(server: Server,
                                                   make_world: Callable[..., dict[str, Any]]) -> None:
    w = make_world(SEED)
    url = w["env"]["JIRA_URL"]
    auth = ("dana@acme.test", w["env"]["JIRA_TOKEN"])
    with Receiver() as r:
        reg = requests.post(f"{url}/rest/api/3/webhook", auth=auth, timeout=10, json={
            "url": r.url + "/jira",
            "webhooks": [{"events": ["jira:issue_created", "jira:issue_updated", "comment_created"],
                          "jqlFilter": "project = PROJ"},
                         {"events": ["jira:issue_created"], "jqlFilter": "project = OPS AND issuetype = Bug"},
                         {"events": ["worklog_created"], "jqlFilter": "project = PROJ"}]})
        assert reg.status_code == 200
        results = reg.json()["webhookRegistrationResult"]
        proj_hook, ops_hook = results[0]["createdWebhookId"], results[1]["createdWebhookId"]
        assert "errors" in results[2]  # not an event dynamic webhooks can ask for
        listed = requests.get(f"{url}/rest/api/3/webhook", auth=auth, timeout=10).json()
        assert [h["id"] for h in listed["values"]] == [proj_hook, ops_hook] and listed["isLast"] is True

        jira = JIRA(server=url, basic_auth=auth)
        issue = jira.create_issue(project="PROJ", summary="Checkout is slow", issuetype={"name": "Task"})
        jira.create_issue(project="OPS", summary="Disk full", issuetype={"name": "Bug"})
        jira.create_issue(project="OPS", summary="Rotate keys", issuetype={"name": "Task"})  # matches no filter
        move = next(t for t in jira.transitions(issue) if t["to"]["name"] == "In Progress")
        jira.transition_issue(issue, move["id"])
        jira.assign_issue(issue, BOB)
        jira.add_comment(issue, "Profiling shows the tax service")
        server.admin("POST", f"/_dtu/worlds/{w['id']}/deliveries/drain", {})
        got = r.wait(5)

        # a webhook registered elsewhere is refused in Jira's error shape
        far = requests.post(f"{url}/rest/api/3/webhook", auth=auth, timeout=10, json={
            "url": "https://hooks.example.com/jira", "webhooks": [{"events": ["jira:issue_created"],
                                                                   "jqlFilter": "project = PROJ"}]})
        assert far.status_code == 400 and "url" in far.json()["errors"]
        # deleted webhooks get nothing more
        gone = requests.delete(f"{url}/rest/api/3/webhook", auth=auth, timeout=10,
                               json={"webhookIds": [proj_hook, ops_hook]})
        assert gone.status_code == 202
        jira.create_issue(project="PROJ", summary="After the end", issuetype={"name": "Task"})
        server.admin("POST", f"/_dtu/worlds/{w['id']}/deliveries/drain", {})
        assert len(r.requests) == 5

    bodies = [g.json() for g in got]
    assert [b["webhookEvent"] for b in bodies] == ["jira:issue_created", "jira:issue_created", "jira:issue_updated",
                                                   "jira:issue_updated", "comment_created"]
    assert [b["matchedWebhookIds"] for b in bodies] == [[proj_hook], [ops_hook], [proj_hook], [proj_hook], [proj_hook]]
    assert all(g.headers["x-atlassian-webhook-flow"] == "Primary" and g.headers["x-atlassian-webhook-identifier"]
               for g in got)
    assert len({g.headers["x-atlassian-webhook-identifier"] for g in got}) == 5
    created, _, moved, assigned, commented = bodies
    assert created["issue"]["key"] == issue.key and created["issue_event_type_name"] == "issue_created"
    assert created["issue"]["self"].startswith(url) and created["user"]["accountId"] == DANA
    status = next(i for i in moved["changelog"]["items"] if i["field"] == "status")
    assert (status["fromString"], status["toString"]) == ("To Do", "In Progress")
    assert assigned["issue_event_type_name"] == "issue_assigned"
    assert assigned["changelog"]["items"][0]["field"] == "assignee" and assigned["changelog"]["items"][0]["to"] == BOB

    # the shape Atlassian publishes: every key of its example, with the same types
    example = documented(EXAMPLE)
    for body in (moved, assigned):
        assert missing(example, body) == []
    assert missing({k: v for k, v in example.items() if k != "changelog"}, created) == []
    # a comment is the REST comment (Atlassian: "the same shape returned ... when a comment is retrieved")
    assert commented["comment"]["body"] == "Profiling shows the tax service"
    assert problems("comment.get", 200, commented["comment"]) == []
    assert commented["issue"]["key"] == issue.key and commented["issue"]["fields"]["assignee"]["accountId"] == BOB

    calls = server.admin("GET", f"/_dtu/worlds/{w['id']}/calls")
    delivered = [c for c in calls if c.get("actor") == "dtu"]
    assert [c["op"] for c in delivered] == ["deliver:jira:issue_created", "deliver:jira:issue_created",
                                            "deliver:jira:issue_updated", "deliver:jira:issue_updated",
                                            "deliver:comment_created"]
    assert all(c["status"] == 200 and c["args"]["url"] == r.url + "/jira" for c in delivered)
