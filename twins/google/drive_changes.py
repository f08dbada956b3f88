"""Drive v3 changes: getStartPageToken and list.

Every file the world creates, changes, trashes, shares or deletes, and every shared drive it
creates, changes or deletes, appends a `Change` to `state.changes` (state.note_change); a page
token is the sequence number of the next change to read. A list hands out the changes from its
token onward that the caller may see (a file they can read now, a removal of a file they could
read, a shared drive they are a member of), with `nextPageToken` while more remain and
`newStartPageToken` on the last page."""

from __future__ import annotations

from typing import Any

import msgspec

from .drive_drives import drive_json, member_role
from .drive_files import fields_tree
from .drive_json import KNOWN_FILE, file_json
from .errors import DriveError, invalid_value
from .fields import Tree, select
from .registry import G, ops
from .state import Change, role_of

BASE = "/drive/v3/changes"
CHANGE_KNOWN: dict[str, Any] = {k: None for k in (
    "kind", "changeType", "time", "removed", "fileId", "file", "driveId", "drive", "teamDriveId",
    "teamDrive")}
CHANGE_KNOWN["file"] = KNOWN_FILE
CHANGE_DEFAULT: Tree = {k: None for k in ("kind", "changeType", "time", "removed", "fileId", "file",
                                          "driveId", "drive")}
CHANGE_DEFAULT["file"] = {k: None for k in ("kind", "id", "name", "mimeType")}
LIST_KNOWN: dict[str, Any] = {"kind": None, "nextPageToken": None, "newStartPageToken": None,
                              "changes": CHANGE_KNOWN}
LIST_DEFAULT: Tree = {"kind": None, "nextPageToken": None, "newStartPageToken": None,
                      "changes": CHANGE_DEFAULT}
START_KNOWN: dict[str, Any] = {"kind": None, "startPageToken": None}


def _start(ctx: G) -> str:
    return str(len(ctx.state.changes) + 1)


class StartToken(msgspec.Struct, kw_only=True):
    driveId: str = ""
    supportsAllDrives: bool = False
    fields: str | None = None


@ops.op("drive.changes.getStartPageToken", "GET", BASE + "/startPageToken", mutates=False)
def changes_start(ctx: G, p: StartToken) -> dict[str, Any]:
    """The page token from which changes.list reports what happens from now on."""
    if p.driveId and (p.driveId not in ctx.state.drives
                      or member_role(ctx, ctx.state.drives[p.driveId]) is None):
        raise DriveError("notFound", f"Shared drive not found: {p.driveId}", location="driveId")
    out: dict[str, Any] = select({"kind": "drive#startPageToken", "startPageToken": _start(ctx)},
                                 fields_tree(p.fields, {"kind": None, "startPageToken": None}, START_KNOWN))
    return out


class ListChanges(msgspec.Struct, kw_only=True):
    pageToken: str = ""
    pageSize: int = 100
    includeRemoved: bool = True
    restrictToMyDrive: bool = False
    includeItemsFromAllDrives: bool = False
    supportsAllDrives: bool = False
    driveId: str = ""
    spaces: str = "drive"
    includeCorpusRemovals: bool = False
    fields: str | None = None


def _visible(ctx: G, ch: Change, p: ListChanges) -> dict[str, Any] | None:
    s, actor = ctx.state, ctx.actor
    if p.driveId and ch.driveId != p.driveId:
        return None
    if ch.changeType == "drive":
        d = s.drives.get(ch.driveId)
        base = {"kind": "drive#change", "changeType": "drive", "time": ch.time, "driveId": ch.driveId}
        if ch.removed:
            return {**base, "removed": True} if p.includeRemoved else None
        role = member_role(ctx, d) if d is not None else None
        return None if d is None or role is None else {**base, "removed": False, "drive": drive_json(d, role)}
    if ch.driveId and not (p.includeItemsFromAllDrives and p.supportsAllDrives) and not p.driveId:
        return None
    out: dict[str, Any] = {"kind": "drive#change", "changeType": "file", "time": ch.time, "fileId": ch.fileId}
    if ch.driveId:
        out["driveId"] = ch.driveId
    f = s.files.get(ch.fileId)
    if ch.removed:
        return {**out, "removed": True} if p.includeRemoved and actor in ch.seenBy else None
    if f is None:  # removed since: its removal is a change of its own
        return None
    role = role_of(s, f, actor)
    if role is None:
        return {**out, "removed": True} if p.includeRemoved and p.includeCorpusRemovals else None
    if p.restrictToMyDrive and f.driveId:
        return None
    return {**out, "removed": False, "file": file_json(s, f, actor, role, ctx.env.base_url)}


@ops.op("drive.changes.list", "GET", BASE, mutates=False)
def changes_list(ctx: G, p: ListChanges) -> dict[str, Any]:
    """What changed since `pageToken` (from getStartPageToken or a previous page's
    newStartPageToken): files created, edited, trashed, shared or removed. Page with `pageSize`
    (1-1000) and nextPageToken; the last page carries newStartPageToken for the next poll."""
    if not p.pageToken:
        raise DriveError("required", "Required parameter: pageToken", status=400, location="pageToken")
    try:
        start = int(p.pageToken)
    except ValueError:
        raise invalid_value("pageToken") from None
    log = ctx.state.changes
    if not 1 <= start <= len(log) + 1:
        raise invalid_value("pageToken")
    if not 1 <= p.pageSize <= 1000:
        raise invalid_value("pageSize")
    if p.driveId and (p.driveId not in ctx.state.drives
                      or member_role(ctx, ctx.state.drives[p.driveId]) is None):
        raise DriveError("notFound", f"Shared drive not found: {p.driveId}", location="driveId")
    tree = fields_tree(p.fields, LIST_DEFAULT, LIST_KNOWN)
    changes: list[dict[str, Any]] = []
    i = start - 1
    while i < len(log) and len(changes) < p.pageSize:
        got = _visible(ctx, log[i], p)
        if got is not None:
            changes.append(got)
        i += 1
    out: dict[str, Any] = {"kind": "drive#changeList"}
    if i < len(log):
        out["nextPageToken"] = str(i + 1)
    else:
        out["newStartPageToken"] = str(len(log) + 1)
    out["changes"] = changes
    selected: dict[str, Any] = select(out, tree)
    return selected
