"""conversations.* that read: list, info, members, history and thread replies."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.lazy import peek_items
from .api import S, method
from .errors import SlackError
from .shape import (
    channel_json,
    conversation_kind,
    find_message,
    message_json,
    paginate,
    split_csv,
    ts_value,
    visible_channel,
)
from .state import Message

KINDS = {"public_channel", "private_channel", "mpim", "im"}
PUBLIC = frozenset({"public_channel"})


def kinds(types: str | list[str] | None) -> set[str] | frozenset[str]:
    if types is None:  # the usual call
        return PUBLIC
    out = set(split_csv(types)) or PUBLIC
    if not out <= KINDS:
        raise SlackError("invalid_types")
    return out


class ConversationsList(msgspec.Struct):
    cursor: str | None = None
    limit: int = 100
    exclude_archived: bool = False
    types: str | list[str] | None = None


@method("conversations.list", "channels:read", mutates=False)
def conversations_list(ctx: S, p: ConversationsList) -> dict[str, Any]:
    """List the workspace's channels, paged by cursor (types: public_channel, private_channel, mpim,
    im; comma-separated; private ones only where the caller is a member)."""
    return conversations_page(ctx, p.types, p.exclude_archived, p.cursor, p.limit)


def conversations_page(ctx: S, types_arg: str | list[str] | None, exclude_archived: bool, cursor: str | None,
                       limit: int, member: str | None = None) -> dict[str, Any]:
    """A page of the conversations the caller may see, of the given types (and, with `member`,
    only those that user belongs to): the body of conversations.list and users.conversations."""
    types = kinds(types_arg)
    chans = []
    channels = ctx.state.channels
    for _, c in peek_items(channels):  # read-only: the page is answered from the world's own copies
        if (member is not None and member not in c.members) or (exclude_archived and c.is_archived):
            continue
        kind = conversation_kind(c)
        if kind not in types or (kind != "public_channel" and ctx.actor not in c.members):
            continue
        chans.append(c)
    chunk, nxt = paginate(chans, cursor, limit)
    return {"ok": True, "channels": [channel_json(channels[c.id], ctx.actor) for c in chunk],
            "response_metadata": {"next_cursor": nxt}}


class Info(msgspec.Struct):
    channel: str
    include_num_members: bool = False


@method("conversations.info", "channels:read", mutates=False)
def conversations_info(ctx: S, p: Info) -> dict[str, Any]:
    """A channel's details: name, topic, purpose, whether archived or private, member count."""
    ch = visible_channel(ctx, p.channel)
    return {"ok": True, "channel": channel_json(ch, ctx.actor)}


class Members(msgspec.Struct):
    channel: str
    cursor: str | None = None
    limit: int = 100


@method("conversations.members", "channels:read", mutates=False)
def conversations_members(ctx: S, p: Members) -> dict[str, Any]:
    """The user ids of a channel's members, paged by cursor."""
    ch = visible_channel(ctx, p.channel)
    chunk, nxt = paginate(ch.members, p.cursor, p.limit)
    return {"ok": True, "members": chunk, "response_metadata": {"next_cursor": nxt}}


def in_window(msgs: list[Message], oldest: str | None, latest: str | None, inclusive: bool) -> list[Message]:
    if oldest:
        lo = ts_value(oldest, "invalid_ts_oldest")
        msgs = [m for m in msgs if float(m.ts) > lo or (inclusive and float(m.ts) == lo)]
    if latest:
        hi = ts_value(latest, "invalid_ts_latest")
        msgs = [m for m in msgs if float(m.ts) < hi or (inclusive and float(m.ts) == hi)]
    return msgs


class History(msgspec.Struct):
    channel: str
    cursor: str | None = None
    limit: int = 100
    oldest: str | None = None
    latest: str | None = None
    inclusive: bool = False


@method("conversations.history", "channels:history", mutates=False)
def conversations_history(ctx: S, p: History) -> dict[str, Any]:
    """A channel's messages, newest first, paged by cursor (has_more says whether older ones remain).

    Thread replies are not listed (see conversations.replies), except those also sent to the channel.
    oldest/latest bound the window by ts."""
    ch = visible_channel(ctx, p.channel)
    msgs = [m for m in reversed(ch.messages)
            if m.thread_ts is None or m.thread_ts == m.ts or m.subtype == "thread_broadcast"]
    msgs = in_window(msgs, p.oldest, p.latest, p.inclusive)
    chunk, nxt = paginate(msgs, p.cursor, p.limit, most=999)
    s, env = ctx.state, ctx.env
    return {"ok": True, "messages": [message_json(m, s, env) for m in chunk], "has_more": bool(nxt),
            "pin_count": len(ch.pins), "channel_actions_ts": None, "channel_actions_count": 0,
            "response_metadata": {"next_cursor": nxt}}


class Replies(msgspec.Struct):
    channel: str
    ts: str
    cursor: str | None = None
    limit: int = 1000
    oldest: str | None = None
    latest: str | None = None
    inclusive: bool = False


@method("conversations.replies", "channels:history", mutates=False)
def conversations_replies(ctx: S, p: Replies) -> dict[str, Any]:
    """A thread: its parent message first, then the replies oldest first. ts may be the parent's or
    any reply's."""
    ch = visible_channel(ctx, p.channel)
    msg = find_message(ch, p.ts, "thread_not_found")
    root = msg.thread_ts or msg.ts
    parent = find_message(ch, root, "thread_not_found")
    thread = [parent, *(m for m in ch.messages if m.thread_ts == root and m.ts != root)]
    thread = in_window(thread, p.oldest, p.latest, p.inclusive) if (p.oldest or p.latest) else thread
    chunk, nxt = paginate(thread, p.cursor, p.limit)
    s, env = ctx.state, ctx.env
    return {"ok": True, "messages": [message_json(m, s, env) for m in chunk], "has_more": bool(nxt),
            "response_metadata": {"next_cursor": nxt}}
