"""conversations.*: lifecycle, membership, info, members, paging, DMs."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from .data import BOB, CAROL, DANA, ERIN, GENERAL, OLD, PROJ, RANDOM, SECRET, error_of

pytestmark = pytest.mark.sdk("python", "slack_sdk")


def test_create_invite_kick(client: WebClient) -> None:
    ch = client.conversations_create(name="atlas-launch")["channel"]
    assert ch["id"].startswith("C") and ch["is_member"] and ch["creator"] == DANA
    r = client.conversations_invite(channel=ch["id"], users=[BOB, CAROL])
    assert r["channel"]["num_members"] == 3
    assert error_of(client.conversations_invite, channel=ch["id"], users=BOB) == "already_in_channel"
    assert error_of(client.conversations_invite, channel=ch["id"], users=DANA) == "cant_invite_self"
    assert error_of(client.conversations_invite, channel=ch["id"], users="U0NOBODY01") == "user_not_found"
    assert error_of(client.conversations_invite, channel=ch["id"], users=ERIN) == "cant_invite"
    client.conversations_kick(channel=ch["id"], user=BOB)
    assert client.conversations_members(channel=ch["id"])["members"] == [DANA, CAROL]
    assert error_of(client.conversations_kick, channel=ch["id"], user=BOB) == "not_in_channel"
    assert error_of(client.conversations_kick, channel=ch["id"], user=DANA) == "cant_kick_self"
    assert error_of(client.conversations_kick, channel=GENERAL, user=BOB) == "cant_kick_from_general"
    history = client.conversations_history(channel=ch["id"])["messages"]
    assert [m["subtype"] for m in history] == ["channel_join"] * 3


def test_create_name_rules(client: WebClient) -> None:
    assert error_of(client.conversations_create, name="general") == "name_taken"
    assert error_of(client.conversations_create, name="old-stuff") == "name_taken"  # archived counts
    assert error_of(client.conversations_create, name="Has Caps") == "invalid_name_specials"
    assert error_of(client.conversations_create, name="#hash") == "invalid_name_specials"
    assert error_of(client.conversations_create, name="x" * 81) == "invalid_name_maxlength"
    assert error_of(client.conversations_create, name="---") == "invalid_name_punctuation"
    priv = client.conversations_create(name="hush", is_private=True)["channel"]
    assert priv["id"].startswith("G") and priv["is_private"] is True


def test_join_leave(client: WebClient) -> None:
    assert error_of(client.conversations_history, channel="C0NOPE") == "channel_not_found"
    j = client.conversations_join(channel=RANDOM)
    assert j["channel"]["is_member"] is True
    again = client.conversations_join(channel=RANDOM)
    assert again["warning"] == "already_in_channel"
    client.conversations_leave(channel=RANDOM)
    assert DANA not in client.conversations_members(channel=RANDOM)["members"]
    assert client.conversations_leave(channel=RANDOM)["not_in_channel"] is True
    assert error_of(client.conversations_leave, channel=GENERAL) == "cant_leave_general"
    assert error_of(client.conversations_join, channel=OLD) == "is_archived"


def test_archive_unarchive(client: WebClient) -> None:
    client.conversations_archive(channel=PROJ)
    info = client.conversations_info(channel=PROJ)["channel"]
    assert info["is_archived"] is True
    assert error_of(client.conversations_archive, channel=PROJ) == "already_archived"
    assert error_of(client.chat_postMessage, channel=PROJ, text="x") == "is_archived"
    assert error_of(client.conversations_archive, channel=GENERAL) == "cant_archive_general"
    assert error_of(client.conversations_archive, channel=RANDOM) == "not_in_channel"
    names = [c["name"] for c in client.conversations_list(exclude_archived=True)["channels"]]
    assert "project-x" not in names and "old-stuff" not in names
    client.conversations_unarchive(channel=PROJ)
    assert client.conversations_info(channel=PROJ)["channel"]["is_archived"] is False
    assert error_of(client.conversations_unarchive, channel=PROJ) == "not_archived"


def test_rename_topic_purpose(client: WebClient) -> None:
    r = client.conversations_rename(channel=PROJ, name="project-y")["channel"]
    assert r["name"] == "project-y" and r["previous_names"] == ["project-x"]
    assert error_of(client.conversations_rename, channel=PROJ, name="general") == "name_taken"
    t = client.conversations_setTopic(channel=PROJ, topic="Ship Y by May")["channel"]
    assert t["topic"]["value"] == "Ship Y by May" and t["topic"]["creator"] == DANA
    p = client.conversations_setPurpose(channel=PROJ, purpose="Everything about Y")["channel"]
    assert p["purpose"]["value"] == "Everything about Y"
    assert error_of(client.conversations_setTopic, channel=PROJ, topic="x" * 251) == "too_long"
    assert error_of(client.conversations_setTopic, channel=RANDOM, topic="x") == "not_in_channel"
    subtypes = [m.get("subtype") for m in client.conversations_history(channel=PROJ)["messages"]]
    assert subtypes == ["channel_purpose", "channel_topic", "channel_name"]


def test_list_pages_with_the_cursor_iterator(client: WebClient) -> None:
    # slack_sdk's iterator re-fills one response object per page: read each page inside the loop
    sizes, names, last_cursor = [], [], None
    for page in client.conversations_list(limit=2, types="public_channel,private_channel"):
        sizes.append(len(page["channels"]))
        names += [c["name"] for c in page["channels"]]
        last_cursor = page["response_metadata"]["next_cursor"]
    assert sizes == [2, 2, 1]
    assert names == ["general", "random", "secret-plans", "old-stuff", "project-x"]
    assert last_cursor == ""
    assert error_of(client.conversations_list, cursor="not-a-cursor") == "invalid_cursor"


def test_history_pages_and_has_more(client: WebClient) -> None:
    for i in range(5):
        client.chat_postMessage(channel=PROJ, text=f"m{i}")
    first = client.conversations_history(channel=PROJ, limit=3)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3", "m2"] and first["has_more"] is True
    rest = client.conversations_history(channel=PROJ, limit=3, cursor=first["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["m1", "m0"] and rest["has_more"] is False
    window = client.conversations_history(channel=PROJ, oldest=first["messages"][2]["ts"],
                                          latest=first["messages"][0]["ts"], inclusive=True)
    assert [m["text"] for m in window["messages"]] == ["m4", "m3", "m2"]


def test_members_and_info(client: WebClient) -> None:
    info = client.conversations_info(channel=GENERAL)["channel"]
    assert info["is_general"] and info["num_members"] == 4 and info["name"] == "general"
    members = [m for page in client.conversations_members(channel=GENERAL, limit=3) for m in page["members"]]
    assert members == [DANA, BOB, CAROL, "U0BOT00001"]


def test_open_dm_and_group_dm(client: WebClient, client_as: Any) -> None:
    dm = client.conversations_open(users=CAROL, return_im=True)["channel"]
    assert dm["id"].startswith("D") and dm["is_im"] and dm["user"] == CAROL
    client.chat_postMessage(channel=dm["id"], text="hi carol")
    carol = client_as(CAROL)
    same = carol.conversations_open(users=DANA)
    assert same["channel"]["id"] == dm["id"] and same["already_open"] is True
    assert carol.conversations_history(channel=dm["id"])["messages"][0]["text"] == "hi carol"
    assert error_of(client_as(BOB).conversations_history, channel=dm["id"]) == "channel_not_found"
    group = client.conversations_open(users=[BOB, CAROL])["channel"]
    assert group["is_mpim"] and group["id"].startswith("G")
    assert error_of(client.conversations_open, users="U0NOBODY01") == "user_not_found"
    ims = client.conversations_list(types="im")["channels"]
    assert [c["id"] for c in ims] == [dm["id"]]


def test_private_channel_hidden_from_non_members(client: WebClient, client_as: Any) -> None:
    bob = client_as(BOB)
    assert error_of(bob.conversations_history, channel=SECRET) == "channel_not_found"
    assert error_of(bob.conversations_info, channel=SECRET) == "channel_not_found"
    assert error_of(bob.conversations_join, channel=SECRET) == "channel_not_found"
    listed = [c["id"] for c in bob.conversations_list(types="public_channel,private_channel")["channels"]]
    assert SECRET not in listed
    assert SECRET in [c["id"] for c in client.conversations_list(types="private_channel")["channels"]]
    search = bob.search_messages(query="acquisition")["messages"]
    assert search["total"] == 0
    assert client.search_messages(query="acquisition")["messages"]["total"] == 1
