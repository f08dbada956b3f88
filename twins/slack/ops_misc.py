"""reactions.*, pins.* and search.messages."""

from __future__ import annotations

from typing import Any

import msgspec

from .api import S, method
from .errors import SlackError
from .shape import message_json, message_to_change, paginate, permalink, visible_channel
from .state import Channel, Pin, Reaction

EMOJI_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_+-'")


def emoji(name: str) -> str:
    """`:thumbsup:` and `thumbsup` alike; skin tones (`wave::skin-tone-2`) kept."""
    base = name.strip().strip(":")
    if not base or not all(c in EMOJI_CHARS or c == ":" for c in base.lower()):
        raise SlackError("invalid_name")
    return base


class React(msgspec.Struct):
    name: str
    channel: str | None = None
    timestamp: str | None = None


def reacted_message(ctx: S, p: React | ReactionsGet) -> tuple[Channel, Any]:
    if not p.channel or not p.timestamp:
        raise SlackError("no_item_specified")
    ch = visible_channel(ctx, p.channel)
    return ch, message_to_change(ctx, ch, p.timestamp)


@method("reactions.add", "reactions:write", mutates=True)
def reactions_add(ctx: S, p: React) -> dict[str, Any]:
    """Add an emoji reaction (name without colons, e.g. white_check_mark) to a message by channel
    id and its timestamp."""
    name = emoji(p.name)
    ch, msg = reacted_message(ctx, p)
    if ch.is_archived:
        raise SlackError("is_archived")
    r = next((r for r in msg.reactions if r.name == name), None)
    if r is None:
        if len(msg.reactions) >= 50:
            raise SlackError("too_many_emoji")
        msg.reactions.append(Reaction(name=name, users=[ctx.actor], count=1))
    elif ctx.actor in r.users:
        raise SlackError("already_reacted")
    else:
        r.users.append(ctx.actor)
        r.count += 1
    return {"ok": True}


@method("reactions.remove", "reactions:write", mutates=True)
def reactions_remove(ctx: S, p: React) -> dict[str, Any]:
    """Remove the caller's emoji reaction from a message."""
    name = emoji(p.name)
    _, msg = reacted_message(ctx, p)
    r = next((r for r in msg.reactions if r.name == name), None)
    if r is None or ctx.actor not in r.users:
        raise SlackError("no_reaction")
    r.users.remove(ctx.actor)
    r.count -= 1
    if not r.users:
        msg.reactions.remove(r)
    return {"ok": True}


class ReactionsGet(msgspec.Struct):
    channel: str | None = None
    timestamp: str | None = None
    full: bool = False


@method("reactions.get", "reactions:read", mutates=False)
def reactions_get(ctx: S, p: ReactionsGet) -> dict[str, Any]:
    """The reactions on a message (by channel id and timestamp), with the message itself."""
    ch, msg = reacted_message(ctx, p)
    body = message_json(msg, ctx.state, ctx.env)
    body["permalink"] = permalink(ctx.state, ch, msg)
    return {"ok": True, "type": "message", "channel": ch.id, "message": body}


def member_channel(ctx: S, cid: str) -> Channel:
    ch = visible_channel(ctx, cid)
    if ctx.actor not in ch.members:
        raise SlackError("not_in_channel")
    return ch


class PinItem(msgspec.Struct):
    channel: str
    timestamp: str | None = None


@method("pins.add", "pins:write", mutates=True)
def pins_add(ctx: S, p: PinItem) -> dict[str, Any]:
    """Pin a message (by its timestamp) to a channel the caller is in."""
    if not p.timestamp:
        raise SlackError("no_item_specified")
    ch = member_channel(ctx, p.channel)
    msg = message_to_change(ctx, ch, p.timestamp)
    if msg.subtype not in (None, "thread_broadcast"):
        raise SlackError("not_pinnable")
    if any(pin.ts == msg.ts for pin in ch.pins):
        raise SlackError("already_pinned")
    if len(ch.pins) >= 100:
        raise SlackError("too_many_pins")
    ch.pins.append(Pin(ts=msg.ts, by=ctx.actor, at=int(ctx.env.now)))
    msg.pinned_to.append(ch.id)
    return {"ok": True}


@method("pins.remove", "pins:write", mutates=True)
def pins_remove(ctx: S, p: PinItem) -> dict[str, Any]:
    """Un-pin a message from a channel."""
    if not p.timestamp:
        raise SlackError("no_item_specified")
    ch = member_channel(ctx, p.channel)
    msg = message_to_change(ctx, ch, p.timestamp)
    if not any(pin.ts == msg.ts for pin in ch.pins):
        raise SlackError("no_pin")
    ch.pins = [pin for pin in ch.pins if pin.ts != msg.ts]
    msg.pinned_to = [c for c in msg.pinned_to if c != ch.id]
    return {"ok": True}


class PinsList(msgspec.Struct):
    channel: str


