"""The Slack twin's incremental view (twins/slack/view.py) equals its full view after random calls of
every operation, by several users, with ids, timestamps and files taken from earlier answers: a
handler that changes a channel or a user it did not mark would show here."""

from __future__ import annotations

import random
from typing import Any

import msgspec.inspect as mi
import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.registry import TWINS

from ..views import LAZY_OR_WHOLE, assert_play_keeps_the_seed, assert_view_is_full, restore_as
from .data import BOB, BOT, CAROL, DANA, ERIN, GENERAL, OLD, PARENT_TS, PROJ, RANDOM, SECRET, SEED

SLACK = TWINS["slack"]
OPS = sorted(SLACK.ops.ops) + sorted(op.name for op in SLACK.ops if op.mutates)  # changes twice as often
ACTORS = [DANA, DANA, DANA, BOB, CAROL, BOT, ERIN]
START = 1_705_000_000.0
KINDS = {  # parameter -> the kind of value it takes
    "channel": "channel", "channel_id": "channel", "channels": "channel", "ts": "ts", "timestamp": "ts",
    "thread_ts": "ts", "message_ts": "ts", "user": "user", "users": "user", "id": "user", "_bot": "user",
    "file": "file", "file_id": "file", "bookmark_id": "Bk", "usergroup": "S", "reminder": "Rm",
    "scheduled_message_id": "Q", "key": "key", "bot": "user", "link": "url", "type": "type",
    "response_type": "response_type", "name": "name",
}
SEEDED: dict[str, list[Any]] = {
    "channel": [GENERAL, RANDOM, SECRET, OLD, PROJ, "#random", "general", DANA],
    "ts": [PARENT_TS], "user": [DANA, BOB, CAROL, ERIN, BOT, f"{BOB},{CAROL}", f"{CAROL},{ERIN}"],
    "file": ["F0"], "Bk": ["Bk0"], "S": ["S0"], "Rm": ["Rm0"], "Q": ["Q0"], "key": ["k"],
    "url": ["https://example.test/doc", "ftp://x"], "type": ["link", "folder"], "response_type": ["in_channel", "ephemeral"],
    "name": ["thumbsup", "tada", "new-room"],
    "str": ["hello <@U0BOT00001>", "thumbsup", "tada", "dana@acme.test", "new-room", "in:#general deploy",
            "https://example.test/doc", "auto", "away", "in 5 minutes", "in_channel", "true", ""],
}
HINTS: dict[str, list[Any]] = {
    "blocks": [[{"type": "section", "text": {"type": "mrkdwn", "text": "*b*"}}],
               [{"type": "actions", "elements": [{"type": "button", "action_id": "ok", "text": "OK"}]}]],
    "profile": [{"status_text": "away", "title": "SRE"}, {"first_name": "Dee", "email": "dee@acme.test"},
                {"status_expiration": "soon", "title": "half-way"}],
}


class Pools:
    """Values by kind: the seed's, then those earlier answers named (and channel/ts pairs)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.kinds = {k: list(v) for k, v in SEEDED.items()}
        self.pairs: list[tuple[str, str]] = [(GENERAL, PARENT_TS)]
        self.scheduled: list[tuple[str, str]] = [(GENERAL, "Q0")]
        self.bookmarks: list[tuple[str, str]] = [(GENERAL, "Bk0")]
        self.reminders: list[tuple[str, str]] = [(DANA, "Rm0")]  # (whom it reminds, id)

    def pick(self, kind: str) -> Any:
        return self.rng.choice(self.kinds[kind])

    def harvest(self, body: Any) -> None:
        if isinstance(body, list):
            for v in body:
                self.harvest(v)
        if not isinstance(body, dict):
            return
        if isinstance(b := body.get("bookmark"), dict):
            self.bookmarks.append((b["channel_id"], b["id"]))
        if isinstance(r := body.get("reminder"), dict):
            self.reminders.append((r["user"], r["id"]))
        ch, ts = body.get("channel"), body.get("ts")
        ch = ch.get("id") if isinstance(ch, dict) else ch
        if isinstance(ch, str) and ch:
            self.kinds["channel"].append(ch)
            if isinstance(ts, str) and ts:
                self.pairs.append((ch, ts))
            if isinstance(q := body.get("scheduled_message_id"), str):
                self.scheduled.append((ch, q))
        for k, v in body.items():
            if isinstance(v, str) and v:
                if k in ("ts", "message_ts", "thread_ts", "latest_reply"):
                    self.kinds["ts"].append(v)
                elif k in ("file_id", "scheduled_message_id", "id") and v.startswith(("Bk", "Rm", "F", "S", "Q")):
                    kind = next(p for p in ("Bk", "Rm", "F", "S", "Q") if v.startswith(p))
                    self.kinds["file" if kind == "F" else kind].append(v)
                elif k == "upload_url":
                    fid, key = v.rsplit("/", 2)[-2:]
                    self.kinds["file"].append(fid)
                    self.kinds["key"].append(key)
            else:
                self.harvest(v)


def value(t: Any, name: str, pools: Pools, now: float) -> Any:
    """A plausible value of type `t` for parameter `name`: mostly the world's ids and earlier answers."""
    rng = pools.rng
    if name in HINTS and rng.random() < 0.6:
        return rng.choice(HINTS[name])
    if name == "files" and rng.random() < 0.7:
        return [{"id": pools.pick("file"), "title": "t"}]
    if name in ("post_at", "expires"):
        return int(now) + rng.choice([5, 60, -5])
    if isinstance(t, mi.UnionType):
        return value(rng.choice([x for x in t.types if not isinstance(x, mi.NoneType)] or t.types), name, pools, now)
    if isinstance(t, mi.StrType):
        return pools.pick(KINDS.get(name, "str") if rng.random() < 0.9 else "str")
    if isinstance(t, mi.BoolType):
        return rng.random() < 0.5
    if isinstance(t, mi.IntType | mi.FloatType):
        return rng.choice([0, 1, 3, 10, 100])
    if isinstance(t, mi.ListType):
        return [value(t.item_type, name, pools, now) for _ in range(rng.randint(1, 2))]
    if isinstance(t, mi.StructType):
        return {f.encode_name: value(f.type, f.name, pools, now) for f in t.fields}
    if isinstance(t, mi.NoneType):
        return None
    return pools.pick("str")


