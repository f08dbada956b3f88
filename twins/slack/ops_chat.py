"""chat.*: post, update, delete, ephemeral messages and permalinks."""

from __future__ import annotations

from typing import Any

import msgspec

from .api import S, method
from .errors import SlackError
from .seed import next_ts
from .shape import (
    find_message,
    get_user,
    message_json,
    message_to_change,
    open_im,
    permalink,
    visible_channel,
    writable_channel,
)
from .state import Channel, Ephemeral, Message

MAX_TEXT = 40_000


def parse_blocks(blocks: Any) -> list[Any] | None:
    """Blocks arrive as a JSON list, or as a JSON string in a form body."""
    if blocks is None or blocks == "":
        return None
    if isinstance(blocks, str | bytes):
        try:
            blocks = msgspec.json.decode(blocks)
        except msgspec.DecodeError:
            raise SlackError("invalid_blocks_format") from None
    if not isinstance(blocks, list) or not all(isinstance(b, dict) and "type" in b for b in blocks):
        raise SlackError("invalid_blocks")
    return msgspec.to_builtins(blocks)  # a copy: state never holds the caller's objects


def resolve_channel(ctx: S, ref: str) -> Channel:
    """chat.* take an id, a `#name`/name, or a user id (that user's DM with the caller)."""
    s = ctx.state
    if ref in s.channels:
        return writable_channel(ctx, ref)
    if ref.startswith(("U", "W")) and ref in s.users:
        return open_im(ctx, ref)[0]
    name = ref.removeprefix("#")
    for c in s.channels.values():
        if c.name == name and not c.is_im and not c.is_mpim:
            return writable_channel(ctx, c.id)
    raise SlackError("channel_not_found")


def bot_of(ctx: S) -> str | None:
    u = ctx.state.users.get(ctx.actor)
    return u.bot_id if u is not None else None


def thread_parent(ch: Channel, thread_ts: str) -> Message | None:
    """The message a reply threads under; a reply's ts means its parent. Slack posts a reply to an
    unknown thread_ts as an ordinary message, so None here is no error."""
    parent = next((m for m in reversed(ch.messages) if m.ts == thread_ts), None)
    if parent is not None and parent.thread_ts and parent.thread_ts != parent.ts:
        parent = next((m for m in reversed(ch.messages) if m.ts == parent.thread_ts), None)
    return parent


def post(ctx: S, ch: Channel, text: str, thread_ts: str | None = None, broadcast: bool = False,
         blocks: list[Any] | None = None, files: list[str] | None = None) -> Message:
    """Append a message (or a thread reply) by the caller to a channel."""
    parent = thread_parent(ch, thread_ts) if thread_ts else None
    msg = Message(ts=next_ts(ctx.env, ch), user=ctx.actor, text=text, blocks=blocks,
                  bot_id=bot_of(ctx), files=files or [])
    if parent is not None:
        ctx.mark(("messages", ch.id))  # the parent changes in place (view.py)
        msg.thread_ts = parent.ts
        msg.parent_user_id = parent.user
        if broadcast:
            msg.subtype = "thread_broadcast"
        parent.thread_ts = parent.ts
        parent.reply_count += 1
        parent.latest_reply = msg.ts
        if ctx.actor not in parent.reply_users:
            parent.reply_users.append(ctx.actor)
    ch.messages.append(msg)
    return msg


class PostMessage(msgspec.Struct):
    channel: str
    text: str = ""
    thread_ts: str | None = None
    blocks: Any = None
    attachments: Any = None
    reply_broadcast: bool = False
    mrkdwn: bool = True
    unfurl_links: bool = False


