"""The response_url of an interaction: when a person clicks a button in a message an app posted,
Slack sends the app a `block_actions` payload (runner/deliver_slack.py) whose `response_url` lets
the app answer the click: replace or delete the original message, or post a new one, in the
channel or only to the person who clicked.

https://docs.slack.dev/interactivity/handling-user-interaction#message_responses : the app POSTs
JSON {text, blocks, replace_original, delete_original, response_type ("ephemeral", the default, or
"in_channel"), thread_ts}. Over HTTP the URL carries one opaque secret (the door maps it to the
message, the person and the app's bot user); the call acts as the app's bot user."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Reply
from .api import S, ops
from .errors import SlackError
from .ops_chat import MAX_TEXT, parse_blocks, post
from .seed import next_ts
from .state import Ephemeral

RESPOND_PATH = "/actions/{_cap}"
LIFETIME = 30 * 60.0  # a response_url works for 30 minutes


class Respond(msgspec.Struct):
    channel: str = ""
    ts: str = ""
    user: str = ""  # who clicked
    bot: str = ""  # the app's bot user, who posted the message and answers through the URL
    expires: float = 0.0
    text: str | None = None
    blocks: Any = None
    attachments: Any = None
    replace_original: bool | str = False
    delete_original: bool | str = False
    response_type: str = "ephemeral"
    thread_ts: str | None = None


def _yes(value: bool | str) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "yes"))


def _fail(status: int, error: str) -> Reply:
    return Reply(status, {"ok": False, "error": error})


@ops.op("actions.respond", "POST", RESPOND_PATH, tool=False, mutates=True, capability="_cap")
def actions_respond(ctx: S, p: Respond) -> Reply:
    """Answer an interaction through its response_url: replace_original (edit the message),
    delete_original, or a new message, response_type "in_channel" or "ephemeral" (only the person
    who clicked sees it). No token: the URL is the credential, for 30 minutes."""
    s = ctx.state
    ch = s.channels.get(p.channel)
    if ch is None or p.bot not in s.users or (p.expires and ctx.env.now > p.expires):
        return _fail(404, "expired_url")
    ctx.mark(("channel", ch.id))
    ctx.mark(("messages", ch.id))
    try:
        blocks = parse_blocks(p.blocks)
    except SlackError as e:
        return _fail(400, e.code)
    text = p.text or ""
    if len(text) > MAX_TEXT:
        return _fail(400, "msg_too_long")
    msg = next((m for m in reversed(ch.messages) if m.ts == p.ts), None)
    saved, ctx.actor = ctx.actor, p.bot
    try:
        if _yes(p.delete_original):
            if msg is None:
                return _fail(404, "message_not_found")
            ch.messages.remove(msg)
            ch.pins = [pin for pin in ch.pins if pin.ts != msg.ts]
            return Reply(200, {"ok": True})
        if not text and not blocks and not p.attachments:
            return _fail(400, "no_text")
        if _yes(p.replace_original):
            if msg is None:
                return _fail(404, "message_not_found")
            msg.text = text
            msg.blocks = blocks
            msg.edited = {"user": p.bot, "ts": next_ts(ctx.env, ch)}
            return Reply(200, {"ok": True})
        if p.response_type == "in_channel":
            post(ctx, ch, text, p.thread_ts, blocks=blocks)
        else:
            ch.ephemeral.append(Ephemeral(ts=next_ts(ctx.env, ch), user=p.bot, to=p.user, text=text))
        return Reply(200, {"ok": True})
    finally:
        ctx.actor = saved
