"""Builds Slack state from a scenario's `seed.slack` data.

A seed that names something it does not hold (a channel member, a message's author, a file's
channel) raises ValueError whose message starts with the field, e.g.
`seed.slack.channels[0].members[1]: unknown user 'ghost'`, so the scenario loader can point at
the line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from ..core.env import Env
from .state import Channel, File, Message, Pin, Reaction, SlackState, User

DAY = 86400.0


class SeedMessage(msgspec.Struct, forbid_unknown_fields=True):
    """A message; `ts` or `days_ago` place it in time (default: a few days before `now`)."""

    user: str
    text: str
    ts: str | None = None
    days_ago: float | None = None
    replies: list[SeedMessage] = []
    reactions: dict[str, list[str]] = {}
    pinned: bool = False


class SeedChannel(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    id: str | None = None
    private: bool = False
    im: bool = False
    archived: bool = False
    general: bool = False
    topic: str = ""
    purpose: str = ""
    creator: str | None = None
    created_days_ago: float = 365.0
    members: list[str] = []
    messages: list[SeedMessage] = []


class SeedUser(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    id: str | None = None
    real_name: str = ""
    display_name: str = ""
    email: str = ""
    title: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    bot_id: str | None = None
    deleted: bool = False
    tz: str = "America/Los_Angeles"
    scopes: list[str] | None = None
    phone: str = ""
    status_text: str = ""
    status_emoji: str = ""
    presence: str = "active"
    dnd_enabled: bool = True  # a daily Do Not Disturb schedule, dnd_start to dnd_end ("HH:MM", in tz)
    dnd_start: str = "22:00"
    dnd_end: str = "08:00"


class SeedFile(msgspec.Struct, forbid_unknown_fields=True):
    """A file already uploaded (and shared into `channels`, by name or id)."""

    name: str
    id: str | None = None
    title: str = ""
    user: str | None = None
    content: str = ""
    mimetype: str = "text/plain"
    channels: list[str] = []


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
    files: list[SeedFile] = []
    emoji: dict[str, str] = {}  # custom emoji: name -> image URL or "alias:<name>"


def ts_of(t: float) -> str:
    micros = round(t * 1_000_000)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def next_ts(env: Env, channel: Channel) -> str:
    """A message ts from the world clock, unique within the channel."""
    micros = int(env.now * 1_000_000)
    last = channel.last_ts
    if last:
        before = int(last.replace(".", ""))
        if before >= micros:
            micros = before + 1
    if micros >= 1_000_000:  # the digits of the seconds, then the six of the microseconds
        digits = str(micros)
        ts = f"{digits[:-6]}.{digits[-6:]}"
    else:
        ts = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
    channel.last_ts = ts
    return ts


def build(data: Any, env: Env) -> SlackState:
    seed = msgspec.convert(data or {}, SlackSeed)
    state = SlackState(team_id=seed.team.id, team=seed.team.name, domain=seed.team.domain, me="")
    by_name: dict[str, str] = {}
    for i, su in enumerate(seed.users):
        uid = su.id or env.id("U", 11)
        if uid in state.users:
            raise ValueError(f"seed.slack.users[{i}].id: duplicate id {uid!r}")
        state.users[uid] = User(
            id=uid, name=su.name, real_name=su.real_name or su.name.title(),
            display_name=su.display_name, email=su.email, title=su.title, is_admin=su.is_admin,
            is_owner=su.is_owner, is_bot=su.is_bot,
            bot_id=(su.bot_id or env.id("B", 11)) if su.is_bot else None,
            deleted=su.deleted, tz=su.tz, scopes=su.scopes, updated=int(env.now - 30 * DAY),
            phone=su.phone, status_text=su.status_text, status_emoji=su.status_emoji,
            presence=su.presence, dnd_enabled=su.dnd_enabled, dnd_start=su.dnd_start, dnd_end=su.dnd_end,
        )
        by_name.setdefault(su.name, uid)
    if not state.users:
        uid = "U0DTUADMIN"
        state.users[uid] = User(id=uid, name="admin", real_name="Admin", email="admin@acme.test",
                                is_admin=True, updated=int(env.now - 30 * DAY))
        by_name["admin"] = uid

    def uid_of(ref: str, field: str) -> str:
        if ref in state.users:
            return ref
        if ref in by_name:
            return by_name[ref]
        raise ValueError(f"seed.slack.{field}: unknown user {ref!r}; "
                         f"name a user of seed.slack.users by id or name")

    state.me = uid_of(seed.me, "me") if seed.me else next(iter(state.users))
    clock = env.now - 3 * DAY
    for i, sc in enumerate(seed.channels):
        clock = _channel(state, env, sc, uid_of, clock, f"channels[{i}]")
    for i, sf in enumerate(seed.files):
        clock += 60
        _file(state, env, sf, uid_of, clock, f"files[{i}]")
    state.emoji = dict(seed.emoji)
    return state


UidOf = Callable[[str, str], str]


def _channel(state: SlackState, env: Env, sc: SeedChannel, uid_of: UidOf, clock: float, at: str) -> float:
    prefix = "D" if sc.im else "G" if sc.private else "C"
    cid = sc.id or env.id(prefix, 11)
    if cid in state.channels:
        raise ValueError(f"seed.slack.{at}.id: duplicate id {cid!r}")
    creator = uid_of(sc.creator, f"{at}.creator") if sc.creator else state.me
    members = [uid_of(m, f"{at}.members[{j}]") for j, m in enumerate(sc.members)]
    created = int(env.now - sc.created_days_ago * DAY)
    ch = Channel(id=cid, name=sc.name, created=created, creator=creator,
                 is_private=sc.private or sc.im, is_im=sc.im, is_archived=sc.archived,
                 is_general=sc.general, topic=sc.topic, topic_by=creator if sc.topic else "",
                 topic_at=created if sc.topic else 0, purpose=sc.purpose,
                 purpose_by=creator if sc.purpose else "", purpose_at=created if sc.purpose else 0,
                 members=members)
    if sc.im:
        others = [m for m in members if m != creator]
        ch.user = others[0] if others else creator
    for k, sm in enumerate(sc.messages):
        clock = _at(env, sm, clock + 60)
        msg = _message(ch, sm, uid_of, clock, f"{at}.messages[{k}]")
        ch.messages.append(msg)
        for r_i, reply in enumerate(sm.replies):
            clock = _at(env, reply, clock + 30)
            r = _message(ch, reply, uid_of, clock, f"{at}.messages[{k}].replies[{r_i}]")
            r.thread_ts = msg.ts
            r.parent_user_id = msg.user
            ch.messages.append(r)
            msg.thread_ts = msg.ts
            msg.reply_count += 1
            msg.latest_reply = r.ts
            if r.user not in msg.reply_users:
                msg.reply_users.append(r.user)
        if sm.pinned:
            ch.pins.append(Pin(ts=msg.ts, by=msg.user, at=int(clock)))
            msg.pinned_to.append(cid)
    ch.messages.sort(key=lambda m: float(m.ts))
    if ch.messages:
        ch.last_ts = max((m.ts for m in ch.messages), key=float)
    state.channels[cid] = ch
    return clock


def _at(env: Env, sm: SeedMessage, default: float) -> float:
    if sm.ts is not None:
        return float(sm.ts)
    if sm.days_ago is not None:
        return env.now - sm.days_ago * DAY
    return default


def _message(ch: Channel, sm: SeedMessage, uid_of: UidOf, t: float, at: str) -> Message:
    ts = sm.ts or ts_of(t)
    if any(m.ts == ts for m in ch.messages):
        raise ValueError(f"seed.slack.{at}.ts: two messages in #{ch.name} at ts {ts}")
    msg = Message(ts=ts, user=uid_of(sm.user, f"{at}.user"), text=sm.text)
    for name, users in sm.reactions.items():
        ids = [uid_of(u, f"{at}.reactions.{name}[{j}]") for j, u in enumerate(users)]
        msg.reactions.append(Reaction(name=name, users=ids, count=len(ids)))
    return msg


def _file(state: SlackState, env: Env, sf: SeedFile, uid_of: UidOf, t: float, at: str) -> None:
    fid = sf.id or env.id("F", 11)
    if fid in state.files:
        raise ValueError(f"seed.slack.{at}.id: duplicate id {fid!r}")
    user = uid_of(sf.user, f"{at}.user") if sf.user else state.me
    data = sf.content.encode()
    f = File(id=fid, name=sf.name, title=sf.title or sf.name, user=user, created=int(t),
             size=len(data), mimetype=sf.mimetype, filetype=filetype(sf.name), content=data,
             uploaded=True, completed=True)
    names = {c.name: c.id for c in state.channels.values()}
    for j, ref in enumerate(sf.channels):
        cid = ref if ref in state.channels else names.get(ref.lstrip("#"))
        if cid is None:
            raise ValueError(f"seed.slack.{at}.channels[{j}]: unknown channel {ref!r}; "
                             f"name a channel of seed.slack.channels by id or name")
        ch = state.channels[cid]
        msg = Message(ts=ts_of(t), user=user, text="", files=[fid])
        if any(m.ts == msg.ts for m in ch.messages):
            msg.ts = ts_of(t + 0.000001)
        ch.messages.append(msg)
        ch.messages.sort(key=lambda m: float(m.ts))
        ch.last_ts = max((m.ts for m in ch.messages), key=float)
        f.channels.append(cid)
        f.shares[cid] = [msg.ts]
    state.files[fid] = f


def filetype(name: str) -> str:
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    return {"txt": "text", "md": "markdown", "py": "python", "csv": "csv", "json": "json",
            "pdf": "pdf", "png": "png", "jpg": "jpg", "jpeg": "jpg", "gif": "gif",
            "zip": "zip", "docx": "docx", "xlsx": "xlsx"}.get(ext, ext or "binary")
