"""Per-world users and scopes: a token acts as one user, with that user's scopes."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from .data import error_of

pytestmark = pytest.mark.sdk("python", "slack_sdk")

READER = "U0READER01"
SEED = {
    "slack": {
        "me": "admin",
        "users": [
            {"id": "U0ADMIN001", "name": "admin"},
            {"id": READER, "name": "reader", "scopes": ["channels:read", "channels:history", "users:read"]},
        ],
        "channels": [
            {"id": "C0PUBLIC01", "name": "public", "members": ["admin", "reader"],
             "messages": [{"user": "admin", "text": "hello"}]},
            {"id": "G0PRIVATE1", "name": "private", "private": True, "members": ["admin"],
             "messages": [{"user": "admin", "text": "salaries"}]},
        ],
    }
}


def as_user(server: Any, world: dict[str, Any], uid: str) -> WebClient:
    tok = server.admin("POST", f"/_dtu/worlds/{world['id']}/tokens", {"actors": {"slack": uid}})
    return WebClient(token=tok["token"], base_url=world["env"]["SLACK_API_URL"])


def test_missing_scope_names_needed_and_provided(server: Any, make_world: Any) -> None:
    world = make_world(SEED)
    reader = as_user(server, world, READER)
    assert reader.conversations_history(channel="C0PUBLIC01")["messages"][0]["text"] == "hello"
    assert reader.auth_test()["user_id"] == READER  # auth.test needs no scope
    try:
        reader.chat_postMessage(channel="C0PUBLIC01", text="hi")
    except SlackApiError as e:
        body = e.response.data
        assert isinstance(body, dict)
        assert body["error"] == "missing_scope" and body["needed"] == "chat:write"
        assert body["provided"] == "channels:read,channels:history,users:read"
    else:
        raise AssertionError("chat.postMessage without chat:write succeeded")
    assert error_of(reader.users_lookupByEmail, email="x@y.z") == "missing_scope"
    state = server.state(world["id"])["slack"]
    assert [m["text"] for m in state["channels"]["C0PUBLIC01"]["messages"]] == ["hello"]


def test_private_channel_unreadable_by_outsider(server: Any, make_world: Any) -> None:
    world = make_world(SEED)
    reader = as_user(server, world, READER)
    admin = WebClient(token=world["token"], base_url=world["env"]["SLACK_API_URL"])
    assert admin.conversations_history(channel="G0PRIVATE1")["messages"][0]["text"] == "salaries"
    assert error_of(reader.conversations_history, channel="G0PRIVATE1") == "channel_not_found"
    assert error_of(reader.conversations_members, channel="G0PRIVATE1") == "channel_not_found"
    assert error_of(reader.conversations_replies, channel="G0PRIVATE1", ts="1.0") == "channel_not_found"
    # once invited, the same token reads it
    admin.conversations_invite(channel="G0PRIVATE1", users=READER)
    assert reader.conversations_history(channel="G0PRIVATE1")["messages"][-1]["text"] == "salaries"


def test_other_worlds_token_does_not_reach(server: Any, make_world: Any) -> None:
    a, b = make_world(SEED), make_world(SEED)
    ca = WebClient(token=a["token"], base_url=a["env"]["SLACK_API_URL"])
    ca.chat_postMessage(channel="C0PUBLIC01", text="only in a")
    texts_b = [m["text"] for m in server.state(b["id"])["slack"]["channels"]["C0PUBLIC01"]["messages"]]
    assert texts_b == ["hello"]
