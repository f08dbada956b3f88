"""The official SDKs' own retry handlers work against the twins' injected faults."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from jira import JIRA
from okta.client import Client as OktaClient
from okta.models import AddGroupRequest, OktaUserGroupProfile
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from dtu.twins.google.clients import drive_service, sheets_service

from ..conftest import Server

SLACK = {"slack": {"users": [{"id": "U0DANA0001", "name": "dana"}],
                   "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]}}


def statuses(server: Server, world: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    return [(c["op"], c["status"], c.get("fault")) for c in server.admin("GET", f"/_dtu/worlds/{world['id']}/calls")]


def test_slack_rate_limit_retry_handler(server: Server) -> None:
    w = server.world(SLACK, faults=[{"twin": "slack", "op": "chat.postMessage", "outage": [1, 1],
                                     "error": "rate_limited", "retry_after": 1}])
    client = WebClient(token=w["token"], base_url=w["env"]["SLACK_API_URL"],
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert client.chat_postMessage(channel="C0GENERAL1", text="hello")["ok"]
    assert statuses(server, w) == [("chat.postMessage", 429, "ratelimited"), ("chat.postMessage", 200, None)]
    history = server.state(w["id"])["slack"]["channels"]["C0GENERAL1"]["messages"]
    assert [m["text"] for m in history] == ["hello"]


def test_slack_server_error_retry_handler(server: Server) -> None:
    w = server.world(SLACK, faults=[{"twin": "slack", "op": "auth.test", "outage": [1, 2], "error": "unavailable"}])
    client = WebClient(token=w["token"], base_url=w["env"]["SLACK_API_URL"],
                       retry_handlers=[ServerErrorRetryHandler(max_retry_count=2)])
    assert client.auth_test()["user_id"] == "U0DANA0001"
    assert [s for _, s, _ in statuses(server, w)] == [503, 503, 200]


# -- okta: the SDK waits `X-Rate-Limit-Reset - Date + 1` seconds after a 429, both in world time --

OKTA = {"okta": {"org": "acme", "users": [{"id": "00uadmin000000000001", "login": "ada@acme.test",
                                           "firstName": "Ada", "lastName": "Admin", "admin": True}]}}


def okta_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The okta SDK's backoffs, recorded as it takes them."""
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(seconds)

    monkeypatch.setattr("okta.request_executor.asyncio.sleep", sleep)
    return waits


async def test_okta_waits_for_rate_limit_reset(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")
    w = server.world(OKTA, faults=[{"twin": "okta", "op": "add_group", "outage": [1, 1], "error": "rate_limited",
                                    "retry_after": 1},
                                   {"twin": "okta", "op": "add_group", "outage": [1, 1], "error": "unavailable"}])
    waits = okta_sleeps(monkeypatch)
    async with OktaClient({"orgUrl": w["base_url"], "token": w["token"]}) as client:
        group, _, err = await client.add_group(AddGroupRequest(profile=OktaUserGroupProfile(name="Contractors")))
    assert err is None and group.profile.actual_instance.name == "Contractors"
    # the 429 said: reset one world second after the world's Date; the SDK waited reset - date + 1
    assert waits == [2.0]
    assert statuses(server, w) == [("add_group", 429, "E0000047"), ("add_group", 503, "E0000010"),
                                   ("add_group", 200, None)]
    groups = server.state(w["id"])["okta"]["groups"].values()
    assert [g["name"] for g in groups] == ["Everyone", "Contractors"]  # Everyone is built in


# -- jira (pycontribs): ResilientSession retries 429 and 503 that carry Retry-After ------------------

JIRA_SEED = {"jira": {"me": "dana@acme.test",
                      "users": [{"account_id": "5b10a2844c20165700ede21g", "name": "Dana Scully",
                                 "email": "dana@acme.test", "admin": True}],
                      "projects": [{"key": "PROJ", "name": "Platform", "lead": "dana@acme.test"}]}}


def test_jira_resilient_session_retries_429_and_503(server: Server) -> None:
    w = server.world(JIRA_SEED, faults=[
        {"twin": "jira", "op": "issue.create", "outage": [1, 1], "error": "rate_limited", "retry_after": 1},
        {"twin": "jira", "op": "issue.create", "outage": [1, 1], "error": "unavailable"}])
    jira = JIRA(server=w["env"]["JIRA_URL"], basic_auth=("dana@acme.test", w["env"]["JIRA_TOKEN"]), max_retries=2)
    jira._session.max_retry_delay = 1  # its jittered wait is at most this many seconds
    issue = jira.create_issue(project="PROJ", summary="Survives a bad minute", issuetype={"name": "Task"})
    assert issue.key == "PROJ-1"
    assert [c for c in statuses(server, w) if c[0] == "issue.create"] == [
        ("issue.create", 429, "http_429"), ("issue.create", 503, "http_503"), ("issue.create", 201, None)]
    issues = server.state(w["id"])["jira"]["issues"]
    assert [i["summary"] for i in issues.values()] == ["Survives a bad minute"]


# -- googleapiclient: `execute(num_retries=N)` retries 429, 5xx and Drive's 403 userRateLimitExceeded --

GOOGLE = {"google": {"me": "dana@acme.test", "users": [{"email": "dana@acme.test", "name": "Dana"}],
                     "files": [{"name": "Budget", "kind": "sheet", "id": "SHEET1", "sheets": {"Plan": [["a"]]}}]}}


def quick(request: Any) -> Any:
    """The request, with its backoff's random factor pinned low (it waits rand() * 2**n seconds)."""
    request._rand = lambda: 0.05
    return request


def test_googleapiclient_num_retries_on_sheets_429_500_503(server: Server) -> None:
    w = server.world(GOOGLE, faults=[
        {"twin": "google", "op": "sheets.spreadsheets.values.append", "outage": [1, 1], "error": "rate_limited"},
        {"twin": "google", "op": "sheets.spreadsheets.values.append", "outage": [1, 1], "error": "internal"},
        {"twin": "google", "op": "sheets.spreadsheets.values.append", "outage": [1, 1], "error": "unavailable"}])
    sheets = sheets_service(w["base_url"], w["token"])
    try:
        body = quick(sheets.spreadsheets().values().append(
            spreadsheetId="SHEET1", range="Plan!A1", valueInputOption="RAW", body={"values": [["b"]]},
        )).execute(num_retries=3)
    finally:
        sheets.close()
    assert body["updates"]["updatedRange"] == "Plan!A2"
    assert [s for _, s, _ in statuses(server, w)] == [429, 500, 503, 200]
    assert server.state(w["id"])["google"]["files"]["SHEET1"]["sheet"]["sheets"][0]["values"] == [["a"], ["b"]]


def test_googleapiclient_num_retries_on_drive_user_rate_limit(server: Server) -> None:
    w = server.world(GOOGLE, faults=[{"twin": "google", "op": "drive.files.create", "outage": [1, 2],
                                      "error": "rate_limited"}])
    drive = drive_service(w["base_url"], w["token"])
    try:
        created = quick(drive.files().create(body={"name": "Retried"})).execute(num_retries=2)
    finally:
        drive.close()
    assert created["name"] == "Retried"
    calls = server.admin("GET", f"/_dtu/worlds/{w['id']}/calls")
    assert [c["status"] for c in calls] == [403, 403, 200]
    assert calls[0]["body"]["error"]["errors"][0]["reason"] == "userRateLimitExceeded"
    names = [f["name"] for f in server.state(w["id"])["google"]["files"].values()]
    assert names.count("Retried") == 1
