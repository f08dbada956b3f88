"""AsyncWebClient, unmodified: a flow, paging with `async for`, and errors."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from .data import BOB, GENERAL, PARENT_TS

pytestmark = pytest.mark.sdk("python", "slack_sdk")


@pytest.fixture
def aclient(world: dict[str, Any]) -> AsyncWebClient:
    return AsyncWebClient(token=world["token"], base_url=world["env"]["SLACK_API_URL"])


async def test_async_flow(aclient: AsyncWebClient) -> None:
    ch = (await aclient.conversations_create(name="async-room"))["channel"]
    await aclient.conversations_invite(channel=ch["id"], users=BOB)
    posted = await aclient.chat_postMessage(channel=ch["id"], text="hello async")
    await aclient.reactions_add(channel=ch["id"], timestamp=posted["ts"], name="wave")
    await aclient.pins_add(channel=ch["id"], timestamp=posted["ts"])
    hist = await aclient.conversations_history(channel=ch["id"], limit=1)
    top = hist["messages"][0]
    assert top["text"] == "hello async" and top["reactions"][0]["name"] == "wave"
    assert top["pinned_to"] == [ch["id"]]
    reply = await aclient.chat_postMessage(channel=GENERAL, text="async reply", thread_ts=PARENT_TS)
    thread = await aclient.conversations_replies(channel=GENERAL, ts=reply["ts"])
    assert thread["messages"][0]["ts"] == PARENT_TS


async def test_async_paging(aclient: AsyncWebClient) -> None:
    names = []
    async for page in await aclient.conversations_list(limit=2):
        names += [c["name"] for c in page["channels"]]
    assert names == ["general", "random", "old-stuff", "project-x"]
    users = []
    async for page in await aclient.users_list(limit=3):
        users += [u["name"] for u in page["members"]]
    assert users == ["dana", "bob", "carol", "erin", "deploybot"]


async def test_async_error(aclient: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as e:
        await aclient.conversations_join(channel="C0NOPE")
    assert e.value.response["error"] == "channel_not_found"
