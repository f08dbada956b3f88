"""reminders.*: reminders for the caller (or another user), complete and delete."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from .api import S, method
from .errors import SlackError
from .shape import get_user
from .state import Reminder, SlackState

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
IN = re.compile(r"^in\s+(an?|\d+)\s+(second|minute|hour|day|week)s?$")


def parse_time(value: str | int | float, now: float) -> int:
    """A Unix timestamp, seconds from now (up to 24 hours), or
    "in N minutes|hours|days|weeks"; "tomorrow" is 9:00 the next day (UTC)."""
    if isinstance(value, int | float):
        t = float(value)
    else:
        text = value.strip().lower()
        m = IN.match(text)
        if re.fullmatch(r"\d+(\.\d+)?", text):
            t = float(text)
        elif m:
            n = 1 if m.group(1) in ("a", "an") else int(m.group(1))
            return int(now) + n * UNITS[m.group(2)]
        elif text == "tomorrow":
            return (int(now) // 86400 + 1) * 86400 + 9 * 3600
        else:
            raise SlackError("cannot_parse")
    if t <= 86400:  # a count of seconds from now (Slack: "if within 24 hours")
        return int(now + t)
    return int(t)


def reminder_json(r: Reminder) -> dict[str, Any]:
    out: dict[str, Any] = {"id": r.id, "creator": r.creator, "user": r.user, "text": r.text,
                           "recurring": r.recurring, "time": r.time, "complete_ts": r.complete_ts}
    return out


def own_reminder(ctx: S, s: SlackState, rid: str) -> Reminder:
    r = s.reminders.get(rid)
    if r is None or ctx.actor not in (r.creator, r.user):
        raise SlackError("not_found")
    return r


class Add(msgspec.Struct):
    text: str
    time: str | int | float
    user: str | None = None
    recurrence: Any = None


@method("reminders.add", "reminders:write", mutates=True)
def reminders_add(ctx: S, p: Add) -> dict[str, Any]:
    """Create a reminder: `text`, `time` (a Unix timestamp, seconds from now, or "in 15 minutes",
    "in 2 days", "tomorrow") and optionally `user` to remind someone else."""
    s, env = ctx.state, ctx.env
    if not p.text.strip():
        raise SlackError("missing_argument")  # reminders.add page: "An argument is missing."
    user = p.user or ctx.actor
    u = get_user(s, user)
    if u.is_bot:
        raise SlackError("cannot_add_bot")
    if u.deleted:
        raise SlackError("user_not_found")
    at = parse_time(p.time, env.now)
    if at < int(env.now):
        raise SlackError("time_in_past")
    rid = env.id("Rm", 12)
    r = Reminder(id=rid, creator=ctx.actor, user=user, text=p.text, time=at, recurring=bool(p.recurrence))
    s.reminders[rid] = r
    return {"ok": True, "reminder": reminder_json(r)}


class ListArgs(msgspec.Struct):
    team_id: str | None = None


@method("reminders.list", "reminders:read", mutates=False)
def reminders_list(ctx: S, p: ListArgs) -> dict[str, Any]:
    """The reminders the caller created or is reminded by."""
    return {"ok": True, "reminders": [reminder_json(r) for r in ctx.state.reminders.values()
                                      if ctx.actor in (r.creator, r.user)]}


class One(msgspec.Struct):
    reminder: str


@method("reminders.info", "reminders:read", mutates=False)
def reminders_info(ctx: S, p: One) -> dict[str, Any]:
    """One reminder by id."""
    return {"ok": True, "reminder": reminder_json(own_reminder(ctx, ctx.state, p.reminder))}


@method("reminders.complete", "reminders:write", mutates=True)
def reminders_complete(ctx: S, p: One) -> dict[str, Any]:
    """Mark a reminder complete (only the person it reminds may)."""
    r = own_reminder(ctx, ctx.state, p.reminder)
    if r.user != ctx.actor:
        raise SlackError("cannot_complete_others")
    if r.recurring:
        raise SlackError("cannot_complete_recurring")
    if r.complete_ts:
        raise SlackError("already_complete")
    r.complete_ts = int(ctx.env.now)
    return {"ok": True}


@method("reminders.delete", "reminders:write", mutates=True)
def reminders_delete(ctx: S, p: One) -> dict[str, Any]:
    """Delete a reminder."""
    r = own_reminder(ctx, ctx.state, p.reminder)
    del ctx.state.reminders[r.id]
    return {"ok": True}
