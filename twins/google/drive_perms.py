"""Drive v3 permissions: share a file with a user, group, domain or anyone; change roles;
transfer ownership; unshare."""

from __future__ import annotations

from typing import Any

import msgspec

from .drive_access import NO_WRITE, get_file
from .drive_files import fields_tree
from .drive_json import domain_permission_id, permission_id_of, permission_json
from .drive_paging import token_page
from .errors import DriveError, invalid_value
from .fields import Tree, select
from .registry import G, ops
from .state import RANK, DriveFile, Permission, ensure_user, note_change

BASE = "/drive/v3/files/{fileId}/permissions"
TYPES = ("user", "group", "domain", "anyone")
PERM_KNOWN: dict[str, Any] = {k: None for k in (
    "kind", "id", "type", "role", "emailAddress", "domain", "displayName", "allowFileDiscovery",
    "deleted", "pendingOwner", "permissionDetails", "photoLink", "expirationTime", "view",
    "teamDrivePermissionDetails", "inheritedPermissionsDisabled")}
PERM_DEFAULT: Tree = {k: None for k in ("kind", "id", "type", "role", "emailAddress", "domain",
                                        "allowFileDiscovery", "displayName", "deleted", "pendingOwner")}
LIST_KNOWN: dict[str, Any] = {"kind": None, "nextPageToken": None, "permissions": PERM_KNOWN}
LIST_DEFAULT: Tree = {"kind": None, "nextPageToken": None, "permissions": PERM_DEFAULT}


def _perm_reply(p: Permission, fields: str | None) -> dict[str, Any]:
    out: dict[str, Any] = select(permission_json(p, None), fields_tree(fields, PERM_DEFAULT, PERM_KNOWN))
    return out


def _sharer(ctx: G, file_id: str) -> tuple[DriveFile, str]:
    f, role = get_file(ctx, file_id)
    if RANK[role] < RANK["writer"]:
        raise DriveError("insufficientFilePermissions", NO_WRITE, status=403)
    return f, role


def _find(f: DriveFile, perm_id: str) -> Permission:
    for p in f.permissions:
        if p.id == perm_id:
            return p
    raise DriveError("notFound", f"Permission not found: {perm_id}.", location="permissionId")


def _transfer(ctx: G, f: DriveFile, target: Permission, role: str) -> None:
    """Make `target` (a user permission) the owner; the previous owner keeps writer access."""
    if role != "owner":
        raise DriveError("insufficientFilePermissions", NO_WRITE, status=403)
    if target.type != "user" or not target.emailAddress:
        raise DriveError("invalidSharingRequest", "Bad Request. User message: \"Only a user can own "
                         "a file.\"", status=400, location="permission.type", location_type="other")
    email = target.emailAddress
    if email.rpartition("@")[2] != (f.owners[0] if f.owners else ctx.actor).rpartition("@")[2]:
        raise DriveError("invalidSharingRequest", "Bad Request. User message: \"Ownership can only be "
                         "transferred to another user in the same organization as the current "
                         "owner.\"", status=400, location="permission.emailAddress", location_type="other")
    for p in f.permissions:
        if p.role == "owner" and p is not target:
            p.role = "writer"
    target.role = "owner"
    target.pendingOwner = False
    f.owners = [email]
    ensure_user(ctx.state, ctx.env, email)


class PermissionBody(msgspec.Struct, kw_only=True):
    fileId: str
    type: str = ""
    role: str = ""
    emailAddress: str | None = None
    domain: str | None = None
    allowFileDiscovery: bool | None = None
    pendingOwner: bool = False
    fields: str | None = None
    transferOwnership: bool = False
    moveToNewOwnersRoot: bool = False
    sendNotificationEmail: bool = True
    emailMessage: str = ""
    supportsAllDrives: bool = False
    useDomainAdminAccess: bool = False


