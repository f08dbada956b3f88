"""bookmarks.*: the links saved at the top of a channel."""

from __future__ import annotations

from typing import Any

import msgspec

from .api import S, method
from .errors import SlackError
from .shape import visible_channel
from .state import Bookmark, Channel

MAX_BOOKMARKS = 100


def bookmark_json(b: Bookmark, ch: Channel) -> dict[str, Any]:
    return {"id": b.id, "channel_id": ch.id, "title": b.title, "link": b.link, "emoji": b.emoji or None,
            "icon_url": None, "type": b.type, "entity_id": None, "date_created": b.created,
            "date_updated": b.updated, "rank": f"{ch.bookmarks.index(b):04d}", "last_updated_by_user_id": b.updated_by,
            "last_updated_by_team_id": "", "shortcut_id": None, "app_id": None}


def member_channel(ctx: S, cid: str) -> Channel:
    ch = visible_channel(ctx, cid)
    if ch.is_archived:
        raise SlackError("is_archived")
    if ctx.actor not in ch.members:
        raise SlackError("not_in_channel")
    return ch


def find(ch: Channel, bid: str) -> Bookmark:
    b = next((b for b in ch.bookmarks if b.id == bid), None)
    if b is None:
        raise SlackError("not_found")
    return b


def check_link(link: str) -> None:
    if not link.startswith(("http://", "https://")):
        raise SlackError("invalid_link")


class Add(msgspec.Struct):
    channel_id: str
    title: str
    type: str = "link"
    link: str | None = None
    emoji: str | None = None
    entity_id: str | None = None
    parent_id: str | None = None


@method("bookmarks.add", "bookmarks:write", mutates=True)
def bookmarks_add(ctx: S, p: Add) -> dict[str, Any]:
    """Bookmark a link (title, link, optional emoji) in a channel the caller is in."""
    ch = member_channel(ctx, p.channel_id)
    if p.type != "link":
        raise SlackError("invalid_bookmark_type")
    if not p.title.strip():
        raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing title"]})
    if not p.link:
        raise SlackError("invalid_link")
    check_link(p.link)
    if len(ch.bookmarks) >= MAX_BOOKMARKS:
        raise SlackError("too_many_bookmarks")
    now = int(ctx.env.now)
    b = Bookmark(id=ctx.env.id("Bk", 12), title=p.title, link=p.link, emoji=p.emoji or "",
                 created=now, updated=now, created_by=ctx.actor, updated_by=ctx.actor)
    ch.bookmarks.append(b)
    return {"ok": True, "bookmark": bookmark_json(b, ch)}


class ListArgs(msgspec.Struct):
    channel_id: str


@method("bookmarks.list", "bookmarks:read", mutates=False)
def bookmarks_list(ctx: S, p: ListArgs) -> dict[str, Any]:
    """The bookmarks of a channel, in order."""
    ch = visible_channel(ctx, p.channel_id)
    return {"ok": True, "bookmarks": [bookmark_json(b, ch) for b in ch.bookmarks]}


class Edit(msgspec.Struct):
    channel_id: str
    bookmark_id: str
    title: str | None = None
    link: str | None = None
    emoji: str | None = None


@method("bookmarks.edit", "bookmarks:write", mutates=True)
def bookmarks_edit(ctx: S, p: Edit) -> dict[str, Any]:
    """Change a bookmark's title, link or emoji."""
    ch = member_channel(ctx, p.channel_id)
    b = find(ch, p.bookmark_id)
    if p.link is not None:
        check_link(p.link)
        b.link = p.link
    if p.title is not None:
        b.title = p.title
    if p.emoji is not None:
        b.emoji = p.emoji
    b.updated, b.updated_by = int(ctx.env.now), ctx.actor
    return {"ok": True, "bookmark": bookmark_json(b, ch)}


class Remove(msgspec.Struct):
    channel_id: str
    bookmark_id: str


@method("bookmarks.remove", "bookmarks:write", mutates=True)
def bookmarks_remove(ctx: S, p: Remove) -> dict[str, Any]:
    """Remove a bookmark from a channel."""
    ch = member_channel(ctx, p.channel_id)
    ch.bookmarks.remove(find(ch, p.bookmark_id))
    return {"ok": True}
