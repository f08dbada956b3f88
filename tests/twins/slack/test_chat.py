"""chat.*: post, thread, update, delete, ephemeral, permalink."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from .data import BOB, CAROL, GENERAL, OLD, PARENT_TS, RANDOM, SECRET, error_of

pytestmark = pytest.mark.sdk("python", "slack_sdk")


def test_post_by_name_and_history_newest_first(client: WebClient) -> None:
    a = client.chat_postMessage(channel="#general", text="first")
    b = client.chat_postMessage(channel=GENERAL, text="second")
    assert a["channel"] == GENERAL and a["message"]["text"] == "first"
    assert float(b["ts"]) > float(a["ts"])
    msgs = client.conversations_history(channel=GENERAL, limit=2)["messages"]
    assert [m["text"] for m in msgs] == ["second", "first"]


def test_thread_reply_counts(client: WebClient) -> None:
    r = client.chat_postMessage(channel=GENERAL, text="on it", thread_ts=PARENT_TS)
    assert r["message"]["thread_ts"] == PARENT_TS
    thread = client.conversations_replies(channel=GENERAL, ts=PARENT_TS)["messages"]
    assert [m["text"] for m in thread] == ["Deploy is done", "thanks!", "nice work", "on it"]
    parent = thread[0]
    assert parent["reply_count"] == 3 and parent["latest_reply"] == r["ts"]
    assert set(parent["reply_users"]) == {CAROL, "U0DANA0001"}
    # replies stay out of the channel's history unless broadcast
    texts = [m["text"] for m in client.conversations_history(channel=GENERAL)["messages"]]
    assert "on it" not in texts
    client.chat_postMessage(channel=GENERAL, text="FYI all", thread_ts=PARENT_TS, reply_broadcast=True)
    latest = client.conversations_history(channel=GENERAL, limit=1)["messages"][0]
    assert latest["text"] == "FYI all" and latest["subtype"] == "thread_broadcast"
    # Slack posts a reply to an unknown thread to the channel instead
    stray = client.chat_postMessage(channel=GENERAL, text="stray", thread_ts="1.000000")
    assert "thread_ts" not in stray["message"]
    assert client.conversations_history(channel=GENERAL, limit=1)["messages"][0]["text"] == "stray"


def test_update_and_delete(client: WebClient) -> None:
    r = client.chat_postMessage(channel=GENERAL, text="tpyo")
    u = client.chat_update(channel=GENERAL, ts=r["ts"], text="typo")
    assert u["text"] == "typo" and u["message"]["edited"]["user"] == "U0DANA0001"
    assert client.conversations_history(channel=GENERAL, limit=1)["messages"][0]["text"] == "typo"
    client.chat_delete(channel=GENERAL, ts=r["ts"])
    assert error_of(client.chat_update, channel=GENERAL, ts=r["ts"], text="x") == "message_not_found"
    # dana is an admin: she may delete bob's message, but not edit it
    lunch = client.conversations_history(channel=GENERAL, limit=1)["messages"][0]
    assert error_of(client.chat_update, channel=GENERAL, ts=lunch["ts"], text="x") == "cant_update_message"


def test_deleting_a_thread_parent_leaves_a_tombstone(client: WebClient) -> None:
    client.chat_delete(channel=GENERAL, ts=PARENT_TS)
    parent = client.conversations_replies(channel=GENERAL, ts=PARENT_TS)["messages"][0]
    assert parent["subtype"] == "tombstone" and parent["reply_count"] == 2


def test_non_admin_cannot_delete_others(client_as: Any) -> None:
    carol = client_as(CAROL)
    assert error_of(carol.chat_delete, channel=GENERAL, ts=PARENT_TS) == "cant_delete_message"


def test_post_errors(client: WebClient) -> None:
    assert error_of(client.chat_postMessage, channel="C0NOPE", text="x") == "channel_not_found"
    assert error_of(client.chat_postMessage, channel=RANDOM, text="x") == "not_in_channel"
    assert error_of(client.chat_postMessage, channel=OLD, text="x") == "is_archived"
    assert error_of(client.api_call, api_method="chat.postMessage", json={"channel": GENERAL}) == "no_text"


def test_post_to_user_id_opens_dm(client: WebClient) -> None:
    r = client.chat_postMessage(channel=BOB, text="psst")
    assert r["channel"].startswith("D")
    opened = client.conversations_open(users=BOB)
    assert opened["channel"]["id"] == r["channel"] and opened["already_open"] is True


def test_ephemeral_and_permalink(client: WebClient, server: Any, world: dict[str, Any]) -> None:
    r = client.chat_postEphemeral(channel=GENERAL, user=BOB, text="only you")
    assert r["message_ts"]
    texts = [m["text"] for m in client.conversations_history(channel=GENERAL)["messages"]]
    assert "only you" not in texts
    eph = server.state(world["id"])["slack"]["channels"][GENERAL]["ephemeral"]
    assert eph[0]["to"] == BOB and eph[0]["text"] == "only you"
    assert error_of(client.chat_postEphemeral, channel=SECRET, user=BOB, text="x") == "user_not_in_channel"
    link = client.chat_getPermalink(channel=GENERAL, message_ts=PARENT_TS)["permalink"]
    assert link == "https://acme.slack.com/archives/C0GENERAL1/p1705000000000100"
    assert error_of(client.chat_getPermalink, channel=GENERAL, message_ts="1.2") == "message_not_found"


def test_blocks_round_trip(client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    r = client.chat_postMessage(channel=GENERAL, text="hi", blocks=blocks)
    assert r["message"]["blocks"] == blocks
    assert error_of(client.chat_postMessage, channel=GENERAL, text="x", blocks=[{"no": "type"}]) == "invalid_blocks"


def test_bot_messages_carry_bot_id(client_as: Any) -> None:
    bot = client_as("U0BOT00001")
    r = bot.chat_postMessage(channel=GENERAL, text="deploy 42 finished")
    assert r["message"]["bot_id"] == "B0DEPLOY01" and r["message"]["user"] == "U0BOT00001"