@method("pins.list", "pins:read", mutates=False)
def pins_list(ctx: S, p: PinsList) -> dict[str, Any]:
    """The messages pinned in a channel, most recently pinned first."""
    s, env = ctx.state, ctx.env
    ch = visible_channel(ctx, p.channel)
    items = []
    for pin in reversed(ch.pins):
        msg = next((m for m in ch.messages if m.ts == pin.ts), None)
        if msg is None:
            continue
        body = message_json(msg, s, env)
        body["permalink"] = permalink(s, ch, msg)
        items.append({"type": "message", "created": pin.at, "created_by": pin.by, "channel": ch.id,
                      "message": body})
    return {"ok": True, "items": items}


class Search(msgspec.Struct):
    query: str
    count: int = 20
    page: int = 1
    sort: str = "score"
    sort_dir: str = "desc"
    highlight: bool = False


def parse_query(s: Any, q: str) -> tuple[list[str], set[str] | None, set[str] | None]:
    """Terms, and the channel ids (`in:#name`, `in:<#C..>`) and user ids (`from:@name`,
    `from:<@U..>`) a query names."""
    terms: list[str] = []
    chans: set[str] | None = None
    users: set[str] | None = None
    for raw in q.split():
        word = raw.strip('"')
        low = word.lower()
        if low.startswith("in:"):
            ref = word[3:].strip("<>").lstrip("#").split("|")[0]
            chans = (chans or set()) | {c.id for c in s.channels.values() if ref in (c.id, c.name)}
        elif low.startswith("from:"):
            ref = word[5:].strip("<>").lstrip("@").split("|")[0]
            users = (users or set()) | {u.id for u in s.users.values()
                                        if ref in (u.id, u.name) or ref.lower() == u.name.lower()}
        elif word:
            terms.append(low)
    return terms, chans, users


@method("search.messages", "search:read", mutates=False)
def search_messages(ctx: S, p: Search) -> dict[str, Any]:
    """Search messages the caller can see: every word must appear in the text (case-insensitive);
    `in:#channel` and `from:@user` narrow it. Newest first; paged by page/count."""
    s = ctx.state
    if not p.query.strip():
        raise SlackError("no_query")
    terms, chans, users = parse_query(s, p.query)
    hits = []
    for ch in s.channels.values():
        if (ch.is_private or ch.is_im) and ctx.actor not in ch.members:
            continue
        if chans is not None and ch.id not in chans:
            continue
        for m in ch.messages:
            if m.subtype not in (None, "thread_broadcast"):
                continue
            if users is not None and m.user not in users:
                continue
            text = m.text.lower()
            if all(t in text for t in terms):
                hits.append((ch, m))
    hits.sort(key=lambda h: float(h[1].ts), reverse=p.sort_dir != "asc")
    count = min(max(p.count, 1), 100)
    total = len(hits)
    pages = max(1, -(-total // count))
    pg = max(p.page, 1)
    chunk = hits[(pg - 1) * count: pg * count]
    matches = []
    for ch, m in chunk:
        u = s.users.get(m.user)
        matches.append({
            "iid": f"{ch.id}-{m.ts}", "team": s.team_id, "type": "message", "user": m.user,
            "username": u.name if u else "", "ts": m.ts, "text": m.text,
            "permalink": permalink(s, ch, m),
            "channel": {"id": ch.id, "name": ch.name, "is_channel": not ch.is_private,
                        "is_private": ch.is_private, "is_im": ch.is_im, "is_mpim": ch.is_mpim},
        })
    first = (pg - 1) * count + 1 if chunk else 0
    return {"ok": True, "query": p.query, "messages": {
        "total": total, "matches": matches,
        "paging": {"count": count, "total": total, "page": pg, "pages": pages},
        "pagination": {"total_count": total, "page": pg, "per_page": count, "page_count": pages,
                       "first": first, "last": first + len(chunk) - 1 if chunk else 0},
    }}


class ReactionsList(msgspec.Struct):
    user: str | None = None
    full: bool = False
    count: int = 100
    page: int = 1
    cursor: str | None = None
    limit: int = 0


@method("reactions.list", "reactions:read", mutates=False)
def reactions_list(ctx: S, p: ReactionsList) -> dict[str, Any]:
    """The messages a user (default: the caller) reacted to, in channels the caller can see,
    newest first; paged by cursor/limit (or count/page)."""
    s, env = ctx.state, ctx.env
    uid = p.user or ctx.actor
    if uid not in s.users:
        raise SlackError("user_not_found")
    hits = []
    for ch in s.channels.values():
        if (ch.is_private or ch.is_im) and ctx.actor not in ch.members:
            continue
        for m in ch.messages:
            if any(uid in r.users for r in m.reactions):
                hits.append((ch, m))
    hits.sort(key=lambda h: float(h[1].ts), reverse=True)
    if p.limit or p.cursor:
        chunk, nxt = paginate(hits, p.cursor, p.limit)
        extra: dict[str, Any] = {"response_metadata": {"next_cursor": nxt}}
    else:
        count = min(max(p.count, 1), 1000)
        pg = max(p.page, 1)
        chunk = hits[(pg - 1) * count: pg * count]
        extra = {"paging": {"count": count, "total": len(hits), "page": pg,
                            "pages": max(1, -(-len(hits) // count))}}
    items = [{"type": "message", "channel": ch.id, "message": message_json(m, s, env) | {
        "permalink": permalink(s, ch, m)}} for ch, m in chunk]
    return {"ok": True, "items": items, **extra}
