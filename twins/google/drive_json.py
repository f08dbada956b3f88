"""Drive v3 resources as the API sends them: File, Permission, User. Built fresh each call."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, NamedTuple

from ..core.env import derive
from .fields import Tree
from .state import (
    DOC,
    FOLDER,
    GOOGLE_APPS,
    RANK,
    SHEET,
    DriveFile,
    GoogleState,
    Permission,
    user_permission_id,
)

BLOB_EXPORTS: dict[str, str] = {}
EXPORTS: dict[str, tuple[str, ...]] = {
    DOC: ("text/plain", "text/markdown", "text/html", "application/pdf", "application/rtf",
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "application/vnd.oasis.opendocument.text", "application/epub+zip", "application/zip"),
    SHEET: ("text/csv", "text/tab-separated-values", "application/pdf", "application/zip",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/x-vnd.oasis.opendocument.spreadsheet"),
}
DEFAULT_FILE_FIELDS = ("kind", "id", "name", "mimeType")
FILE_FIELDS = (
    "kind", "id", "name", "mimeType", "description", "starred", "trashed", "explicitlyTrashed",
    "trashingUser", "trashedTime", "parents", "properties", "appProperties", "spaces", "version",
    "webContentLink", "webViewLink", "iconLink", "hasThumbnail", "thumbnailLink", "thumbnailVersion",
    "viewedByMe", "viewedByMeTime", "createdTime", "modifiedTime", "modifiedByMeTime", "modifiedByMe",
    "sharedWithMeTime", "sharingUser", "owners", "teamDriveId", "driveId", "lastModifyingUser",
    "shared", "ownedByMe", "capabilities", "viewersCanCopyContent", "copyRequiresWriterPermission",
    "writersCanShare", "permissions", "permissionIds", "hasAugmentedPermissions", "folderColorRgb",
    "originalFilename", "fullFileExtension", "fileExtension", "md5Checksum", "sha1Checksum",
    "sha256Checksum", "size", "quotaBytesUsed", "headRevisionId", "contentHints",
    "imageMediaMetadata", "videoMediaMetadata", "isAppAuthorized", "exportLinks", "shortcutDetails",
    "contentRestrictions", "resourceKey", "linkShareMetadata", "labelInfo", "inheritedPermissionsDisabled",
    "downloadRestrictions",
)
KNOWN_FILE: dict[str, Any] = {k: None for k in FILE_FIELDS}
KNOWN_FILE["owners"] = KNOWN_FILE["lastModifyingUser"] = KNOWN_FILE["sharingUser"] = {
    k: None for k in ("kind", "displayName", "photoLink", "me", "permissionId", "emailAddress")}


def user_json(state: GoogleState, email: str, actor: str) -> dict[str, Any]:
    u = state.users.get(email)
    return {"kind": "drive#user", "displayName": u.name if u and u.name else email.split("@")[0],
            "me": email == actor, "permissionId": permission_id_of(state, email), "emailAddress": email}


def permission_id_of(state: GoogleState, email: str) -> str:
    """A user's or group's permission id: stable for the email across files."""
    u = state.users.get(email)
    if u is not None and u.permissionId:
        return u.permissionId
    return user_permission_id(email)


def domain_permission_id(domain: str) -> str:
    return f"{derive(11, domain.lower()) % 10**20:020d}k"


def permission_json(p: Permission, f: DriveFile | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "drive#permission", "id": p.id, "type": p.type, "role": p.role}
    if p.emailAddress is not None:
        out["emailAddress"] = p.emailAddress
    if p.domain is not None:
        out["domain"] = p.domain
    if p.displayName is not None:
        out["displayName"] = p.displayName
    if p.allowFileDiscovery is not None:
        out["allowFileDiscovery"] = p.allowFileDiscovery
    out["deleted"] = False
    out["pendingOwner"] = p.pendingOwner
    if f is not None:
        out["permissionDetails"] = [{"permissionType": "file", "role": p.role, "inherited": False}]
    return out


def _ext(name: str) -> tuple[str, str]:
    if "." not in name.strip("."):
        return "", ""
    full = name.split(".", 1)[1]
    return full, name.rsplit(".", 1)[1]


def capabilities(f: DriveFile, role: str) -> dict[str, bool]:
    edit = RANK[role] >= RANK["writer"]
    owner = role == "owner"
    folder = f.mimeType == FOLDER
    return {
        "canEdit": edit, "canComment": RANK[role] >= RANK["commenter"], "canShare": edit,
        "canCopy": not folder, "canDownload": True, "canDelete": owner, "canTrash": owner,
        "canUntrash": owner, "canRename": edit, "canReadRevisions": edit,
        "canAddChildren": folder and edit, "canListChildren": folder, "canRemoveChildren": folder and edit,
        "canModifyContent": edit, "canChangeCopyRequiresWriterPermission": edit,
        "canMoveItemWithinDrive": edit, "canMoveItemOutOfDrive": owner, "canAcceptOwnership": False,
    }


class _File(NamedTuple):
    """What a File field is computed from; `role` only when a field needs it (ROLE_FIELDS)."""

    state: GoogleState
    f: DriveFile
    actor: str
    role: str


_ABSENT: Any = object()
"""A getter's answer for a field the resource leaves out."""


