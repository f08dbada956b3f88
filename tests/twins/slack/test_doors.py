"""Both doors give equal bodies: the same calls through `world.call` and through HTTP."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from slack_sdk import WebClient

from dtu.twins.core import SeedImage, World, parse_time
from dtu.twins.registry import TWINS

from .data import BOB, CAROL, GENERAL, PARENT_TS, SECRET, SEED

pytestmark = pytest.mark.sdk("python", "slack_sdk")

NOW = "2024-01-15T09:00:00Z"
Call = Callable[[str, dict[str, Any]], Awaitable[Any]]


async def script(call: Call) -> list[Any]:
    """A session touching every method family, each call's args built from earlier answers."""
    out: list[Any] = []

    async def do(op: str, **args: Any) -> Any:
        body = await call(op, args)
        out.append(body)
        return body

    await do("auth.test")
    await do("users.list", limit=2)
    await do("users.info", user=BOB)
    await do("users.lookupByEmail", email="bob@acme.test")
    posted = await do("chat.postMessage", channel=GENERAL, text="hello doors")
    await do("chat.update", channel=GENERAL, ts=posted["ts"], text="hello, doors")
    await do("chat.postMessage", channel=GENERAL, text="in thread", thread_ts=PARENT_TS)
    await do("conversations.replies", channel=GENERAL, ts=PARENT_TS)
    await do("conversations.history", channel=GENERAL, limit=2)
    await do("reactions.add", channel=GENERAL, timestamp=posted["ts"], name="eyes")
    await do("reactions.get", channel=GENERAL, timestamp=posted["ts"])
    await do("pins.add", channel=GENERAL, timestamp=posted["ts"])
    await do("pins.list", channel=GENERAL)
    await do("chat.getPermalink", channel=GENERAL, message_ts=posted["ts"])
    await do("chat.postEphemeral", channel=GENERAL, user=BOB, text="psst")
    created = await do("conversations.create", name="doors")
    cid = created["channel"]["id"]
    await do("conversations.invite", channel=cid, users=f"{BOB},{CAROL}")
    await do("conversations.kick", channel=cid, user=CAROL)
    await do("conversations.setTopic", channel=cid, topic="t")
    await do("conversations.setPurpose", channel=cid, purpose="p")
    await do("conversations.rename", channel=cid, name="doors-2")
    await do("conversations.members", channel=cid)
    await do("conversations.info", channel=cid)
    await do("conversations.list", limit=3, types="public_channel,private_channel")
    await do("users.conversations", user=BOB)
    await do("conversations.join", channel="C0RANDOM01")
    await do("conversations.leave", channel="C0RANDOM01")
    await do("conversations.archive", channel=cid)
    await do("conversations.unarchive", channel=cid)
    dm = await do("conversations.open", users=BOB)
    await do("chat.postMessage", channel=dm["channel"]["id"], text="dm")
    up = await do("files.getUploadURLExternal", filename="notes.txt", length=5)
    await do("files.completeUploadExternal", files=[{"id": up["file_id"], "title": "Notes"}], channel_id=GENERAL)
    await do("search.messages", query="doors")
    await do("chat.delete", channel=GENERAL, ts=posted["ts"])
    # errors, including a validation error and a bad cursor
    await do("chat.postMessage", channel="C0NOPE", text="x")
    await do("chat.postMessage", text="no channel")
    await do("conversations.list", cursor="zzz")
    await do("conversations.history", channel=SECRET, limit="not a number")
    await do("reactions.remove", channel=GENERAL, timestamp=PARENT_TS, name="nope")
    return out


GENERATED = re.compile(r'(?<![A-Z0-9])[CDGF][A-Z0-9]{10}(?![A-Z0-9])')
UPLOAD = re.compile(r'"upload_url":"[^"]*"')


def normalise(bodies: list[Any]) -> str:
    """Ids the world generates (channels, DMs, files) differ per world seed: number them in order."""
    seeded = {GENERAL, SECRET, "C0RANDOM01", "C0OLDSTUFF", "C0PROJECT1"}
    text = UPLOAD.sub('"upload_url":"<url>"', orjson.dumps(bodies).decode())
    names: dict[str, str] = {}

    def name(m: re.Match[str]) -> str:
        ident = m.group(0)
        if ident in seeded:
            return ident
        return names.setdefault(ident, f"<{ident[0]}{len(names)}>")

    return GENERATED.sub(name, text)


async def test_both_doors_give_equal_bodies(make_world: Any) -> None:
    w = make_world(SEED, now=NOW)
    client = WebClient(token=w["token"], base_url=w["env"]["SLACK_API_URL"])

    async def http(op: str, args: dict[str, Any]) -> Any:
        from slack_sdk.errors import SlackApiError

        try:
            return client.api_call(op, json=args).data
        except SlackApiError as e:
            return e.response.data

    image = SeedImage(TWINS, SEED, 1, parse_time(NOW, 0.0))
    world = World(image, 2, "local")

    async def door1(op: str, args: dict[str, Any]) -> Any:
        return await world.call("slack", op, args)

    over_http = await script(http)
    in_process = await script(door1)
    assert len(over_http) == len(in_process)
    assert normalise(over_http) == normalise(in_process)
    # the sequence really does cover successes and errors
    assert sum(1 for b in in_process if b["ok"]) > 30
    assert [b["error"] for b in in_process if not b["ok"]] == [
        "channel_not_found", "invalid_arguments", "invalid_cursor", "invalid_arguments", "no_reaction"]
