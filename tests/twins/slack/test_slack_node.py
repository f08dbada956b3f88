"""@slack/web-api 8.2.0 (tests/node), unmodified, against `dtu serve`: common methods, the new ones,
and files.uploadV2 (whose bytes reach the upload URL as a multipart form)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.schemas import node_or_skip, run_node

from .data import BOB, GENERAL, SEED


@pytest.mark.sdk("node", "@slack/web-api")
def test_web_api_sdk(make_world: Any, server: Any) -> None:
    node = node_or_skip("@slack/web-api")
    w = make_world(SEED)
    out = run_node(node, "slack_web_api.mjs", {"SLACK_API_URL": w["env"]["SLACK_API_URL"],
                                               "SLACK_TOKEN": w["token"], "SLACK_GENERAL": GENERAL,
                                               "SLACK_BOB": BOB})
    assert out["auth"]["user_id"] == "U0DANA0001"
    assert len(out["users"]) == 2
    assert out["history"] == "hello from node"
    assert out["fileInfo"]["name"] == "node.txt" and out["fileInfo"]["size"] == len("node bytes")
    assert out["profile"] == "Dana Scully" and out["team"] == "T0DTUTEAM1"
    assert out["groupUsers"] == [BOB] and out["bookmarks"] == [True] and out["scheduled"] == [True]
    assert out["reminder"] == "stand up" and out["error"] == "channel_not_found"
    files = server.state(w["id"])["slack"]["files"]
    stored = files[out["fileInfo"]["id"]]
    assert base64.b64decode(stored["content"]) == b"node bytes"  # not the multipart envelope
