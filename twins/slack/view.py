"""The Slack state as plain data (checks, the admin door), built incrementally from the seed's.

A world's view is `msgspec.to_builtins(state)`. Most calls change one or two channels, and a
trajectory rarely changes a user, so `view_delta` reuses the seed image's view of every channel and
user that was neither marked nor added, and rebuilds the rest. Marks (`ctx.mark`): every channel a
handler looks up (shape.visible_channel, writable_channel, open_im, and the few handlers that take
one from `state.channels` to change it) is marked ("channel", id), reads included; a user is marked
("user", id) where a handler changes one (ops_people). A marked channel keeps the seed's views of its
seeded messages too, unless one may have changed in place or gone ("messages", id: shape.message_to_change,
a thread reply's parent, files.delete, a response_url): otherwise messages are only appended. The
small collections (files, user groups, reminders, scheduled messages) are rebuilt whole."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Ctx
from ..core.lazy import is_raw, loaded
from .state import Channel, SlackState

_to_builtins = msgspec.to_builtins
_replace = msgspec.structs.replace


def view_delta(ctx: Ctx[SlackState], seed: dict[str, Any]) -> dict[str, Any]:
    """`to_builtins(ctx.state)` from the seed's view (shared by every world: never changed here)."""
    s = ctx.state
    users: set[str] = set()
    channels: set[str] = set()
    rewritten: set[str] = set()
    for kind, key in ctx.changed:
        (users if kind == "user" else channels if kind == "channel" else rewritten).add(key)
    return {
        "team_id": s.team_id, "team": s.team, "domain": s.domain, "me": s.me,
        "users": _merge(s.users, seed["users"], users),
        "channels": _channels(s.channels, seed["channels"], channels, rewritten),
        "files": _to_builtins(loaded(s.files)) if s.files else {},
        "usergroups": _to_builtins(loaded(s.usergroups)) if s.usergroups else {},
        "reminders": _to_builtins(loaded(s.reminders)) if s.reminders else {},
        "scheduled": _to_builtins(loaded(s.scheduled)) if s.scheduled else {},
        "emoji": dict(s.emoji),
    }


def _merge(items: dict[str, Any], seed: dict[str, Any], marked: set[str]) -> dict[str, Any]:
    """Each entity's seed view when it is unmarked and was seeded, else its view built afresh (in
    the state's order, which is the seed's for the seeded ones): the seed's dict itself when none
    was marked, added or removed."""
    if not marked and items.keys() == seed.keys():
        return seed
    out: dict[str, Any] = {}
    for key, item in dict.items(items):  # an item still encoded is the seed's
        old = seed.get(key)
        out[key] = old if old is not None and (key not in marked or is_raw(item)) else _to_builtins(item)
    return out


def _channels(items: dict[str, Channel], seed: dict[str, Any], marked: set[str], rewritten: set[str]
              ) -> dict[str, Any]:
    """`_merge` for channels, where a marked channel whose seeded messages none changed in place
    (no ("messages", id) mark) keeps the seed's views of them and builds only the ones after."""
    if not marked and items.keys() == seed.keys():
        return seed
    out: dict[str, Any] = {}
    for key, ch in dict.items(items):  # a channel still encoded is the seed's
        old = seed.get(key)
        if old is None:
            out[key] = _to_builtins(ch)
        elif key not in marked or is_raw(ch):
            out[key] = old
        else:
            out[key] = _to_builtins(ch) if key in rewritten else _appended(ch, old)
    return out


def _appended(ch: Channel, old: dict[str, Any]) -> dict[str, Any]:
    """A channel's view whose first messages are those of its seed view `old`, unchanged."""
    before = old["messages"]
    msgs = ch.messages
    n = len(before)
    if not n or len(msgs) < n or msgs[n - 1].ts != before[-1]["ts"]:  # nothing to keep, or not a prefix
        return _to_builtins(ch)
    out: dict[str, Any] = _to_builtins(_replace(ch, messages=[]))
    out["messages"] = [*before, *_to_builtins(msgs[n:])]
    return out
