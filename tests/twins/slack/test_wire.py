"""The wire, below slack_sdk: query string, form and JSON bodies alike; tokens in header or form."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

from .data import BOB, CAROL, GENERAL


def send(url: str, *, data: bytes | None = None, ctype: str | None = None,
         token: str | None = None, method: str = "POST") -> tuple[int, Any]:
    headers = {"Content-Type": ctype} if ctype else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, json.loads(resp.read())


def test_form_body_with_token_param_and_comma_list(world: dict[str, Any]) -> None:
    base = world["env"]["SLACK_API_URL"]
    status, body = send(base + "conversations.create", data=urllib.parse.urlencode(
        {"token": world["token"], "name": "wire-room", "is_private": "true"}).encode(),
        ctype="application/x-www-form-urlencoded")
    assert status == 200 and body["ok"] and body["channel"]["is_private"] is True
    cid = body["channel"]["id"]
    _, inv = send(base + "conversations.invite", data=urllib.parse.urlencode(
        {"channel": cid, "users": f"{BOB}, {CAROL}"}).encode(),
        ctype="application/x-www-form-urlencoded", token=world["token"])
    assert inv["ok"] and inv["channel"]["num_members"] == 3


def test_query_string_get(world: dict[str, Any]) -> None:
    base = world["env"]["SLACK_API_URL"]
    q = urllib.parse.urlencode({"channel": GENERAL, "limit": "1"})
    status, body = send(f"{base}conversations.history?{q}", token=world["token"], method="GET")
    assert status == 200 and body["ok"] and len(body["messages"]) == 1 and body["has_more"] is True


def test_json_body_and_errors(world: dict[str, Any]) -> None:
    base = world["env"]["SLACK_API_URL"]
    tok = world["token"]
    _, ok = send(base + "conversations.invite", data=json.dumps(
        {"channel": "C0PROJECT1", "users": [CAROL]}).encode(), ctype="application/json", token=tok)
    assert ok["ok"] is True
    status, bad = send(base + "conversations.history", data=b"{not json", ctype="application/json", token=tok)
    assert status == 200 and bad["ok"] is False
    _, missing = send(base + "conversations.history", data=b"{}", ctype="application/json", token=tok)
    assert missing["error"] == "invalid_arguments" and "channel" in missing["response_metadata"]["messages"][0]
    _, wrong = send(base + "conversations.list", data=json.dumps({"limit": "lots"}).encode(),
                    ctype="application/json", token=tok)
    assert wrong["error"] == "invalid_arguments"
    _, anon = send(base + "auth.test", data=b"{}", ctype="application/json")
    assert anon["error"] == "not_authed"


def test_every_web_api_method_has_its_documented_tier() -> None:
    """twins/slack/limits.py gives every method the twin serves a bucket (its tier from
    docs.slack.dev/reference/methods/<method>); only the upload URL, SCIM and an interaction's
    response_url (five answers in 30 minutes, no tier) have none."""
    from dtu.twins.registry import TWINS
    from dtu.twins.slack.limits import limits

    unlimited = {o.name for o in TWINS["slack"].ops if limits(o) is None}
    assert unlimited == {"files.uploadToURL", "scim.users.delete", "actions.respond"}
