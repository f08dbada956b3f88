"""Builds Slack state from a scenario's `seed.slack` data."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.env import Env
from .state import Channel, Message, Reaction, SlackState, User


class SeedMessage(msgspec.Struct, forbid_unknown_fields=True):
    user: str
    text: str
    replies: list[SeedMessage] = []
    reactions: dict[str, list[str]] = {}
    pinned: bool = False


class SeedChannel(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    id: str | None = None
    private: bool = False
    archived: bool = False
    general: bool = False
    topic: str = ""
    purpose: str = ""
    creator: str | None = None
    members: list[str] = []
    messages: list[SeedMessage] = []


class SeedUser(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    id: str | None = None
    real_name: str = ""
    email: str = ""
    title: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    tz: str = "America/Los_Angeles"
    scopes: list[str] | None = None


class SeedTeam(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str = "T0DTUTEAM1"
    name: str = "Acme"
    domain: str = "acme"


class SlackSeed(msgspec.Struct, forbid_unknown_fields=True):
    """`seed.slack` of a scenario. Users and members may be named by id or by name."""

    team: SeedTeam = SeedTeam()
    me: str | None = None
    users: list[SeedUser] = []
    channels: list[SeedChannel] = []


def next_ts(env: Env, channel: Channel) -> str:
    """A message ts from the world clock, unique within the channel."""
    micros = int(env.now * 1_000_000)
    if channel.last_ts:
        last = int(channel.last_ts.replace(".", ""))
        micros = max(micros, last + 1)
    ts = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
    channel.last_ts = ts
    return ts


def build(data: Any, env: Env) -> SlackState:
    seed = msgspec.convert(data or {}, SlackSeed)
    state = SlackState(team_id=seed.team.id, team=seed.team.name, domain=seed.team.domain, me="")
    by_name: dict[str, str] = {}
    for su in seed.users:
        uid = su.id or env.id("U", 11)
        state.users[uid] = User(
            id=uid, name=su.name, real_name=su.real_name or su.name.title(), email=su.email,
            title=su.title, is_admin=su.is_admin, is_owner=su.is_owner, is_bot=su.is_bot,
            deleted=su.deleted, tz=su.tz, scopes=su.scopes,
        )
        by_name[su.name] = uid
    if not state.users:
        uid = "U0DTUADMIN"
        state.users[uid] = User(id=uid, name="admin", real_name="Admin", email="admin@acme.test",
                                is_admin=True)
        by_name["admin"] = uid

    def uid_of(ref: str) -> str:
        if ref in state.users:
            return ref
        if ref in by_name:
            return by_name[ref]
        raise ValueError(f"seed.slack: unknown user {ref!r}")

    state.me = uid_of(seed.me) if seed.me else next(iter(state.users))
    for sc in seed.channels:
        cid = sc.id or env.id("G" if sc.private else "C", 11)
        creator = uid_of(sc.creator) if sc.creator else state.me
        ch = Channel(id=cid, name=sc.name, created=int(env.now), creator=creator,
                     is_private=sc.private, is_archived=sc.archived, is_general=sc.general,
                     topic=sc.topic, purpose=sc.purpose,
                     members=[uid_of(m) for m in sc.members])
        for sm in sc.messages:
            env.tick(60)
            msg = _message(env, ch, sm, uid_of)
            ch.messages.append(msg)
            for reply in sm.replies:
                env.tick(30)
                r = _message(env, ch, reply, uid_of)
                r.thread_ts = msg.ts
                ch.messages.append(r)
                msg.thread_ts = msg.ts
                msg.reply_count += 1
                msg.latest_reply = r.ts
                if r.user not in msg.reply_users:
                    msg.reply_users.append(r.user)
            if sm.pinned:
                ch.pins.append(msg.ts)
                msg.pinned_to.append(cid)
        state.channels[cid] = ch
    return state


def _message(env: Env, ch: Channel, sm: SeedMessage, uid_of: Any) -> Message:
    msg = Message(ts=next_ts(env, ch), user=uid_of(sm.user), text=sm.text)
    for name, users in sm.reactions.items():
        ids = [uid_of(u) for u in users]
        msg.reactions.append(Reaction(name=name, users=ids, count=len(ids)))
    return msg
