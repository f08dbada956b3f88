"""`dtu__wait`: the tool that lets an agent wait for people (runner/life.py).

In a living world people answer after a delay of world time. An in-process agent waits with
`world.sleep` / `world.wait_for`; an agent that takes its tools from dtu (the anthropic agent's
catalog, the MCP door) calls `dtu__wait` instead. It is offered in every world, next to the
twins' operations, but it is no twin operation: it is never logged as a call and costs no step.

It lets world time pass until the minutes are over or something that concerns the agent's user
happens (an event whose `to` names the agent's user in that twin, a message in a DM the agent is
in, a reply in a thread of a conversation the agent is in), and answers a short JSON summary of
the new events the agent can see (type, by, channel, text)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from dtu.twins.core import Event, World

__all__ = ["MAX_EVENTS", "MAX_MINUTES", "NAME", "TOOL", "concerns", "is_wait", "wait"]

NAME = "dtu__wait"
MAX_MINUTES = 1440.0
MAX_EVENTS = 20  # events summarised in one answer
_TEXT = 500  # characters of a message's text in the summary

DESCRIPTION = """Wait for people to answer: let time pass until something that concerns you \
happens, or until the given minutes are over.

Use it when you asked someone something (a direct message, a question in a channel or thread, \
a message with buttons, a Jira comment or assignment) and cannot go on before they answer: \
people answer after minutes or hours, not at once. It returns as soon as a direct message or a \
reply in a conversation you are in arrives, someone mentions you or clicks a button of your \
message, or a Jira issue is assigned to you or commented on for you; otherwise when the minutes \
are over. The answer lists the new events (type, by, channel, text; at most 20): read them \
(or fetch the conversation) before you act on the reply. Do not call it when you need nothing \
from anyone, and wait again if the answer did not come yet.

Input: minutes (a number, more than 0 and at most 1440)."""

TOOL: dict[str, Any] = {
    "name": NAME,
    "description": DESCRIPTION,
    "input_schema": {
        "type": "object",
        "properties": {"minutes": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_MINUTES,
                                   "description": "the most minutes to wait (0 < minutes <= 1440)"}},
        "required": ["minutes"],
        "additionalProperties": False,
    },
}


def is_wait(name: str) -> bool:
    return name == NAME


def actors_of(world: World, actors: Mapping[str, str] | None = None) -> dict[str, str]:
    """The agent's acting user in each twin of the world (a door's own actors win)."""
    out = {k: v for k, v in world.image.actors.items() if v}
    if actors:
        out.update({k: v for k, v in actors.items() if v})
    return out


def _slack_channel(world: World, channel: str) -> Any:
    if "slack" not in world.twins:
        return None
    return world.ctx("slack").state.channels.get(channel)


def _member(world: World, channel: str, me: str) -> bool:
    ch = _slack_channel(world, channel)
    return ch is not None and (me in ch.members or ch.user == me)


def concerns(world: World, me: Mapping[str, str], ev: Event) -> bool:
    """Whether an event concerns the agent: it names the agent's user in `to` (a DM, a mention,
    a click on its message, an assignment, a comment for it), or it is a message in a DM or a
    thread reply in a conversation the agent is in. The agent's own doings never do."""
    if ev.by is None:  # the agent's own doing (through any door of its world)
        return False
    mine = me.get(ev.twin, "")
    if not mine or ev.actor == mine:
        return False
    if mine in ev.to:
        return True
    if ev.twin == "slack" and ev.type == "message":
        d = ev.data
        channel = str(d.get("channel", ""))
        if d.get("channel_type") in ("im", "mpim") or (d.get("thread_ts") and d.get("thread_ts") != d.get("ts")):
            return _member(world, channel, mine)
    return False


def _visible(world: World, me: Mapping[str, str], ev: Event) -> bool:
    """What the summary may show: what concerns the agent, and messages in channels it is in
    (never another person's DM)."""
    if concerns(world, me, ev):
        return True
    mine = me.get(ev.twin, "")
    if ev.twin == "slack" and ev.type == "message" and mine and ev.by is not None:
        return _member(world, str(ev.data.get("channel", "")), mine)
    return False