@method("chat.postMessage", "chat:write", mutates=True)
def chat_post_message(ctx: S, p: PostMessage) -> dict[str, Any]:
    """Send a message to a channel (id, or #name) or, with thread_ts, as a reply in a thread.

    The caller must be a member of the channel. reply_broadcast also shows a reply in the channel.
    A thread_ts that matches no message is ignored (the message is posted to the channel)."""
    blocks = parse_blocks(p.blocks)
    if not p.text and not blocks and not p.attachments:
        raise SlackError("no_text")
    if len(p.text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    ch = resolve_channel(ctx, p.channel)
    msg = post(ctx, ch, p.text, p.thread_ts, p.reply_broadcast, blocks=blocks)
    return {"ok": True, "channel": ch.id, "ts": msg.ts, "message": message_json(msg, ctx.state, ctx.env)}


class Update(msgspec.Struct):
    channel: str
    ts: str
    text: str | None = None
    blocks: Any = None
    attachments: Any = None


@method("chat.update", "chat:write", mutates=True)
def chat_update(ctx: S, p: Update) -> dict[str, Any]:
    """Edit the text (or blocks) of a message the caller posted, by channel id and ts."""
    ch = visible_channel(ctx, p.channel)
    msg = message_to_change(ctx, ch, p.ts)
    if msg.user != ctx.actor or msg.subtype not in (None, "thread_broadcast"):
        raise SlackError("cant_update_message")
    blocks = parse_blocks(p.blocks)
    if p.text is None and blocks is None and not p.attachments:
        raise SlackError("no_text")
    if p.text is not None and len(p.text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if p.text is not None:
        msg.text = p.text
    if blocks is not None:
        msg.blocks = blocks
    msg.edited = {"user": ctx.actor, "ts": next_ts(ctx.env, ch)}
    return {"ok": True, "channel": ch.id, "ts": msg.ts, "text": msg.text,
            "message": message_json(msg, ctx.state, ctx.env)}


class Delete(msgspec.Struct):
    channel: str
    ts: str


@method("chat.delete", "chat:write", mutates=True)
def chat_delete(ctx: S, p: Delete) -> dict[str, Any]:
    """Delete a message. Only its author (or a workspace admin) may; a thread parent with replies
    stays as a "This message was deleted." tombstone."""
    s = ctx.state
    ch = visible_channel(ctx, p.channel)
    msg = message_to_change(ctx, ch, p.ts)
    me = s.users[ctx.actor]
    if msg.user != ctx.actor and not (me.is_admin or me.is_owner):
        raise SlackError("cant_delete_message")
    ch.pins = [pin for pin in ch.pins if pin.ts != msg.ts]
    if msg.reply_count and msg.thread_ts == msg.ts:
        msg.text, msg.subtype, msg.user = "This message was deleted.", "tombstone", "USLACKBOT"
        msg.reactions, msg.files, msg.pinned_to, msg.blocks, msg.edited = [], [], [], None, None
        return {"ok": True, "channel": ch.id, "ts": msg.ts}
    ch.messages.remove(msg)
    for fid in msg.files:
        f = s.files.get(fid)
        if f is not None and ch.id in f.shares:
            f.shares[ch.id] = [t for t in f.shares[ch.id] if t != msg.ts]
    if msg.thread_ts and msg.thread_ts != msg.ts:
        parent = next((m for m in ch.messages if m.ts == msg.thread_ts), None)
        if parent is not None:
            replies = [m for m in ch.messages if m.thread_ts == parent.ts and m.ts != parent.ts]
            parent.reply_count = len(replies)
            parent.latest_reply = replies[-1].ts if replies else None
            parent.reply_users = list(dict.fromkeys(m.user for m in replies))
            if not replies:
                parent.thread_ts = None
    return {"ok": True, "channel": ch.id, "ts": msg.ts}


class PostEphemeral(msgspec.Struct):
    channel: str
    user: str
    text: str = ""
    blocks: Any = None
    thread_ts: str | None = None


@method("chat.postEphemeral", "chat:write", mutates=True)
def chat_post_ephemeral(ctx: S, p: PostEphemeral) -> dict[str, Any]:
    """Show a message to one member of a channel only; it never enters the channel's history."""
    ch = resolve_channel(ctx, p.channel)
    get_user(ctx.state, p.user)
    if p.user not in ch.members:
        raise SlackError("user_not_in_channel")
    if not p.text and not parse_blocks(p.blocks):
        raise SlackError("no_text")
    ts = next_ts(ctx.env, ch)
    ch.ephemeral.append(Ephemeral(ts=ts, user=ctx.actor, to=p.user, text=p.text))
    return {"ok": True, "message_ts": ts}


class GetPermalink(msgspec.Struct):
    channel: str
    message_ts: str


@method("chat.getPermalink", None, mutates=False)
def chat_get_permalink(ctx: S, p: GetPermalink) -> dict[str, Any]:
    """A permanent URL to a message, by channel id and message ts."""
    ch = visible_channel(ctx, p.channel)
    msg = find_message(ch, p.message_ts)
    return {"ok": True, "channel": ch.id, "permalink": permalink(ctx.state, ch, msg)}
