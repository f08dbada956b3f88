"""Slack events: what a successful Web API call causes, as the Events API's inner `event` objects.

https://docs.slack.dev/reference/events : `message` (and its `channel_type`), `app_mention` (a
message that mentions a bot user), `reaction_added`, `member_joined_channel`, `channel_created`.
runner/deliver.py wraps them in `event_callback` envelopes; people's rules (runner/life.py) match
on them. `to` names who a message concerns: the other members of a DM, the users it mentions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.events import Event
from ..core.ops import Ctx, Reply
from .shape import message_json
from .state import Channel, SlackState

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def channel_type(ch: Channel) -> str:
    if ch.is_im:
        return "im"
    if ch.is_mpim:
        return "mpim"
    return "group" if ch.is_private else "channel"


def _message(ctx: Ctx[SlackState], ch: Channel, msg: dict[str, Any]) -> list[Event]:
    s, env = ctx.state, ctx.env
    data = {**msg, "channel": ch.id, "event_ts": msg["ts"], "channel_type": channel_type(ch)}
    text = msg.get("text") or ""
    mentioned = tuple(dict.fromkeys(MENTION.findall(text))) if "<@" in text else ()
    if ch.is_im or ch.is_mpim:
        to = tuple(m for m in ch.members if m != ctx.actor) or ((ch.user,) if ch.user else ())
        to = tuple(dict.fromkeys(to + mentioned))
    else:
        to = mentioned
    out = [Event("slack", "message", env.now, ctx.actor, data, to=to)]
    for uid in mentioned:
        u = s.users.get(uid)
        if u is not None and u.is_bot and uid != ctx.actor:
            mention = {k: v for k, v in data.items() if k not in ("channel_type", "team")}
            mention.update(type="app_mention", channel=ch.id)
            out.append(Event("slack", "app_mention", env.now, ctx.actor, mention, to=(uid,)))
    return out


def events(ctx: Ctx[SlackState], op: str, args: Mapping[str, Any], reply: Reply) -> list[Event]:
    body = reply.body
    if type(body) is not dict or body.get("ok") is not True:
        return []
    s, env = ctx.state, ctx.env
    if op in ("chat.postMessage", "chat.meMessage"):
        ch = s.channels.get(body.get("channel", ""))
        msg = body.get("message")
        if ch is None or not isinstance(msg, dict):
            return []
        return _message(ctx, ch, msg)
    if op == "reactions.add":
        ch = s.channels.get(str(args.get("channel", "")))
        ts = str(args.get("timestamp", ""))
        item_user = ""
        if ch is not None:
            m = next((m for m in reversed(ch.messages) if m.ts == ts), None)
            item_user = m.user if m is not None else ""
        data = {"type": "reaction_added", "user": ctx.actor, "reaction": str(args.get("name", "")).strip(":"),
                "item_user": item_user, "item": {"type": "message", "channel": ch.id if ch else "", "ts": ts},
                "event_ts": f"{env.now:.6f}"}
        return [Event("slack", "reaction_added", env.now, ctx.actor, data, to=(item_user,) if item_user else ())]
    if op in ("conversations.invite", "conversations.join"):
        ch_json = body.get("channel") or {}
        ch = s.channels.get(ch_json.get("id", "") if isinstance(ch_json, dict) else "")
        if ch is None:
            return []
        if op == "conversations.join":
            users = [ctx.actor]
        else:
            users = [u for u in str(args.get("users", "")).split(",") if u]
        return [Event("slack", "member_joined_channel", env.now, ctx.actor,
                      {"type": "member_joined_channel", "user": u, "channel": ch.id,
                       "channel_type": "G" if ch.is_private else "C", "team": s.team_id, "inviter": ctx.actor,
                       "event_ts": f"{env.now:.6f}"}, to=(u,)) for u in users]
    if op == "conversations.create":
        ch_json = body.get("channel") or {}
        ch = s.channels.get(ch_json.get("id", "") if isinstance(ch_json, dict) else "")
        if ch is None or ch.is_private:  # channel_created is for public channels
            return []
        return [Event("slack", "channel_created", env.now, ctx.actor,
                      {"type": "channel_created", "channel": {"id": ch.id, "name": ch.name, "created": ch.created,
                                                              "creator": ch.creator},
                       "event_ts": f"{env.now:.6f}"})]
    return []


def message_of(ctx: Ctx[SlackState], channel: str, ts: str) -> dict[str, Any] | None:
    """A message's JSON as the Web API shows it, or None."""
    ch = ctx.state.channels.get(channel)
    if ch is None:
        return None
    m = next((m for m in reversed(ch.messages) if m.ts == ts), None)
    return None if m is None else message_json(m, ctx.state, ctx.env)
