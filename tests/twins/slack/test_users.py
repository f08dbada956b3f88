"""auth.test and users.*."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from .data import BOB, BOT, CAROL, DANA, ERIN, GENERAL, PROJ, RANDOM, SECRET, error_of

pytestmark = pytest.mark.sdk("python", "slack_sdk")


def test_auth_test(client: WebClient, client_as: Any) -> None:
    me = client.auth_test()
    assert (me["user_id"], me["user"], me["team_id"]) == (DANA, "dana", "T0DTUTEAM1")
    bot = client_as(BOT).auth_test()
    assert bot["user_id"] == BOT and bot["bot_id"] == "B0DEPLOY01"


def test_users_list_pages(client: WebClient) -> None:
    members = [u for page in client.users_list(limit=2) for u in page["members"]]
    assert [u["id"] for u in members] == [DANA, BOB, CAROL, ERIN, BOT]
    assert [u["deleted"] for u in members] == [False, False, False, True, False]


def test_users_info_and_lookup(client: WebClient) -> None:
    u = client.users_info(user=BOB)["user"]
    assert u["name"] == "bob" and u["profile"]["email"] == "bob@acme.test" and u["real_name"] == "Bob Builder"
    assert error_of(client.users_info, user="U0NOBODY01") == "user_not_found"
    assert client.users_lookupByEmail(email="carol@acme.test")["user"]["id"] == CAROL
    assert error_of(client.users_lookupByEmail, email="nobody@acme.test") == "users_not_found"


def test_users_conversations(client: WebClient, client_as: Any) -> None:
    mine = [c["id"] for c in client.users_conversations(types="public_channel,private_channel")["channels"]]
    assert mine == [GENERAL, SECRET, "C0OLDSTUFF", PROJ]
    active = client.users_conversations(exclude_archived=True)["channels"]
    assert [c["id"] for c in active] == [GENERAL, PROJ]
    bobs = [c["id"] for c in client.users_conversations(user=BOB, types="public_channel,private_channel")["channels"]]
    assert bobs == [GENERAL, RANDOM, PROJ]
    # carol's private channel is not shown to bob
    carols = client_as(BOB).users_conversations(user=CAROL, types="public_channel,private_channel")
    assert SECRET not in [c["id"] for c in carols["channels"]]


def test_deactivated_token(client_as: Any) -> None:
    assert error_of(client_as(ERIN).auth_test) == "account_inactive"


def test_unknown_actor_and_no_token(client_as: Any, world: dict[str, Any]) -> None:
    assert error_of(client_as("U0GHOST001").auth_test) == "invalid_auth"
    anon = WebClient(token=None, base_url=world["env"]["SLACK_API_URL"])
    assert error_of(anon.auth_test) == "not_authed"
