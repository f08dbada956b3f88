"""Drive v3 shared drives: create, get, list, update, delete, hide and unhide.

A shared drive is a `SharedDrive` in `state.drives` plus a root folder with the same id in
`state.files`, whose permissions are the drive's members (the creator is an `organizer`). Files go
in with `parents: [driveId]` and `supportsAllDrives=true`; they have no owner (the organization
owns them), and inherit the members' roles through their folders."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.paging import encode_cursor, offset_of
from .drive_files import fields_tree
from .errors import DriveError, invalid_value
from .fields import Tree, select
from .registry import G, ops
from .state import (
    FOLDER,
    RANK,
    DriveFile,
    Permission,
    SharedDrive,
    ensure_user,
    note_drive_change,
    role_of,
)

BASE = "/drive/v3/drives"
RESTRICTIONS = ("adminManagedRestrictions", "copyRequiresWriterPermission", "domainUsersOnly",
                "driveMembersOnly", "sharingFoldersRequiresOrganizerPermission")
DRIVE_KNOWN: dict[str, Any] = {k: None for k in (
    "kind", "id", "name", "themeId", "colorRgb", "backgroundImageFile", "backgroundImageLink",
    "capabilities", "createdTime", "hidden", "restrictions", "orgUnitId")}
DRIVE_DEFAULT: Tree = {"kind": None, "id": None, "name": None}
LIST_KNOWN: dict[str, Any] = {"kind": None, "nextPageToken": None, "drives": DRIVE_KNOWN}
LIST_DEFAULT: Tree = {"kind": None, "nextPageToken": None, "drives": DRIVE_DEFAULT}
_ID = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


def drive_not_found(drive_id: str) -> DriveError:
    return DriveError("notFound", f"Shared drive not found: {drive_id}", location="driveId")


def member_role(ctx: G, d: SharedDrive) -> str | None:
    root = ctx.state.files.get(d.id)
    return None if root is None else role_of(ctx.state, root, ctx.actor)


def get_drive(ctx: G, drive_id: str, need: str = "reader") -> tuple[SharedDrive, str]:
    """The shared drive and the actor's role in it: 404 for a non-member, 403 below `need`."""
    d = ctx.state.drives.get(drive_id)
    role = member_role(ctx, d) if d is not None else None
    if d is None or role is None:
        raise drive_not_found(drive_id)
    if RANK[role] < RANK[need]:
        raise DriveError("insufficientFilePermissions",
                         "The user does not have sufficient permissions for this file.", status=403)
    return d, role


def drive_json(d: SharedDrive, role: str) -> dict[str, Any]:
    organizer = role == "organizer"
    write = RANK[role] >= RANK["writer"]
    return {
        "kind": "drive#drive", "id": d.id, "name": d.name, "colorRgb": d.colorRgb,
        "themeId": d.themeId or "abacus", "createdTime": d.createdTime, "hidden": d.hidden,
        "backgroundImageLink": f"https://ssl.gstatic.com/team_drive_themes/{d.themeId or 'abacus'}_background.jpg",
        "capabilities": {
            "canAddChildren": write, "canComment": RANK[role] >= RANK["commenter"], "canCopy": write,
            "canDeleteDrive": organizer, "canDownload": True, "canEdit": write,
            "canListChildren": True, "canManageMembers": organizer, "canReadRevisions": write,
            "canRename": organizer, "canRenameDrive": organizer, "canChangeDriveBackground": organizer,
            "canShare": organizer, "canTrashChildren": write, "canDeleteChildren": organizer,
            "canChangeCopyRequiresWriterPermissionRestriction": organizer,
            "canChangeDomainUsersOnlyRestriction": organizer,
            "canChangeDriveMembersOnlyRestriction": organizer, "canResetDriveRestrictions": organizer,
        },
        "restrictions": {k: d.restrictions.get(k, False) for k in RESTRICTIONS},
    }


