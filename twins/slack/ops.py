"""Slack Web API operations. Each handler is one method, reachable through both doors."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Ctx, NoParams, Registry
from ..core.paging import decode_cursor, encode_cursor, page
from .errors import SlackError
from .seed import next_ts
from .state import Channel, Message, SlackState, User

ops = Registry("slack")
S = Ctx[SlackState]
BOTH = ("GET", "POST")


def _route(method: str) -> str:
    return f"/api/{method}"


# -- shaping --------------------------------------------------------------------------------------

def user_json(u: User, team_id: str) -> dict[str, Any]:
    return {
        "id": u.id, "team_id": team_id, "name": u.name, "deleted": u.deleted,
        "real_name": u.real_name, "tz": u.tz, "is_admin": u.is_admin, "is_owner": u.is_owner,
        "is_bot": u.is_bot, "is_app_user": False,
        "profile": {"real_name": u.real_name, "display_name": u.name, "email": u.email,
                    "title": u.title, "team": team_id},
    }


def channel_json(c: Channel, me: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id, "name": c.name, "is_channel": not c.is_private and not c.is_im,
        "is_group": c.is_private, "is_im": c.is_im, "is_mpim": c.is_mpim,
        "is_private": c.is_private, "created": c.created, "creator": c.creator,
        "is_archived": c.is_archived, "is_general": c.is_general, "name_normalized": c.name,
        "is_member": me in c.members, "num_members": len(c.members),
        "topic": {"value": c.topic, "creator": c.creator if c.topic else "", "last_set": 0},
        "purpose": {"value": c.purpose, "creator": c.creator if c.purpose else "", "last_set": 0},
    }
    if c.is_im:
        out["user"] = c.user
    return out


def message_json(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(m)
    out.pop("pinned_to", None)
    out.pop("files", None)
    return out


# -- lookups --------------------------------------------------------------------------------------

def get_channel(s: SlackState, cid: str) -> Channel:
    ch = s.channels.get(cid)
    if ch is None:
        raise SlackError("channel_not_found")
    return ch


def visible_channel(ctx: S, cid: str) -> Channel:
    """A channel the actor may see: public ones, and private ones they belong to."""
    ch = get_channel(ctx.state, cid)
    if (ch.is_private or ch.is_im) and ctx.actor not in ch.members:
        raise SlackError("channel_not_found")
    return ch


def get_user(s: SlackState, uid: str) -> User:
    u = s.users.get(uid)
    if u is None:
        raise SlackError("user_not_found")
    return u


def split_csv(value: str | list[str]) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if v]
    return [v.strip() for v in value.split(",") if v.strip()]


def paginate(items: list[Any], cursor: str, limit: int, default: int = 100) -> tuple[list[Any], str]:
    """A page of items and the next cursor ("" on the last page), Slack style."""
    offset = 0
    if cursor:
        got = decode_cursor(cursor)
        if got is None:
            raise SlackError("invalid_cursor")
        offset = got
    size = limit if limit > 0 else default
    chunk, nxt = page(items, offset, min(size, 1000))
    return list(chunk), encode_cursor(nxt) if nxt is not None else ""


# -- auth -----------------------------------------------------------------------------------------

@ops.op("auth.test", BOTH, _route("auth.test"), mutates=False)
def auth_test(ctx: S, p: NoParams) -> dict[str, Any]:
    """Check authentication and tell who the token acts as."""
    s = ctx.state
    u = get_user(s, ctx.actor)
    return {"ok": True, "url": f"https://{s.domain}.slack.com/", "team": s.team, "user": u.name,
            "team_id": s.team_id, "user_id": u.id, "is_enterprise_install": False}


# -- chat -----------------------------------------------------------------------------------------

class PostMessage(msgspec.Struct):
    channel: str
    text: str = ""
    thread_ts: str | None = None
    blocks: Any = None
    reply_broadcast: bool = False


@ops.op("chat.postMessage", "POST", _route("chat.postMessage"))
def chat_post_message(ctx: S, p: PostMessage) -> dict[str, Any]:
    """Send a message to a channel (by id) or as a reply in a thread (thread_ts)."""
    ch = visible_channel(ctx, p.channel)
    if ch.is_archived:
        raise SlackError("is_archived")
    if ctx.actor not in ch.members:
        raise SlackError("not_in_channel")
    if not p.text and not p.blocks:
        raise SlackError("no_text")
    msg = Message(ts=next_ts(ctx.env, ch), user=ctx.actor, text=p.text)
    if p.thread_ts:
        parent = next((m for m in ch.messages if m.ts == p.thread_ts), None)
        if parent is None:
            raise SlackError("thread_not_found")
        msg.thread_ts = p.thread_ts
        parent.thread_ts = parent.ts
        parent.reply_count += 1
        parent.latest_reply = msg.ts
        if ctx.actor not in parent.reply_users:
            parent.reply_users.append(ctx.actor)
    ch.messages.append(msg)
    return {"ok": True, "channel": ch.id, "ts": msg.ts, "message": message_json(msg)}


# -- conversations --------------------------------------------------------------------------------

class ConversationsList(msgspec.Struct):
    cursor: str = ""
    limit: int = 100
    exclude_archived: bool = False
    types: str = "public_channel"


@ops.op("conversations.list", BOTH, _route("conversations.list"), mutates=False)
def conversations_list(ctx: S, p: ConversationsList) -> dict[str, Any]:
    """List channels in the workspace (types: public_channel, private_channel, mpim, im)."""
    types = set(split_csv(p.types)) or {"public_channel"}
    chans = []
    for c in ctx.state.channels.values():
        if p.exclude_archived and c.is_archived:
            continue
        kind = "im" if c.is_im else "mpim" if c.is_mpim else "private_channel" if c.is_private else "public_channel"
        if kind not in types:
            continue
        if kind != "public_channel" and ctx.actor not in c.members:
            continue
        chans.append(c)
    chunk, nxt = paginate(chans, p.cursor, p.limit)
    return {"ok": True, "channels": [channel_json(c, ctx.actor) for c in chunk],
            "response_metadata": {"next_cursor": nxt}}


class ConversationsCreate(msgspec.Struct):
    name: str
    is_private: bool = False


@ops.op("conversations.create", "POST", _route("conversations.create"))
def conversations_create(ctx: S, p: ConversationsCreate) -> dict[str, Any]:
    """Create a public or private channel; the caller becomes its first member."""
    s = ctx.state
    name = p.name.strip().lower()
    if not name or len(name) > 80 or any(ch in name for ch in " .,#"):
        raise SlackError("invalid_name_specials")
    if any(c.name == name for c in s.channels.values()):
        raise SlackError("name_taken")
    cid = ctx.env.id("G" if p.is_private else "C", 11)
    ch = Channel(id=cid, name=name, created=int(ctx.env.now), creator=ctx.actor,
                 is_private=p.is_private, members=[ctx.actor])
    s.channels[cid] = ch
    return {"ok": True, "channel": channel_json(ch, ctx.actor)}


class ConversationsInvite(msgspec.Struct):
    channel: str
    users: str | list[str]


@ops.op("conversations.invite", "POST", _route("conversations.invite"))
def conversations_invite(ctx: S, p: ConversationsInvite) -> dict[str, Any]:
    """Invite users (comma-separated ids) to a channel."""
    ch = visible_channel(ctx, p.channel)
    if ch.is_archived:
        raise SlackError("is_archived")
    if ctx.actor not in ch.members:
        raise SlackError("not_in_channel")
    ids = split_csv(p.users)
    if not ids:
        raise SlackError("no_user")
    missing = [u for u in ids if u not in ctx.state.users]
    if missing:
        raise SlackError("user_not_found")
    if ctx.actor in ids:
        raise SlackError("cant_invite_self")
    if all(u in ch.members for u in ids):
        raise SlackError("already_in_channel")
    for u in ids:
        if u not in ch.members:
            ch.members.append(u)
    return {"ok": True, "channel": channel_json(ch, ctx.actor)}


class ConversationsHistory(msgspec.Struct):
    channel: str
    cursor: str = ""
    limit: int = 100
    oldest: str = ""
    latest: str = ""


@ops.op("conversations.history", BOTH, _route("conversations.history"), mutates=False)
def conversations_history(ctx: S, p: ConversationsHistory) -> dict[str, Any]:
    """A channel's messages, newest first (thread replies excluded)."""
    ch = visible_channel(ctx, p.channel)
    msgs = [m for m in reversed(ch.messages) if m.thread_ts is None or m.thread_ts == m.ts]
    if p.oldest:
        msgs = [m for m in msgs if float(m.ts) > float(p.oldest)]
    if p.latest:
        msgs = [m for m in msgs if float(m.ts) < float(p.latest)]
    chunk, nxt = paginate(msgs, p.cursor, p.limit)
    return {"ok": True, "messages": [message_json(m) for m in chunk], "has_more": bool(nxt),
            "pin_count": len(ch.pins), "response_metadata": {"next_cursor": nxt}}


# -- users ----------------------------------------------------------------------------------------

class UsersList(msgspec.Struct):
    cursor: str = ""
    limit: int = 100


@ops.op("users.list", BOTH, _route("users.list"), mutates=False)
def users_list(ctx: S, p: UsersList) -> dict[str, Any]:
    """List the workspace's users."""
    s = ctx.state
    chunk, nxt = paginate(list(s.users.values()), p.cursor, p.limit)
    return {"ok": True, "members": [user_json(u, s.team_id) for u in chunk],
            "cache_ts": int(ctx.env.now), "response_metadata": {"next_cursor": nxt}}
