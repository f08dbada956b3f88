"""reactions.*, pins.* and search.messages."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from .data import BOB, CAROL, DANA, GENERAL, PARENT_TS, error_of

pytestmark = pytest.mark.sdk("python", "slack_sdk")


def test_reactions(client: WebClient) -> None:
    client.reactions_add(channel=GENERAL, timestamp=PARENT_TS, name="tada")
    client.reactions_add(channel=GENERAL, timestamp=PARENT_TS, name=":eyes:")
    got = client.reactions_get(channel=GENERAL, timestamp=PARENT_TS)
    assert got["type"] == "message" and got["channel"] == GENERAL
    reactions = {r["name"]: r for r in got["message"]["reactions"]}
    assert reactions["tada"]["count"] == 2 and reactions["tada"]["users"] == [CAROL, DANA]
    assert reactions["eyes"]["users"] == [DANA]
    assert error_of(client.reactions_add, channel=GENERAL, timestamp=PARENT_TS, name="tada") == "already_reacted"
    client.reactions_remove(channel=GENERAL, timestamp=PARENT_TS, name="eyes")
    names = [r["name"] for r in client.reactions_get(channel=GENERAL, timestamp=PARENT_TS)["message"]["reactions"]]
    assert names == ["tada"]
    assert error_of(client.reactions_remove, channel=GENERAL, timestamp=PARENT_TS, name="eyes") == "no_reaction"
    assert error_of(client.reactions_add, channel=GENERAL, timestamp="1.000000", name="x") == "message_not_found"
    assert error_of(client.reactions_add, channel=GENERAL, timestamp=PARENT_TS, name="bad name!") == "invalid_name"


def test_pins(client: WebClient) -> None:
    a = client.chat_postMessage(channel=GENERAL, text="Decision: we ship Friday")
    client.pins_add(channel=GENERAL, timestamp=PARENT_TS)
    client.pins_add(channel=GENERAL, timestamp=a["ts"])
    items = client.pins_list(channel=GENERAL)["items"]
    assert [i["message"]["ts"] for i in items] == [a["ts"], PARENT_TS]
    assert items[0]["created_by"] == DANA and items[0]["message"]["pinned_to"] == [GENERAL]
    assert items[0]["message"]["permalink"].startswith("https://acme.slack.com/archives/C0GENERAL1/p")
    assert error_of(client.pins_add, channel=GENERAL, timestamp=a["ts"]) == "already_pinned"
    assert error_of(client.pins_add, channel=GENERAL, timestamp="1.000000") == "message_not_found"
    assert client.conversations_history(channel=GENERAL, limit=1)["pin_count"] == 2
    client.pins_remove(channel=GENERAL, timestamp=PARENT_TS)
    assert [i["message"]["ts"] for i in client.pins_list(channel=GENERAL)["items"]] == [a["ts"]]
    assert error_of(client.pins_remove, channel=GENERAL, timestamp=PARENT_TS) == "no_pin"


def test_search(client: WebClient, client_as: Any) -> None:
    client.chat_postMessage(channel=GENERAL, text="the deploy broke staging")
    res = client.search_messages(query="deploy")["messages"]
    assert res["total"] == 2
    assert [m["text"] for m in res["matches"]] == ["the deploy broke staging", "Deploy is done"]
    assert res["matches"][0]["channel"]["name"] == "general"
    assert res["matches"][1]["permalink"].endswith("p1705000000000100")
    both = client.search_messages(query="deploy staging")["messages"]
    assert both["total"] == 1
    from_bob = client.search_messages(query="deploy from:@bob")["messages"]
    assert [m["user"] for m in from_bob["matches"]] == [BOB]
    in_chan = client.search_messages(query="lunch in:#general")["messages"]
    assert in_chan["total"] == 1
    paged = client.search_messages(query="deploy", count=1, page=2)["messages"]
    assert paged["paging"] == {"count": 1, "total": 2, "page": 2, "pages": 2}
    assert [m["text"] for m in paged["matches"]] == ["Deploy is done"]