def _owned(x: _File) -> bool:
    return x.actor in x.f.owners


def _blob(f: DriveFile) -> bool:
    return f.mimeType != FOLDER and not f.mimeType.startswith(GOOGLE_APPS)


def _trashed_time(x: _File) -> Any:
    return x.f.trashedTime if x.f.trashed and x.f.trashedTime else _ABSENT


def _shared_with_me(x: _File) -> bool:
    return x.actor in x.f.sharedWith and not _owned(x)


def _writer(x: _File) -> bool:
    return RANK[x.role] >= RANK["writer"]


def _export_links(f: DriveFile) -> Any:
    if f.mimeType == FOLDER or not f.mimeType.startswith(GOOGLE_APPS):
        return _ABSENT
    kind = "document" if f.mimeType == DOC else "spreadsheets"
    return {m: f"https://docs.google.com/feeds/download/{kind}/Export?id={f.id}&exportFormat={m}"
            for m in EXPORTS.get(f.mimeType, ())}


_GETTERS: dict[str, Callable[[_File], Any]] = {  # in the order Drive sends them
    "kind": lambda x: "drive#file",
    "id": lambda x: x.f.id,
    "name": lambda x: x.f.name,
    "mimeType": lambda x: x.f.mimeType,
    "starred": lambda x: x.f.starred,
    "trashed": lambda x: x.f.trashed,
    "explicitlyTrashed": lambda x: x.f.explicitlyTrashed,
    "parents": lambda x: list(x.f.parents),
    "spaces": lambda x: ["drive"],
    "version": lambda x: str(x.f.version),
    "webViewLink": lambda x: _view_link(x.f),
    "iconLink": lambda x: f"https://drive-thirdparty.googleusercontent.com/16/type/{x.f.mimeType}",
    "hasThumbnail": lambda x: False,
    "thumbnailVersion": lambda x: "0",
    "viewedByMe": _owned,
    "createdTime": lambda x: x.f.createdTime,
    "modifiedTime": lambda x: x.f.modifiedTime,
    "modifiedByMe": lambda x: x.f.lastModifyingUser == x.actor,
    "owners": lambda x: _ABSENT if x.f.driveId else [user_json(x.state, e, x.actor) for e in x.f.owners],
    "lastModifyingUser": lambda x: user_json(x.state, x.f.lastModifyingUser or (x.f.owners[0] if x.f.owners
                                                                                  else x.actor), x.actor),
    "shared": lambda x: any(p.role != "owner" for p in x.f.permissions),
    "ownedByMe": lambda x: False if x.f.driveId else _owned(x),
    "capabilities": lambda x: capabilities(x.f, x.role),
    "viewersCanCopyContent": lambda x: True,
    "copyRequiresWriterPermission": lambda x: False,
    "writersCanShare": lambda x: True,
    "isAppAuthorized": lambda x: False,
    "hasAugmentedPermissions": lambda x: False,
    "quotaBytesUsed": lambda x: str(len(x.f.content)) if not x.f.mimeType.startswith(GOOGLE_APPS) else "0",
    "viewedByMeTime": lambda x: x.f.modifiedTime if _owned(x) else _ABSENT,
    "modifiedByMeTime": lambda x: x.f.modifiedTime if x.f.lastModifyingUser == x.actor else _ABSENT,
    "description": lambda x: x.f.description or _ABSENT,
    "properties": lambda x: dict(x.f.properties) if x.f.properties else _ABSENT,
    "appProperties": lambda x: dict(x.f.appProperties) if x.f.appProperties else _ABSENT,
    "trashedTime": _trashed_time,
    "trashingUser": lambda x: user_json(x.state, x.f.owners[0], x.actor)
    if _trashed_time(x) is not _ABSENT and _owned(x) else _ABSENT,
    "sharedWithMeTime": lambda x: x.f.sharedWith[x.actor] if _shared_with_me(x) else _ABSENT,
    "sharingUser": lambda x: (user_json(x.state, x.f.owners[0], x.actor) if x.f.owners else None)
    if _shared_with_me(x) else _ABSENT,
    "permissions": lambda x: [permission_json(p) for p in x.f.permissions] if _writer(x) else _ABSENT,
    "permissionIds": lambda x: [p.id for p in x.f.permissions] if _writer(x) else _ABSENT,
    "driveId": lambda x: x.f.driveId or _ABSENT,
    "teamDriveId": lambda x: x.f.driveId or _ABSENT,
    "folderColorRgb": lambda x: "#8f8f8f" if x.f.mimeType == FOLDER else _ABSENT,
    "exportLinks": lambda x: _export_links(x.f),
    "originalFilename": lambda x: x.f.name if _blob(x.f) else _ABSENT,
    "fullFileExtension": lambda x: _ext(x.f.name)[0] if _blob(x.f) else _ABSENT,
    "fileExtension": lambda x: _ext(x.f.name)[1] if _blob(x.f) else _ABSENT,
    "md5Checksum": lambda x: hashlib.md5(x.f.content, usedforsecurity=False).hexdigest() if _blob(x.f) else _ABSENT,
    "size": lambda x: str(len(x.f.content)) if _blob(x.f) else _ABSENT,
    "headRevisionId": lambda x: (x.f.revisions[-1].id if x.f.revisions else "1") if _blob(x.f) else _ABSENT,
    "webContentLink": lambda x: f"https://drive.google.com/uc?id={x.f.id}&export=download" if _blob(x.f) else _ABSENT,
}
ROLE_FIELDS = frozenset({"capabilities", "permissions", "permissionIds"})
"""The fields that depend on the reader's role (the only ones `role` is computed for)."""


