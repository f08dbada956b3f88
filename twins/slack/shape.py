"""Slack's JSON shapes for users, conversations, messages and files, and the lookups handlers share."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Any

import msgspec

from ..core import Env
from ..core.lazy import peek_items
from ..core.paging import decode_cursor, encode_cursor, page
from .errors import SlackError
from .seed import next_ts
from .state import Channel, File, Message, SlackState, User

# -- shaping --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _avatar(team_id: str, uid: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A user's avatar hash and image URLs: a pure function of the ids, so worlds share it."""
    avatar = hashlib.sha1(uid.encode()).hexdigest()[:12]
    return avatar, tuple((f"image_{size}", f"https://avatars.slack-edge.com/{team_id}/{avatar}_{size}.png")
                         for size in (24, 32, 48, 72, 192, 512))


def profile_json(u: User, team_id: str) -> dict[str, Any]:
    """A user's `profile` as Slack sends it (users.info, users.list, users.profile.get)."""
    first, _, last = u.real_name.partition(" ")
    avatar, images = _avatar(team_id, u.id)
    profile: dict[str, Any] = {
        "title": u.title, "phone": u.phone, "skype": "", "real_name": u.real_name,
        "real_name_normalized": u.real_name, "display_name": u.display_name,
        "display_name_normalized": u.display_name, "fields": {}, "status_text": u.status_text,
        "status_emoji": u.status_emoji, "status_expiration": u.status_expiration,
        "avatar_hash": avatar, "first_name": first, "last_name": last, "team": team_id,
    }
    if u.email:
        profile["email"] = u.email
    profile.update(images)
    if u.bot_id:
        profile["bot_id"] = u.bot_id
        profile["always_active"] = False
    return profile


def user_json(u: User, team_id: str) -> dict[str, Any]:
    return {
        "id": u.id, "team_id": team_id, "name": u.name, "deleted": u.deleted,
        "color": "9f69e7", "real_name": u.real_name, "tz": u.tz, "is_admin": u.is_admin,
        "is_owner": u.is_owner, "is_primary_owner": False, "is_restricted": False,
        "is_ultra_restricted": False, "is_bot": u.is_bot, "is_app_user": False,
        "updated": u.updated, "is_email_confirmed": bool(u.email),
        "profile": profile_json(u, team_id),
    }


def channel_json(c: Channel, me: str) -> dict[str, Any]:
    if c.is_im:
        other = next((m for m in c.members if m != me), me)
        return {"id": c.id, "created": c.created, "is_im": True, "is_org_shared": False,
                "user": other, "is_user_deleted": False, "priority": 0, "is_open": True}
    return {
        "id": c.id, "name": c.name, "is_channel": not c.is_private,
        "is_group": c.is_private and not c.is_mpim, "is_im": False, "is_mpim": c.is_mpim,
        "is_private": c.is_private, "created": c.created, "creator": c.creator,
        "is_archived": c.is_archived, "is_general": c.is_general, "unlinked": 0,
        "name_normalized": c.name, "is_shared": False, "is_ext_shared": False,
        "is_org_shared": False, "is_pending_ext_shared": False, "is_member": me in c.members,
        "num_members": len(c.members), "previous_names": list(c.previous_names),
        "topic": {"value": c.topic, "creator": c.topic_by, "last_set": c.topic_at},
        "purpose": {"value": c.purpose, "creator": c.purpose_by, "last_set": c.purpose_at},
    }


def message_json(m: Message, s: SlackState, env: Env) -> dict[str, Any]:
    out: dict[str, Any] = {"type": m.type, "user": m.user, "text": m.text, "ts": m.ts, "team": s.team_id}
    if m.subtype:
        out["subtype"] = m.subtype
    if m.bot_id:
        out["bot_id"] = m.bot_id
    if m.blocks is not None:
        out["blocks"] = msgspec.to_builtins(m.blocks)
    if m.thread_ts:
        out["thread_ts"] = m.thread_ts
    if m.parent_user_id and m.thread_ts and m.thread_ts != m.ts:
        out["parent_user_id"] = m.parent_user_id
    if m.reply_count:
        out["reply_count"] = m.reply_count
        out["reply_users_count"] = len(m.reply_users)
        out["latest_reply"] = m.latest_reply
        out["reply_users"] = list(m.reply_users)
        out["is_locked"] = False
        out["subscribed"] = False
    if m.edited:
        out["edited"] = dict(m.edited)
    if m.reactions:
        out["reactions"] = [{"name": r.name, "users": list(r.users), "count": r.count} for r in m.reactions]
    if m.pinned_to:
        out["pinned_to"] = list(m.pinned_to)
    if m.files:
        out["files"] = [file_json(s.files[f], s, env) for f in m.files if f in s.files]
        out["upload"] = True
    return out


