"""conversations.*: creating, joining, inviting, removing, archiving, renaming and describing
channels, and opening DMs."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from ..core.lazy import peek_items
from .api import S, method
from .errors import SlackError
from .shape import (
    channel_json,
    get_user,
    open_im,
    split_csv,
    system_message,
    visible_channel,
    writable_channel,
)
from .state import Channel, SlackState

MAX_TOPIC = 250
PLAIN_NAME = re.compile(r"[a-z0-9_-]+")
"""An ASCII name of the allowed characters (what the character rules below accept of ASCII)."""


def check_name(s: SlackState, name: str, exclude: str | None = None) -> str:
    """Slack's channel-name rules: lowercase letters, digits, `-` and `_`, at most 80 characters."""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > 80:
        raise SlackError("invalid_name_maxlength")
    if not (name.isascii() and PLAIN_NAME.fullmatch(name)) and any(  # the character loop only off the usual path
            not (c.isalnum() and not c.isupper()) and c not in "-_" for c in name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")
    if any(c.name == name and c.id != exclude and not c.is_im for _, c in peek_items(s.channels)):
        raise SlackError("name_taken")
    return name


def not_for_dms(ch: Channel) -> None:
    if ch.is_im or ch.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")


class Create(msgspec.Struct):
    name: str
    is_private: bool = False


@method("conversations.create", "channels:write", mutates=True)
def conversations_create(ctx: S, p: Create) -> dict[str, Any]:
    """Create a public (or, with is_private, private) channel; the caller becomes its first member.

    Names are lowercase letters, digits, hyphens and underscores (no '#'), unique in the workspace,
    archived channels included."""
    s = ctx.state
    name = check_name(s, p.name)
    cid = ctx.env.id("G" if p.is_private else "C", 11)
    ch = Channel(id=cid, name=name, created=int(ctx.env.now), creator=ctx.actor,
                 is_private=p.is_private, members=[ctx.actor])
    s.channels[cid] = ch
    ctx.mark(("channel", cid))
    system_message(ctx.env, ch, ctx.actor, "channel_join", f"<@{ctx.actor}> has joined the channel")
    return {"ok": True, "channel": channel_json(ch, ctx.actor)}


class Invite(msgspec.Struct):
    channel: str
    users: str | list[str]
    force: bool = False


@method("conversations.invite", "channels:write", mutates=True)
def conversations_invite(ctx: S, p: Invite) -> dict[str, Any]:
    """Invite users (comma-separated user ids, up to 1000) to a channel the caller is in."""
    s = ctx.state
    ch = writable_channel(ctx, p.channel)
    not_for_dms(ch)
    ids = split_csv(p.users)
    if not ids:
        raise SlackError("no_user")
    if len(ids) > 1000:
        raise SlackError("too_many_users")
    errors: list[dict[str, Any]] = []
    for uid in ids:
        u = s.users.get(uid)
        code = ("user_not_found" if u is None else "cant_invite_self" if uid == ctx.actor
                else "cant_invite" if u.deleted
                else "already_in_channel" if uid in ch.members else None)
        if code is not None:
            errors.append({"user": uid, "ok": False, "error": code})
    if errors and (len(errors) == len(ids) or not p.force):
        raise SlackError(errors[0]["error"], errors=errors)
    bad = {e["user"] for e in errors}
    for uid in dict.fromkeys(ids):
        if uid not in bad:
            ch.members.append(uid)
            system_message(ctx.env, ch, uid, "channel_join", f"<@{uid}> has joined the channel")
    out: dict[str, Any] = {"ok": True, "channel": channel_json(ch, ctx.actor)}
    if errors:
        out["errors"] = errors
    return out


class Kick(msgspec.Struct):
    channel: str
    user: str


@method("conversations.kick", "channels:write", mutates=True)
def conversations_kick(ctx: S, p: Kick) -> dict[str, Any]:
    """Remove a user from a channel."""
    ch = visible_channel(ctx, p.channel)
    not_for_dms(ch)
    get_user(ctx.state, p.user)
    if p.user == ctx.actor:
        raise SlackError("cant_kick_self")
    if ch.is_general:
        raise SlackError("cant_kick_from_general")
    if p.user not in ch.members:
        raise SlackError("not_in_channel")
    ch.members.remove(p.user)
    return {"ok": True}


class ChannelOnly(msgspec.Struct):
    channel: str


@method("conversations.join", "channels:write", mutates=True)
def conversations_join(ctx: S, p: ChannelOnly) -> dict[str, Any]:
    """Join a public channel."""
    ch = visible_channel(ctx, p.channel)
    if ch.is_private or ch.is_im or ch.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")
    if ch.is_archived:
        raise SlackError("is_archived")
    if ctx.actor in ch.members:
        return {"ok": True, "channel": channel_json(ch, ctx.actor), "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]}}
    ch.members.append(ctx.actor)
    system_message(ctx.env, ch, ctx.actor, "channel_join", f"<@{ctx.actor}> has joined the channel")
    return {"ok": True, "channel": channel_json(ch, ctx.actor)}


@method("conversations.leave", "channels:write", mutates=True)
def conversations_leave(ctx: S, p: ChannelOnly) -> dict[str, Any]:
    """Leave a channel (not #general, not an archived one)."""
    ch = visible_channel(ctx, p.channel)
    if ch.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if ch.is_general:
        raise SlackError("cant_leave_general")
    if ch.is_archived:
        raise SlackError("is_archived")
    if ctx.actor not in ch.members:
        return {"ok": True, "not_in_channel": True}
    if ch.is_private and len(ch.members) == 1:
        raise SlackError("last_member")
    system_message(ctx.env, ch, ctx.actor, "channel_leave", f"<@{ctx.actor}> has left the channel")
    ch.members.remove(ctx.actor)
    return {"ok": True}


@method("conversations.archive", "channels:write", mutates=True)
def conversations_archive(ctx: S, p: ChannelOnly) -> dict[str, Any]:
    """Archive a channel the caller is in (not #general). Its history stays readable."""
    ch = visible_channel(ctx, p.channel)
    not_for_dms(ch)
    if ch.is_archived:
        raise SlackError("already_archived")
    if ch.is_general:
        raise SlackError("cant_archive_general")
    if ctx.actor not in ch.members:
        raise SlackError("not_in_channel")
    system_message(ctx.env, ch, ctx.actor, "channel_archive", "archived the channel")
    ch.is_archived = True
    return {"ok": True}


@method("conversations.unarchive", "channels:write", mutates=True)
def conversations_unarchive(ctx: S, p: ChannelOnly) -> dict[str, Any]:
    """Bring an archived channel back."""
    ch = visible_channel(ctx, p.channel)
    not_for_dms(ch)
    if not ch.is_archived:
        raise SlackError("not_archived")
    ch.is_archived = False
    if ctx.actor not in ch.members:
        ch.members.append(ctx.actor)
    system_message(ctx.env, ch, ctx.actor, "channel_unarchive", "un-archived the channel")
    return {"ok": True}


class Rename(msgspec.Struct):
    channel: str
    name: str


@method("conversations.rename", "channels:write", mutates=True)
def conversations_rename(ctx: S, p: Rename) -> dict[str, Any]:
    """Rename a channel the caller is in (same name rules as conversations.create)."""
    ch = writable_channel(ctx, p.channel)
    not_for_dms(ch)
    name = check_name(ctx.state, p.name, exclude=ch.id)
    if name != ch.name:
        old = ch.name
        ch.previous_names.insert(0, old)
        ch.name = name
        system_message(ctx.env, ch, ctx.actor, "channel_name",
                       f'renamed the channel from "{old}" to "{name}"')
    return {"ok": True, "channel": channel_json(ch, ctx.actor)}


class SetTopic(msgspec.Struct):
    channel: str
    topic: str


@method("conversations.setTopic", "channels:write", mutates=True)
def conversations_set_topic(ctx: S, p: SetTopic) -> dict[str, Any]:
    """Set a channel's topic (at most 250 characters)."""
    ch = writable_channel(ctx, p.channel)
    if len(p.topic) > MAX_TOPIC:
        raise SlackError("too_long")
    ch.topic, ch.topic_by, ch.topic_at = p.topic, ctx.actor, int(ctx.env.now)
    system_message(ctx.env, ch, ctx.actor, "channel_topic", f"set the channel topic: {p.topic}")
    return {"ok": True, "channel": channel_json(ch, ctx.actor)}


class SetPurpose(msgspec.Struct):
    channel: str
    purpose: str


@method("conversations.setPurpose", "channels:write", mutates=True)
def conversations_set_purpose(ctx: S, p: SetPurpose) -> dict[str, Any]:
    """Set a channel's purpose, its description (at most 250 characters)."""
    ch = writable_channel(ctx, p.channel)
    if len(p.purpose) > MAX_TOPIC:
        raise SlackError("too_long")
    ch.purpose, ch.purpose_by, ch.purpose_at = p.purpose, ctx.actor, int(ctx.env.now)
    system_message(ctx.env, ch, ctx.actor, "channel_purpose", f"set the channel description: {p.purpose}")
    return {"ok": True, "channel": channel_json(ch, ctx.actor)}


class Open(msgspec.Struct):
    users: str | list[str] | None = None
    channel: str | None = None
    return_im: bool = False
    prevent_creation: bool = False


@method("conversations.open", "im:write", mutates=True)
def conversations_open(ctx: S, p: Open) -> dict[str, Any]:
    """Open (or find) a direct message with one user, or a group DM with 2-8 users (comma-separated
    ids); post to it with chat.postMessage on the returned channel id."""
    s = ctx.state
    if p.channel:
        ch = visible_channel(ctx, p.channel)
        if not (ch.is_im or ch.is_mpim):
            raise SlackError("method_not_supported_for_channel_type")
        return {"ok": True, "no_op": True, "already_open": True, "channel": channel_json(ch, ctx.actor)}
    ids = list(dict.fromkeys(split_csv(p.users)))
    if not ids:
        raise SlackError("users_list_not_supplied")
    if len(ids) > 8:
        raise SlackError("too_many_users")
    for uid in ids:
        u = s.users.get(uid)
        if u is None:
            raise SlackError("user_not_found")
        if u.deleted:
            raise SlackError("user_disabled")
    others = [u for u in ids if u != ctx.actor]
    if len(others) <= 1:
        other = others[0] if others else ctx.actor
        existing = any(c.is_im and ctx.actor in c.members and other in c.members
                       for _, c in peek_items(s.channels))
        if not existing and p.prevent_creation:
            raise SlackError("channel_not_found")
        ch, was_open = open_im(ctx, other)
        body = channel_json(ch, ctx.actor) if p.return_im else {"id": ch.id}
        out: dict[str, Any] = {"ok": True, "channel": body}
        if was_open:
            out["no_op"] = True
            out["already_open"] = True
        return out
    members = sorted({ctx.actor, *others})
    for c in s.channels.values():
        if c.is_mpim and sorted(c.members) == members:
            return {"ok": True, "no_op": True, "already_open": True, "channel": channel_json(c, ctx.actor)}
    if p.prevent_creation:
        raise SlackError("channel_not_found")
    name = "mpdm-" + "--".join(s.users[u].name for u in members) + "-1"
    cid = ctx.env.id("G", 11)
    ch = Channel(id=cid, name=name, created=int(ctx.env.now), creator=ctx.actor, is_private=True,
                 is_mpim=True, members=members)
    s.channels[cid] = ch
    ctx.mark(("channel", cid))
    return {"ok": True, "channel": channel_json(ch, ctx.actor)}


class Mark(msgspec.Struct):
    channel: str
    ts: str


@method("conversations.mark", "channels:write", mutates=True)
def conversations_mark(ctx: S, p: Mark) -> dict[str, Any]:
    """Move the caller's read cursor in a channel to the message at `ts`."""
    ch = visible_channel(ctx, p.channel)
    try:
        float(p.ts)
    except ValueError:
        raise SlackError("invalid_timestamp") from None
    if ctx.actor not in ch.members:
        raise SlackError("not_in_channel")
    ch.last_read[ctx.actor] = p.ts
    return {"ok": True}