def _summary(world: World, ev: Event) -> dict[str, Any]:
    d = ev.data
    out: dict[str, Any] = {"twin": ev.twin, "type": ev.type, "by": ev.by or "you", "user": ev.actor}
    if ev.twin == "slack":
        channel = d.get("channel")
        if isinstance(channel, dict):
            channel = channel.get("id")
        if channel:
            out["channel"] = channel
        text = d.get("text")
        if ev.type == "block_actions":
            acts = d.get("actions") or [{}]
            label = (acts[0].get("text") or {}).get("text", "") if isinstance(acts[0].get("text"), dict) else ""
            text = f"clicked {label or acts[0].get('value') or acts[0].get('action_id') or 'a button'}"
            out["message_ts"] = (d.get("message") or {}).get("ts")
        elif ev.type == "reaction_added":
            text = f":{d.get('reaction', '')}:"
        if d.get("ts"):
            out["ts"] = d["ts"]
        if d.get("thread_ts") and d.get("thread_ts") != d.get("ts"):
            out["thread_ts"] = d["thread_ts"]
    else:
        issue = d.get("issue") or {}
        if issue.get("key"):
            out["issue"] = issue["key"]
        comment = d.get("comment") or {}
        body = comment.get("body") if isinstance(comment, dict) else None
        text = body if isinstance(body, str) else (issue.get("fields") or {}).get("summary")
    if text:
        s = str(text)
        out["text"] = s if len(s) <= _TEXT else s[: _TEXT - 3] + "..."
    return out


def minutes_of(args: Any) -> float | str:
    """The minutes asked for, or what is wrong with the input."""
    if not isinstance(args, dict):
        return "the input must be a JSON object: {\"minutes\": number}"
    extra = sorted(k for k in args if k != "minutes")
    if extra:
        return f"unknown input field(s): {', '.join(extra)}; the only one is minutes"
    m = args.get("minutes")
    if isinstance(m, bool) or not isinstance(m, int | float):
        return "minutes must be a number (0 < minutes <= 1440)"
    if not 0 < m <= MAX_MINUTES or m != m:
        return f"minutes must be more than 0 and at most {MAX_MINUTES:g}, not {m}"
    return float(m)


async def wait(world: World, args: Any, actors: Mapping[str, str] | None = None, *,
               until: Callable[[World], bool] | None = None,
               extra: Callable[[World], dict[str, Any]] | None = None) -> tuple[str, bool]:
    """Wait as the tool does: (the answer's text, whether it is an error). `until` replaces what
    wakes the wait (an oracle playing a reference's `wait_for`); `extra` adds to the answer."""
    minutes = minutes_of(args)
    if isinstance(minutes, str):
        return orjson.dumps({"error": "invalid_arguments", "message": minutes}).decode(), True
    me = actors_of(world, actors)
    start = len(world.events)
    began = world.env.now
    seen = start

    def woke(w: World) -> bool:
        nonlocal seen
        events = w.events
        for i in range(seen, len(events)):
            if concerns(w, me, events[i]):
                seen = len(events)
                return True
        seen = len(events)
        return False

    happened = await world.wait_for(until or woke, minutes * 60)
    new = [ev for ev in world.events[start:] if _visible(world, me, ev)]
    out: dict[str, Any] = {"waited_minutes": round((world.env.now - began) / 60, 2), "woke": happened,
                           "events": [_summary(world, ev) for ev in new[:MAX_EVENTS]]}
    if len(new) > MAX_EVENTS:
        out["more"] = len(new) - MAX_EVENTS
    if not happened and world.deadline is not None and world.env.now >= world.deadline:
        out["note"] = "the time for this task is over"
    if extra is not None:
        out.update(extra(world))
    return orjson.dumps(out).decode(), False
