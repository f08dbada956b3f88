"""chat.scheduleMessage, chat.scheduledMessages.list, chat.deleteScheduledMessage and
chat.meMessage. A scheduled message is posted once the world clock passes its post_at: on the
first Slack call after that moment (`deliver_due`, run before every method)."""

from __future__ import annotations

from typing import Any

import msgspec

from .api import S, method
from .errors import SlackError
from .ops_chat import MAX_TEXT, parse_blocks, post, resolve_channel
from .shape import paginate, ts_value, visible_channel
from .state import Scheduled

MAX_AHEAD = 120 * 86400  # Slack: "up to 120 days in the future"


def deliver_due(ctx: S) -> None:
    """Post every scheduled message whose time has come, oldest first, as its author."""
    s = ctx.state
    now = ctx.env.now
    due = sorted((q for q in s.scheduled.values() if q.post_at <= now),
                 key=lambda q: (q.post_at, q.id))
    for q in due:
        ch = s.channels.get(q.channel)
        del s.scheduled[q.id]
        if ch is None or ch.is_archived or q.user not in ch.members:
            continue  # Slack drops a scheduled message it can no longer post
        ctx.mark(("channel", ch.id))
        actor = ctx.actor
        ctx.actor = q.user
        try:
            post(ctx, ch, q.text, q.thread_ts, blocks=q.blocks)
        finally:
            ctx.actor = actor


class ScheduleMessage(msgspec.Struct):
    channel: str
    post_at: int | str
    text: str = ""
    thread_ts: str | None = None
    blocks: Any = None
    attachments: Any = None
    reply_broadcast: bool = False


@method("chat.scheduleMessage", "chat:write", mutates=True)
def chat_schedule_message(ctx: S, p: ScheduleMessage) -> dict[str, Any]:
    """Schedule a message to be posted to a channel at `post_at` (a Unix timestamp, up to 120
    days ahead); optionally as a reply in a thread (thread_ts)."""
    s, env = ctx.state, ctx.env
    try:
        post_at = int(float(p.post_at))
    except ValueError:
        raise SlackError("invalid_time") from None
    blocks = parse_blocks(p.blocks)
    if not p.text and not blocks and not p.attachments:
        raise SlackError("no_text")
    if len(p.text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if post_at <= int(env.now):
        raise SlackError("time_in_past")
    if post_at > env.now + MAX_AHEAD:
        raise SlackError("time_too_far")
    ch = resolve_channel(ctx, p.channel)
    qid = env.id("Q", 11)
    s.scheduled[qid] = Scheduled(id=qid, channel=ch.id, user=ctx.actor, text=p.text, post_at=post_at,
                                 date_created=int(env.now), thread_ts=p.thread_ts, blocks=blocks)
    u = s.users[ctx.actor]
    message: dict[str, Any] = {"type": "delayed_message", "text": p.text, "user": ctx.actor,
                               "team": s.team_id}
    if u.bot_id:
        message["bot_id"] = u.bot_id
    if blocks is not None:
        message["blocks"] = msgspec.to_builtins(blocks)
    return {"ok": True, "channel": ch.id, "scheduled_message_id": qid, "post_at": post_at, "message": message}


class ListScheduled(msgspec.Struct):
    channel: str | None = None
    latest: str | None = None
    oldest: str | None = None
    cursor: str | None = None
    limit: int = 100
    team_id: str | None = None


@method("chat.scheduledMessages.list", None, mutates=False)
def chat_scheduled_messages_list(ctx: S, p: ListScheduled) -> dict[str, Any]:
    """The caller's messages still waiting to be posted (optionally in one channel), soonest first."""
    s = ctx.state
    if p.channel is not None and p.channel not in s.channels:
        raise SlackError("invalid_channel")
    lo = ts_value(p.oldest, "invalid_ts_oldest") if p.oldest else float("-inf")
    hi = ts_value(p.latest, "invalid_ts_latest") if p.latest else float("inf")
    items = sorted((q for q in s.scheduled.values() if q.user == ctx.actor
                    and (p.channel is None or q.channel == p.channel) and lo <= q.post_at <= hi),
                   key=lambda q: (q.post_at, q.id))
    chunk, nxt = paginate(items, p.cursor, p.limit)
    return {"ok": True, "scheduled_messages": [
        {"id": q.id, "channel_id": q.channel, "post_at": q.post_at, "date_created": q.date_created,
         "text": q.text} for q in chunk], "response_metadata": {"next_cursor": nxt}}


class DeleteScheduled(msgspec.Struct):
    channel: str
    scheduled_message_id: str


@method("chat.deleteScheduledMessage", "chat:write", mutates=True)
def chat_delete_scheduled_message(ctx: S, p: DeleteScheduled) -> dict[str, Any]:
    """Cancel a scheduled message that has not been posted yet."""
    s = ctx.state
    visible_channel(ctx, p.channel)
    q = s.scheduled.get(p.scheduled_message_id)
    if q is None or q.channel != p.channel or q.user != ctx.actor:
        raise SlackError("invalid_scheduled_message_id")
    del s.scheduled[q.id]
    return {"ok": True}


class MeMessage(msgspec.Struct):
    channel: str
    text: str = ""


@method("chat.meMessage", "chat:write", mutates=True)
def chat_me_message(ctx: S, p: MeMessage) -> dict[str, Any]:
    """Post a /me message (an action in the third person, shown in italics) to a channel."""
    if not p.text:
        raise SlackError("no_text")
    if len(p.text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    ch = resolve_channel(ctx, p.channel)
    msg = post(ctx, ch, p.text)
    msg.subtype = "me_message"
    return {"ok": True, "channel": ch.id, "ts": msg.ts}