@ops.op("drive.permissions.create", "POST", BASE)
def permissions_create(ctx: G, p: PermissionBody) -> dict[str, Any]:
    """Share a file: type user or group (with emailAddress), domain (with domain) or anyone;
    role reader, commenter, writer, or owner (with transferOwnership=true, to transfer ownership
    to a user of the same organization). Sharing again with the same person changes their role."""
    f, role = _sharer(ctx, p.fileId)
    if not p.type:
        raise DriveError("required", "The permission type field is required.", status=400,
                         location="permission.type", location_type="other")
    if p.type not in TYPES:
        raise DriveError("invalid", f"Invalid permission type: {p.type}.", status=400,
                         location="permission.type", location_type="other")
    if not p.role:
        raise DriveError("required", "The permission role field is required.", status=400,
                         location="permission.role", location_type="other")
    if p.role not in RANK:
        raise DriveError("invalid", f"Invalid permission role: {p.role}.", status=400,
                         location="permission.role", location_type="other")
    if f.driveId and p.role == "owner":
        raise DriveError("invalidSharingRequest", "Bad Request. User message: \"Items in shared drives "
                         "are owned by the organization and cannot be transferred.\"", status=400,
                         location="permission.role", location_type="other")
    if f.driveId and f.id == f.driveId and role != "organizer":
        raise DriveError("insufficientFilePermissions", NO_WRITE, status=403)
    if p.role == "owner" and not p.transferOwnership:
        raise DriveError("forbidden", "The transferOwnership parameter must be enabled when the "
                         "permission role is 'owner'.", status=403, location="transferOwnership")
    if p.role in ("organizer", "fileOrganizer") and not f.driveId:
        raise DriveError("invalidSharingRequest", "Bad Request. User message: \"The organizer and "
                         "fileOrganizer roles are only for shared drives.\"", status=400,
                         location="permission.role", location_type="other")
    email = (p.emailAddress or "").strip().lower() or None
    if p.type in ("user", "group") and not email:
        raise DriveError("required", "The permission emailAddress field is required.", status=400,
                         location="permission.emailAddress", location_type="other")
    if p.type in ("user", "group") and email is not None and "@" not in email:
        raise DriveError("invalid", f"Invalid email address: {email}.", status=400,
                         location="permission.emailAddress", location_type="other")
    domain = (p.domain or "").strip().lower() or None
    if p.type == "domain" and not domain:
        raise DriveError("required", "The permission domain field is required.", status=400,
                         location="permission.domain", location_type="other")
    perm = _existing(f, p.type, email, domain)
    if perm is None:
        if p.type in ("user", "group"):
            assert email is not None
            pid = permission_id_of(ctx.state, email)
            u = ctx.state.users.get(email)
            perm = Permission(id=pid, type=p.type, role="reader", emailAddress=email,
                              displayName=u.name if u is not None else None)
        elif p.type == "domain":
            assert domain is not None
            perm = Permission(id=domain_permission_id(domain), type="domain", role="reader",
                              domain=domain, displayName=domain,
                              allowFileDiscovery=bool(p.allowFileDiscovery))
        else:
            perm = Permission(id="anyone" if p.allowFileDiscovery else "anyoneWithLink", type="anyone",
                              role="reader", allowFileDiscovery=bool(p.allowFileDiscovery))
        f.permissions.append(perm)
    elif perm.role == "owner":
        raise DriveError("forbidden", "The owner's role cannot be changed here; transfer ownership "
                         "to another user instead.", status=403, location="permission.role",
                         location_type="other")
    if p.role == "owner":
        _transfer(ctx, f, perm, role)
        if p.moveToNewOwnersRoot and perm.emailAddress:
            f.parents = [ensure_user(ctx.state, ctx.env, perm.emailAddress).rootId]
    else:
        perm.role = p.role
    if p.allowFileDiscovery is not None and perm.type in ("domain", "anyone"):
        perm.allowFileDiscovery = p.allowFileDiscovery
        if perm.type == "anyone":
            perm.id = "anyone" if p.allowFileDiscovery else "anyoneWithLink"
    if email is not None and perm.type in ("user", "group") and email not in f.sharedWith:
        f.sharedWith[email] = ctx.env.iso()
    f.version += 1
    note_change(ctx.state, ctx.env, f)
    return _perm_reply(perm, p.fields)


