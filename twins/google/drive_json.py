"""Drive v3 resources as the API sends them: File, Permission, User. Built fresh each call."""

from __future__ import annotations

import hashlib
from typing import Any

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


_ORDER = (
    "kind", "id", "name", "mimeType", "starred", "trashed", "explicitlyTrashed", "parents", "spaces", "version",
    "webViewLink", "iconLink", "hasThumbnail", "thumbnailVersion", "viewedByMe", "createdTime", "modifiedTime",
    "modifiedByMe", "owners", "lastModifyingUser", "shared", "ownedByMe", "capabilities", "viewersCanCopyContent",
    "copyRequiresWriterPermission", "writersCanShare", "isAppAuthorized", "hasAugmentedPermissions",
    "quotaBytesUsed", "viewedByMeTime", "modifiedByMeTime", "description", "properties", "appProperties",
    "trashedTime", "trashingUser", "sharedWithMeTime", "sharingUser", "permissions", "permissionIds", "driveId",
    "teamDriveId", "folderColorRgb", "exportLinks", "originalFilename", "fullFileExtension", "fileExtension",
    "md5Checksum", "size", "headRevisionId", "webContentLink",
)


def file_json(state: GoogleState, f: DriveFile, actor: str, role: str, base_url: str = "",
              want: Tree | None = None) -> dict[str, Any]:
    """The File resource as `actor` (holding `role`) sees it: every field, or (given `want`, a
    `fields` subtree) at least the fields it names; the costly ones only when named."""
    every = want is None or "*" in want
    w: Tree = want or {}
    owned = actor in f.owners
    out: dict[str, Any] = {
        "kind": "drive#file", "id": f.id, "name": f.name, "mimeType": f.mimeType,
        "starred": f.starred, "trashed": f.trashed, "explicitlyTrashed": f.explicitlyTrashed,
        "parents": list(f.parents), "spaces": ["drive"], "version": str(f.version),
        "hasThumbnail": False, "thumbnailVersion": "0", "viewedByMe": owned,
        "createdTime": f.createdTime, "modifiedTime": f.modifiedTime,
        "modifiedByMe": f.lastModifyingUser == actor, "ownedByMe": owned,
        "viewersCanCopyContent": True, "copyRequiresWriterPermission": False, "writersCanShare": True,
        "isAppAuthorized": False, "hasAugmentedPermissions": False,
    }
    if every or "webViewLink" in w:
        out["webViewLink"] = _view_link(f)
    if every or "iconLink" in w:
        out["iconLink"] = f"https://drive-thirdparty.googleusercontent.com/16/type/{f.mimeType}"
    if (every or "owners" in w) and not f.driveId:
        out["owners"] = [user_json(state, e, actor) for e in f.owners]
    if every or "lastModifyingUser" in w:
        out["lastModifyingUser"] = user_json(state, f.lastModifyingUser or (f.owners[0] if f.owners else actor), actor)
    if every or "shared" in w:
        out["shared"] = any(p.role != "owner" for p in f.permissions)
    if every or "capabilities" in w:
        out["capabilities"] = capabilities(f, role)
    out["quotaBytesUsed"] = str(len(f.content)) if not f.mimeType.startswith(GOOGLE_APPS) else "0"
    if owned:
        out["viewedByMeTime"] = f.modifiedTime
    if f.lastModifyingUser == actor:
        out["modifiedByMeTime"] = f.modifiedTime
    if f.description:
        out["description"] = f.description
    if f.properties:
        out["properties"] = dict(f.properties)
    if f.appProperties:
        out["appProperties"] = dict(f.appProperties)
    if f.trashed and f.trashedTime:
        out["trashedTime"] = f.trashedTime
        if owned:
            out["trashingUser"] = user_json(state, f.owners[0], actor)
    if actor in f.sharedWith and not owned:
        out["sharedWithMeTime"] = f.sharedWith[actor]
        out["sharingUser"] = user_json(state, f.owners[0], actor) if f.owners else None
    if RANK[role] >= RANK["writer"]:
        if every or "permissions" in w:
            out["permissions"] = [permission_json(p) for p in f.permissions]
        out["permissionIds"] = [p.id for p in f.permissions]
    if f.driveId:
        out["driveId"] = out["teamDriveId"] = f.driveId
        out["ownedByMe"] = False
    if f.mimeType == FOLDER:
        out["folderColorRgb"] = "#8f8f8f"
    elif f.mimeType.startswith(GOOGLE_APPS):
        if every or "exportLinks" in w:
            kind = "document" if f.mimeType == DOC else "spreadsheets"
            out["exportLinks"] = {m: f"https://docs.google.com/feeds/download/{kind}/Export?id={f.id}&exportFormat={m}"
                                  for m in EXPORTS.get(f.mimeType, ())}
    else:
        full, ext = _ext(f.name)
        out.update({
            "originalFilename": f.name, "fullFileExtension": full, "fileExtension": ext,
            "size": str(len(f.content)), "headRevisionId": f.revisions[-1].id if f.revisions else "1",
            "webContentLink": f"https://drive.google.com/uc?id={f.id}&export=download",
        })
        if every or "md5Checksum" in w:
            out["md5Checksum"] = hashlib.md5(f.content, usedforsecurity=False).hexdigest()
    if every:  # the whole resource is sent as is: in Drive's order
        return {k: out[k] for k in _ORDER if k in out}
    return out


def _view_link(f: DriveFile) -> str:
    if f.mimeType == DOC:
        return f"https://docs.google.com/document/d/{f.id}/edit?usp=drivesdk"
    if f.mimeType == SHEET:
        return f"https://docs.google.com/spreadsheets/d/{f.id}/edit?usp=drivesdk"
    if f.mimeType == FOLDER:
        return f"https://drive.google.com/drive/folders/{f.id}"
    return f"https://drive.google.com/file/d/{f.id}/view?usp=drivesdk"