def _reply(d: SharedDrive, role: str, fields: str | None) -> dict[str, Any]:
    out: dict[str, Any] = select(drive_json(d, role), fields_tree(fields, DRIVE_DEFAULT, DRIVE_KNOWN))
    return out


class CreateDrive(msgspec.Struct, kw_only=True):
    requestId: str = ""
    name: str = ""
    themeId: str = ""
    colorRgb: str = ""
    restrictions: dict[str, bool] = {}
    hidden: bool = False
    fields: str | None = None


@ops.op("drive.drives.create", "POST", BASE)
def drives_create(ctx: G, p: CreateDrive) -> dict[str, Any]:
    """Create a shared drive named `name`; `requestId` (a unique string, for idempotency) is
    required. The caller becomes its organizer."""
    s = ctx.state
    if not p.requestId:
        raise DriveError("required", "Required parameter: requestId", status=400, location="requestId")
    if not p.name:
        raise DriveError("required", "Required: name", status=400, location="name", location_type="other")
    for d in s.drives.values():
        if d.requestId == p.requestId:
            raise DriveError("duplicate", "A shared drive with this requestId already exists.",
                             status=409, location="requestId")
    did = ctx.env.id("0A", 17, _ID) + "Uk9PVA"
    t = ctx.env.iso()
    d = s.drives[did] = SharedDrive(id=did, name=p.name, createdTime=t, requestId=p.requestId,
                                    hidden=p.hidden, themeId=p.themeId, colorRgb=p.colorRgb or "#4986e7",
                                    restrictions={k: v for k, v in p.restrictions.items() if k in RESTRICTIONS})
    me = ensure_user(s, ctx.env, ctx.actor)
    s.files[did] = DriveFile(id=did, name=p.name, mimeType=FOLDER, createdTime=t, modifiedTime=t,
                             driveId=did, lastModifyingUser=ctx.actor, permissions=[
                                 Permission(id=me.permissionId, type="user", role="organizer",
                                            emailAddress=ctx.actor, displayName=me.name)])
    note_drive_change(s, ctx.env, did)
    return _reply(d, "organizer", p.fields)


class DriveRef(msgspec.Struct, kw_only=True):
    driveId: str
    fields: str | None = None
    useDomainAdminAccess: bool = False


@ops.op("drive.drives.get", "GET", BASE + "/{driveId}", mutates=False)
def drives_get(ctx: G, p: DriveRef) -> dict[str, Any]:
    """Get a shared drive the user is a member of."""
    d, role = get_drive(ctx, p.driveId)
    return _reply(d, role, p.fields)


class ListDrives(msgspec.Struct, kw_only=True):
    pageSize: int = 10
    pageToken: str = ""
    q: str = ""
    useDomainAdminAccess: bool = False
    fields: str | None = None


def _matches(d: SharedDrive, q: str) -> bool:
    """The few `q` terms of drives.list the twin understands: name contains/=, hidden =."""
    for term in [t.strip() for t in q.split(" and ") if t.strip()]:
        words = term.split(None, 2)
        if len(words) != 3:
            raise invalid_value("q")
        field, op, value = words
        value = value.strip().strip("'\"")
        if field == "name" and op == "contains":
            ok = value.lower() in d.name.lower()
        elif field == "name" and op in ("=", "!="):
            ok = (d.name == value) == (op == "=")
        elif field == "hidden" and op in ("=", "!=") and value in ("true", "false"):
            ok = (d.hidden == (value == "true")) == (op == "=")
        else:
            raise invalid_value("q")
        if not ok:
            return False
    return True