def args_for(op: Any, pools: Pools, now: float) -> dict[str, Any]:
    info = mi.type_info(op.params)
    assert isinstance(info, mi.StructType)
    rng = pools.rng
    args = {f.encode_name: value(f.type, f.name, pools, now) for f in info.fields if f.required or rng.random() < 0.5}
    names = {f.encode_name for f in info.fields}
    ts = next((n for n in ("ts", "timestamp", "message_ts", "thread_ts") if n in names), None)
    if "channel" in names and ts is not None and rng.random() < 0.8:  # a message that exists
        args["channel"], args[ts] = rng.choice(pools.pairs)
    if "scheduled_message_id" in names and rng.random() < 0.8:
        args["channel"], args["scheduled_message_id"] = rng.choice(pools.scheduled)
    if "bookmark_id" in names and rng.random() < 0.8:
        args["channel_id"], args["bookmark_id"] = rng.choice(pools.bookmarks)
    return args


def play(seed: int, calls: int = 60) -> tuple[World, list[tuple[str, int]]]:
    """A world after `calls` random calls; what each answered (op, status or 299 for ok: false)."""
    image = SeedImage(TWINS, SEED, 1, START)
    world = World(image, seed + 1)
    pools = Pools(random.Random(seed))
    seen: list[tuple[str, int]] = []
    actor = DANA
    for _ in range(calls):
        op = SLACK.ops[pools.rng.choice(OPS)]
        actor = actor if pools.rng.random() < 0.5 else pools.rng.choice(ACTORS)  # the same person often acts again
        args = args_for(op, pools, world.env.now)
        if "reminder" in args and pools.rng.random() < 0.8:  # by the person it reminds
            actor, args["reminder"] = pools.rng.choice(pools.reminders)
        reply = world.dispatch("slack", op.name, args, actor)
        pools.harvest(reply.body)
        failed = isinstance(reply.body, dict) and reply.body.get("ok") is False
        seen.append((op.name, 299 if failed else reply.status))
        if pools.rng.random() < 0.2:
            check(world)
    return world, seen


def check(world: World) -> None:
    assert_view_is_full(world, "slack")


@pytest.mark.parametrize("seed", range(60))
@LAZY_OR_WHOLE
def test_incremental_view_equals_full_view(seed: int, lazy: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    restore_as(lazy, monkeypatch)
    assert_play_keeps_the_seed("slack", SEED, START, lambda: play(seed))


def test_the_random_calls_reach_every_mutating_operation() -> None:
    """The test above is not vacuous: every operation that changes state succeeded in some world."""
    done = {op for seed in range(200) for op, status in play(seed, 120)[1] if status < 299}
    assert {op.name for op in SLACK.ops if op.mutates} - done == set()


def test_the_incremental_view_reuses_the_seed() -> None:
    """What it is for: a channel nobody looked up is the seed's own object."""
    image = SeedImage(TWINS, SEED, 1, START)
    world = World(image, 1)
    world.dispatch("slack", "chat.postMessage", {"channel": GENERAL, "text": "hi"})
    view = world.view(("slack",))["slack"]
    seed = image.view("slack")
    assert view["channels"][RANDOM] is seed["channels"][RANDOM]
    assert view["users"][DANA] is seed["users"][DANA]
    assert view["channels"][GENERAL] is not seed["channels"][GENERAL]


def test_seeded_messages_removed_by_files_delete() -> None:
    """A removed seeded message: the channel's messages are no longer the seed's followed by new ones."""
    seed = {"slack": {**SEED["slack"], "files": [{"name": "notes.txt", "id": "F0NOTES001", "user": "dana",
                                                  "content": "hi", "channels": ["general", "random"]}]}}
    world = World(SeedImage(TWINS, seed, 1, START), 1)
    world.dispatch("slack", "files.delete", {"file": "F0NOTES001"})
    check(world)
    world.dispatch("slack", "chat.postMessage", {"channel": GENERAL, "text": "hi"})
    check(world)


@pytest.mark.parametrize("how", [{"replace_original": True}, {"delete_original": True}])
def test_a_seeded_message_changed_through_a_response_url(how: dict[str, Any]) -> None:
    world = World(SeedImage(TWINS, SEED, 1, START), 1)
    world.dispatch("slack", "chat.postMessage", {"channel": GENERAL, "text": "hi"})
    world.dispatch("slack", "actions.respond", {"channel": GENERAL, "ts": PARENT_TS, "bot": BOT, "text": "edited",
                                                **how})
    check(world)
