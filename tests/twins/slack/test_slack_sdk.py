"""slack_sdk, unmodified, against a real `dtu serve`."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

pytestmark = pytest.mark.sdk("python", "slack_sdk")

SEED = {
    "slack": {
        "me": "dana",
        "users": [
            {"id": "U0DANA0001", "name": "dana", "email": "dana@acme.test", "is_admin": True},
            {"id": "U0BOB00001", "name": "bob", "email": "bob@acme.test"},
        ],
        "channels": [{"id": "C0GENERAL1", "name": "general", "general": True, "members": ["dana", "bob"]}],
    }
}


@pytest.fixture
def client(make_world: Any) -> WebClient:
    w = make_world(SEED)
    return WebClient(token=w["token"], base_url=w["env"]["SLACK_API_URL"])


def test_post_and_history(client: WebClient) -> None:
    assert client.auth_test()["user_id"] == "U0DANA0001"
    r = client.chat_postMessage(channel="C0GENERAL1", text="hello")
    hist = client.conversations_history(channel="C0GENERAL1")
    assert hist["messages"][0]["ts"] == r["ts"]
    assert hist["messages"][0]["text"] == "hello"


def test_error_code(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C0NOPE", text="x")
    assert e.value.response["error"] == "channel_not_found"


def test_bad_token(make_world: Any) -> None:
    w = make_world(SEED)
    c = WebClient(token="xoxb-wrong", base_url=w["env"]["SLACK_API_URL"])
    with pytest.raises(SlackApiError) as e:
        c.auth_test()
    assert e.value.response["error"] == "invalid_auth"