def _existing(f: DriveFile, kind: str, email: str | None, domain: str | None) -> Permission | None:
    for x in f.permissions:
        if x.type != kind:
            continue
        if kind in ("user", "group") and x.emailAddress == email:
            return x
        if kind == "domain" and x.domain == domain:
            return x
        if kind == "anyone":
            return x
    return None


class ListPermissions(msgspec.Struct, kw_only=True):
    fileId: str
    pageSize: int = 100
    pageToken: str = ""
    fields: str | None = None
    supportsAllDrives: bool = False
    useDomainAdminAccess: bool = False


@ops.op("drive.permissions.list", "GET", BASE)
def permissions_list(ctx: G, p: ListPermissions) -> dict[str, Any]:
    """List who a file is shared with (needs writer access): each permission's id, type, role,
    emailAddress or domain."""
    f, _ = _sharer(ctx, p.fileId)
    if not 1 <= p.pageSize <= 100:
        raise invalid_value("pageSize")
    chunk, more = token_page(f.permissions, p.pageToken, p.pageSize, "perm")
    out: dict[str, Any] = {"kind": "drive#permissionList",
                           "permissions": [permission_json(x, f) for x in chunk], **more}
    selected: dict[str, Any] = select(out, fields_tree(p.fields, LIST_DEFAULT, LIST_KNOWN))
    return selected


class PermissionRef(msgspec.Struct, kw_only=True):
    fileId: str
    permissionId: str
    fields: str | None = None
    supportsAllDrives: bool = False
    useDomainAdminAccess: bool = False


@ops.op("drive.permissions.get", "GET", BASE + "/{permissionId}")
def permissions_get(ctx: G, p: PermissionRef) -> dict[str, Any]:
    """Get one permission of a file by id."""
    f, _ = _sharer(ctx, p.fileId)
    return _perm_reply(_find(f, p.permissionId), p.fields)


class UpdatePermission(PermissionRef, kw_only=True):
    role: str = ""
    transferOwnership: bool = False
    removeExpiration: bool = False
    expirationTime: str | None = None


@ops.op("drive.permissions.update", "PATCH", BASE + "/{permissionId}")
def permissions_update(ctx: G, p: UpdatePermission) -> dict[str, Any]:
    """Change a permission's role (reader, commenter, writer); role owner with
    transferOwnership=true transfers ownership to that user."""
    f, role = _sharer(ctx, p.fileId)
    perm = _find(f, p.permissionId)
    if not p.role:
        return _perm_reply(perm, p.fields)
    if p.role not in RANK or p.role in ("organizer", "fileOrganizer"):
        raise DriveError("invalid", f"Invalid permission role: {p.role}.", status=400,
                         location="permission.role", location_type="other")
    if perm.role == "owner" and p.role != "owner":
        raise DriveError("forbidden", "The owner's role cannot be changed; transfer ownership to "
                         "another user instead.", status=403, location="permission.role",
                         location_type="other")
    if p.role == "owner":
        if not p.transferOwnership:
            raise DriveError("forbidden", "The transferOwnership parameter must be enabled when the "
                             "permission role is 'owner'.", status=403, location="transferOwnership")
        _transfer(ctx, f, perm, role)
    else:
        perm.role = p.role
    f.version += 1
    note_change(ctx.state, ctx.env, f)
    return _perm_reply(perm, p.fields)


@ops.op("drive.permissions.delete", "DELETE", BASE + "/{permissionId}", status=204)
def permissions_delete(ctx: G, p: PermissionRef) -> None:
    """Remove a permission (unshare). The owner's permission cannot be removed."""
    f, _ = _sharer(ctx, p.fileId)
    perm = _find(f, p.permissionId)
    if perm.role == "owner":
        raise DriveError("cannotRemoveOwner", "The owner of a file cannot be removed.", status=403,
                         location="permissionId")
    f.permissions = [x for x in f.permissions if x is not perm]
    if perm.emailAddress:
        f.sharedWith.pop(perm.emailAddress, None)
    f.version += 1
    note_change(ctx.state, ctx.env, f)
    return None