def file_json(f: File, s: SlackState, env: Env) -> dict[str, Any]:
    base = "https://files.slack.com"
    public = [c for c in f.channels if c in s.channels and not s.channels[c].is_private]
    private = [c for c in f.channels if c in s.channels and s.channels[c].is_private
               and not s.channels[c].is_im]
    ims = [c for c in f.channels if c in s.channels and s.channels[c].is_im]
    return {
        "id": f.id, "created": f.created, "timestamp": f.created, "name": f.name, "title": f.title,
        "mimetype": f.mimetype, "filetype": f.filetype, "pretty_type": f.filetype.upper(),
        "user": f.user, "user_team": s.team_id, "size": f.size, "mode": "hosted",
        "is_external": False, "is_public": bool(public), "public_url_shared": False,
        "url_private": f"{base}/files-pri/{s.team_id}-{f.id}/{f.name}",
        "url_private_download": f"{base}/files-pri/{s.team_id}-{f.id}/download/{f.name}",
        "permalink": f"https://{s.domain}.slack.com/files/{f.user}/{f.id}/{f.name}",
        "channels": public, "groups": private, "ims": ims,
        "shares": shares_json(f, set(public)),
    } | ({"alt_txt": f.alt_txt} if f.alt_txt else {})


def shares_json(f: File, public: set[str]) -> dict[str, Any]:
    """`shares.public` and `shares.private`, each channel id -> [{ts, ...}] (both kinds kept)."""
    out: dict[str, dict[str, Any]] = {}
    for c, tss in f.shares.items():
        kind = "public" if c in public else "private"
        out.setdefault(kind, {})[c] = [{"ts": ts} for ts in tss]
    return out


def permalink(s: SlackState, ch: Channel, m: Message) -> str:
    url = f"https://{s.domain}.slack.com/archives/{ch.id}/p{m.ts.replace('.', '')}"
    if m.thread_ts and m.thread_ts != m.ts:
        url += f"?thread_ts={m.thread_ts}&cid={ch.id}"
    return url


# -- lookups --------------------------------------------------------------------------------------


def visible_channel(ctx: Any, cid: str) -> Channel:
    """A channel the actor may see: public ones, and private ones (and DMs) they belong to. Marked,
    as every channel a handler looks up is (view.py: the handler may change it)."""
    ch = ctx.state.channels.get(cid)
    if ch is not None:
        ctx.changed.add(("channel", cid))  # ctx.mark, without a call on every lookup
    if ch is None or ((ch.is_private or ch.is_im) and ctx.actor not in ch.members):
        raise SlackError("channel_not_found")
    return ch


def writable_channel(ctx: Any, cid: str) -> Channel:
    """A channel the actor is in and that is not archived."""
    ch = visible_channel(ctx, cid)
    if ch.is_archived:
        raise SlackError("is_archived")
    if ctx.actor not in ch.members:
        raise SlackError("not_in_channel")
    return ch


def find_message(ch: Channel, ts: str, error: str = "message_not_found") -> Message:
    for m in reversed(ch.messages):
        if m.ts == ts:
            return m
    raise SlackError(error)


def message_to_change(ctx: Any, ch: Channel, ts: str, error: str = "message_not_found") -> Message:
    """`find_message` for a handler that may change the message: the channel's messages are marked as
    changed in place (view.py)."""
    ctx.mark(("messages", ch.id))
    return find_message(ch, ts, error)


def get_user(s: SlackState, uid: str) -> User:
    u = s.users.get(uid)
    if u is None:
        raise SlackError("user_not_found")
    return u


def split_csv(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]


def paginate(items: Sequence[Any], cursor: str | None, limit: int | None,
             default: int = 100, most: int = 1000) -> tuple[list[Any], str]:
    """A page of items and the next cursor ("" on the last page), Slack style."""
    offset = 0
    if cursor:
        got = decode_cursor(cursor)
        if got is None:
            raise SlackError("invalid_cursor")
        offset = got
    size = limit if limit is not None and limit > 0 else default
    chunk, nxt = page(items, offset, min(size, most))
    return list(chunk), encode_cursor(nxt) if nxt is not None else ""


def conversation_kind(c: Channel) -> str:
    if c.is_im:
        return "im"
    if c.is_mpim:
        return "mpim"
    return "private_channel" if c.is_private else "public_channel"


def system_message(env: Env, ch: Channel, user: str, subtype: str, text: str) -> Message:
    """The messages Slack posts itself: joins, leaves, topic, purpose and name changes."""
    msg = Message(ts=next_ts(env, ch), user=user, text=text, subtype=subtype)
    ch.messages.append(msg)
    return msg


def ts_value(value: str, error: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise SlackError(error) from None


def open_im(ctx: Any, other: str) -> tuple[Channel, bool]:
    """The caller's DM with `other` (opened if need be), and whether it was already open."""
    me = ctx.actor
    channels = ctx.state.channels
    for cid, c in peek_items(channels):  # read-only: the DM found is the world's own copy
        if c.is_im and me in c.members and other in c.members and (
                len(c.members) == 2 or (other == me and len(c.members) == 1)):
            ctx.mark(("channel", cid))
            return channels[cid], True
    cid = ctx.env.id("D", 11)
    ch = Channel(id=cid, name=other, created=int(ctx.env.now), creator=me, is_private=True,
                 is_im=True, user=other, members=[me] if other == me else [me, other])
    ctx.state.channels[cid] = ch
    ctx.mark(("channel", cid))
    return ch, False