def needs_role(want: Tree | None) -> bool:
    """Whether file_json with this `fields` subtree reads the role."""
    return want is None or "*" in want or not ROLE_FIELDS.isdisjoint(want)


def file_json(state: GoogleState, f: DriveFile, actor: str, role: str, base_url: str = "",
              want: Tree | None = None) -> dict[str, Any]:
    """The File resource as `actor` (holding `role`) sees it: every field, or (given `want`, a
    `fields` subtree) only the fields it names; `role` is read only when `needs_role(want)`."""
    x = _File(state, f, actor, role)
    names = _GETTERS if want is None or "*" in want else want
    out: dict[str, Any] = {}
    for k in names:
        get = _GETTERS.get(k)
        if get is not None:
            v = get(x)
            if v is not _ABSENT:
                out[k] = v
    return out


def _view_link(f: DriveFile) -> str:
    if f.mimeType == DOC:
        return f"https://docs.google.com/document/d/{f.id}/edit?usp=drivesdk"
    if f.mimeType == SHEET:
        return f"https://docs.google.com/spreadsheets/d/{f.id}/edit?usp=drivesdk"
    if f.mimeType == FOLDER:
        return f"https://drive.google.com/drive/folders/{f.id}"
    return f"https://drive.google.com/file/d/{f.id}/view?usp=drivesdk"
