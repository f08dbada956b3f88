"""The seed and ids the Slack twin's tests share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

DANA, BOB, CAROL, ERIN, BOT = "U0DANA0001", "U0BOB00001", "U0CAROL001", "U0ERIN0001", "U0BOT00001"
GENERAL, RANDOM, SECRET, OLD, PROJ = "C0GENERAL1", "C0RANDOM01", "G0SECRET01", "C0OLDSTUFF", "C0PROJECT1"
PARENT_TS = "1705000000.000100"

SEED: dict[str, Any] = {
    "slack": {
        "me": "dana",
        "users": [
            {"id": DANA, "name": "dana", "real_name": "Dana Scully", "email": "dana@acme.test", "is_admin": True},
            {"id": BOB, "name": "bob", "real_name": "Bob Builder", "email": "bob@acme.test"},
            {"id": CAROL, "name": "carol", "real_name": "Carol Danvers", "email": "Carol@Acme.test"},
            {"id": ERIN, "name": "erin", "email": "erin@acme.test", "deleted": True},
            {"id": BOT, "name": "deploybot", "is_bot": True, "bot_id": "B0DEPLOY01"},
        ],
        "channels": [
            {"id": GENERAL, "name": "general", "general": True, "members": ["dana", "bob", "carol", BOT],
             "messages": [
                 {"user": "bob", "text": "Deploy is done", "ts": PARENT_TS,
                  "replies": [{"user": "carol", "text": "thanks!"}, {"user": "dana", "text": "nice work"}],
                  "reactions": {"tada": ["carol"]}},
                 {"user": "carol", "text": "Lunch at noon?"},
             ]},
            {"id": RANDOM, "name": "random", "members": ["bob", "carol"], "topic": "anything goes"},
            {"id": SECRET, "name": "secret-plans", "private": True, "members": ["dana", "carol"],
             "messages": [{"user": "dana", "text": "the acquisition closes Friday"}]},
            {"id": OLD, "name": "old-stuff", "archived": True, "members": ["dana"]},
            {"id": PROJ, "name": "project-x", "members": ["dana", "bob"]},
        ],
    }
}


def error_of(fn: Callable[..., Any], **kwargs: Any) -> str:
    """The Slack error code a call fails with (the test fails if it succeeds)."""
    with pytest.raises(SlackApiError) as e:
        fn(**kwargs)
    return str(e.value.response["error"])
