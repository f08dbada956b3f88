"""Google events: the Drive changes a successful call made, as `drive#change` resources (the shape
changes.list answers by default), and the opening of a watch channel (`api#channel`: Drive's first,
`sync`, notification).

Every call that creates, edits, trashes, shares or removes a file appends to the change log
(state.note_change); the events are that log's new entries. `to` names who a file was shared
with (permissions.create). runner/deliver_hooks.py notifies the watch channels they concern."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.events import Event
from ..core.hooks import added
from ..core.ops import Ctx, Reply
from .state import Change, GoogleState, role_of

WATCH_OPS = frozenset(("drive.files.watch", "drive.changes.watch"))


def change_json(s: GoogleState, ch: Change) -> dict[str, Any]:
    """A change as changes.list shows it by default (kind, changeType, time, removed, fileId, file
    {kind, id, name, mimeType}, driveId)."""
    out: dict[str, Any] = {"kind": "drive#change", "changeType": ch.changeType, "time": ch.time,
                           "removed": ch.removed}
    if ch.changeType == "drive":
        out["driveId"] = ch.driveId
        d = s.drives.get(ch.driveId)
        if d is not None and not ch.removed:
            out["drive"] = {"kind": "drive#drive", "id": d.id, "name": d.name}
        return out
    out["fileId"] = ch.fileId
    f = s.files.get(ch.fileId)
    if f is not None and not ch.removed:
        out["file"] = {"kind": "drive#file", "id": f.id, "name": f.name, "mimeType": f.mimeType}
    if ch.driveId:
        out["driveId"] = ch.driveId
    return out


def visible(s: GoogleState, change: Mapping[str, Any], email: str) -> bool:
    """Whether `email` would see this change in changes.list: a file they can read now, or the
    removal of one they could read."""
    if change.get("changeType") == "drive":
        d = s.drives.get(str(change.get("driveId", "")))
        return d is not None or bool(change.get("removed"))
    f = s.files.get(str(change.get("fileId", "")))
    if f is not None:
        return role_of(s, f, email) is not None
    return any(c.removed and c.fileId == change.get("fileId") and email in c.seenBy for c in s.changes)


def events(ctx: Ctx[GoogleState], op: str, args: Mapping[str, Any], reply: Reply) -> list[Event]:
    s, env = ctx.state, ctx.env
    out: list[Event] = []
    if op in WATCH_OPS and isinstance(reply.body, dict):
        out.append(Event("google", "api#channel", env.now, ctx.actor, dict(reply.body)))
    shared: tuple[str, ...] = ()
    if op == "drive.permissions.create":
        email = str(args.get("emailAddress") or "").strip().lower()
        shared = (email,) if email else ()
    for ch in added(ctx, s.changes, env.iso(), lambda c: c.time, lambda c: c.seq):
        out.append(Event("google", "drive#change", env.now, ctx.actor, change_json(s, ch), to=shared))
    return out