@ops.op("drive.drives.list", "GET", BASE, mutates=False)
def drives_list(ctx: G, p: ListDrives) -> dict[str, Any]:
    """List the shared drives the user is a member of (hidden ones too; `q` "hidden = false"
    leaves them out), `pageSize` 1-100 (default 10) and `pageToken`."""
    if not 1 <= p.pageSize <= 100:
        raise invalid_value("pageSize")
    offset = offset_of(p.pageToken, "drives", lambda: invalid_value("pageToken"))
    mine = [(d, r) for d in ctx.state.drives.values() if (r := member_role(ctx, d)) is not None
            and _matches(d, p.q)]
    chunk = mine[offset:offset + p.pageSize]
    out: dict[str, Any] = {"kind": "drive#driveList", "drives": [drive_json(d, r) for d, r in chunk]}
    if offset + p.pageSize < len(mine):
        out["nextPageToken"] = encode_cursor(offset + p.pageSize, "drives")
    selected: dict[str, Any] = select(out, fields_tree(p.fields, LIST_DEFAULT, LIST_KNOWN))
    return selected


class UpdateDrive(DriveRef, kw_only=True):
    name: str | None = None
    themeId: str | None = None
    colorRgb: str | None = None
    restrictions: dict[str, bool] | None = None
    hidden: bool | None = None


@ops.op("drive.drives.update", "PATCH", BASE + "/{driveId}")
def drives_update(ctx: G, p: UpdateDrive) -> dict[str, Any]:
    """Rename a shared drive or change its colour, theme or restrictions (organizers only)."""
    d, role = get_drive(ctx, p.driveId, "organizer")
    if p.hidden is not None:
        raise DriveError("fieldNotWritable", "The resource body includes fields which are not directly "
                         "writable.", status=403, location="hidden", location_type="other")
    if p.name is not None:
        if not p.name:
            raise invalid_value("name")
        d.name = ctx.state.files[d.id].name = p.name
    if p.themeId is not None:
        d.themeId = p.themeId
    if p.colorRgb is not None:
        d.colorRgb = p.colorRgb
    if p.restrictions is not None:
        for k, v in p.restrictions.items():
            if k not in RESTRICTIONS:
                raise invalid_value(f"restrictions.{k}")
            d.restrictions[k] = v
    note_drive_change(ctx.state, ctx.env, d.id)
    return _reply(d, role, p.fields)


class DeleteDrive(DriveRef, kw_only=True):
    allowItemDeletion: bool = False


@ops.op("drive.drives.delete", "DELETE", BASE + "/{driveId}", status=204)
def drives_delete(ctx: G, p: DeleteDrive) -> None:
    """Delete a shared drive (organizers only). It must hold no items unless
    `allowItemDeletion` (with `useDomainAdminAccess`) is set."""
    d, _ = get_drive(ctx, p.driveId, "organizer")
    s = ctx.state
    inside = [f for f in s.files.values() if f.driveId == d.id and f.id != d.id]
    if inside and not (p.allowItemDeletion and p.useDomainAdminAccess):
        raise DriveError("cannotDeleteResourceWithChildren",
                         "The shared drive cannot be deleted because it contains one or more items.",
                         status=403)
    for f in inside:
        s.files.pop(f.id, None)
    s.files.pop(d.id, None)
    del s.drives[d.id]
    note_drive_change(s, ctx.env, d.id, removed=True)
    return None


@ops.op("drive.drives.hide", "POST", BASE + "/{driveId}/hide")
def drives_hide(ctx: G, p: DriveRef) -> dict[str, Any]:
    """Hide a shared drive from the user's default view."""
    return _set_hidden(ctx, p, True)


@ops.op("drive.drives.unhide", "POST", BASE + "/{driveId}/unhide")
def drives_unhide(ctx: G, p: DriveRef) -> dict[str, Any]:
    """Show a hidden shared drive in the user's default view again."""
    return _set_hidden(ctx, p, False)


def _set_hidden(ctx: G, p: DriveRef, hidden: bool) -> dict[str, Any]:
    d, role = get_drive(ctx, p.driveId)
    d.hidden = hidden
    note_drive_change(ctx.state, ctx.env, d.id)
    return _reply(d, role, p.fields)


__all__ = ["drive_json", "get_drive"]
