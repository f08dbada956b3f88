"""Drive v3 files: create (metadata), get, update, delete, copy, and the mutations uploads share."""

from __future__ import annotations

import csv
import functools
import io
from typing import Any, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

from ..core import Raw
from .docs_model import build_document
from .drive_access import NO_WRITE, descendants, get_file, get_folder, resolve_id
from .drive_json import DEFAULT_FILE_FIELDS, KNOWN_FILE, file_json
from .errors import DriveError, file_not_found, invalid_value
from .fields import FieldsError, Tree, cached, check, select
from .registry import G, ops
from .sheets_model import build_spreadsheet
from .state import (
    DOC,
    FOLDER,
    GOOGLE_APPS,
    SHEET,
    DriveFile,
    ensure_user,
    first_revision,
    new_file,
    new_id,
    new_revision,
    note_change,
    role_of,
    touch,
)

BASE = "/drive/v3"
T = TypeVar("T")
DEFAULT_TREE: Tree = {k: None for k in DEFAULT_FILE_FIELDS}
READ_ONLY = ("owners", "permissions", "permissionIds", "capabilities", "size", "version",
             "webViewLink", "webContentLink", "md5Checksum", "shared", "ownedByMe", "spaces",
             "lastModifyingUser", "trashingUser", "sharingUser", "exportLinks")


class FileQuery(msgspec.Struct, kw_only=True):
    fields: str | None = None
    supportsAllDrives: bool = False


class FileMeta(FileQuery, kw_only=True):
    """Writable File fields of a request body."""

    name: str | UnsetType = UNSET
    mimeType: str | UnsetType = UNSET
    parents: list[str] | UnsetType = UNSET
    description: str | UnsetType = UNSET
    starred: bool | UnsetType = UNSET
    trashed: bool | UnsetType = UNSET
    properties: dict[str, str | None] | UnsetType = UNSET
    appProperties: dict[str, str | None] | UnsetType = UNSET
    id: str | UnsetType = UNSET
    createdTime: str | UnsetType = UNSET
    modifiedTime: str | UnsetType = UNSET
    # read-only fields, refused when sent
    kind: Any = UNSET
    owners: Any = UNSET
    permissions: Any = UNSET
    capabilities: Any = UNSET
    size: Any = UNSET
    version: Any = UNSET


def fields_tree(spec: str | None, default: Tree, known: dict[str, Any]) -> Tree:
    """The selector tree of a `fields` parameter, or Drive's 400 for a bad one."""
    if spec is None or spec == "":
        return default
    try:
        tree = cached(spec)
        check(tree, known, spec)
    except FieldsError as e:
        raise DriveError("invalidParameter", str(e), status=400, location="fields") from None
    return tree


def short_file(f: DriveFile) -> dict[str, Any]:
    """The File resource's default fields, built directly (the common case, kept cheap)."""
    return {"kind": "drive#file", "id": f.id, "name": f.name, "mimeType": f.mimeType}


def reply_file(ctx: G, f: DriveFile, role: str, fields: str | None) -> dict[str, Any]:
    if not fields:
        return short_file(f)
    tree = fields_tree(fields, DEFAULT_TREE, KNOWN_FILE)
    out: dict[str, Any] = select(file_json(ctx.state, f, ctx.actor, role, ctx.env.base_url, tree), tree)
    return out


@functools.cache
def _read_only_fields(kind: type[FileMeta]) -> tuple[str, ...]:
    """The READ_ONLY names a request type has as fields (in READ_ONLY's order); the others are unset."""
    return tuple(k for k in READ_ONLY if k in kind.__struct_fields__)


def _refuse_read_only(meta: FileMeta) -> None:
    for k in _read_only_fields(type(meta)):
        if getattr(meta, k) is not UNSET:
            raise DriveError("fieldNotWritable",
                             "The resource body includes fields which are not directly writable.",
                             status=403, location=k, location_type="other")


def _props(old: dict[str, str], new: dict[str, str | None]) -> dict[str, str]:
    out = dict(old)
    for k, v in new.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def create_file(ctx: G, meta: FileMeta, content: bytes | None = None, content_type: str = "") -> DriveFile:
    """A new file from request metadata and optional media (converted to a Doc or Sheet when asked)."""
    _refuse_read_only(meta)
    s = ctx.state
    parents = [get_folder(ctx, p).id for p in meta.parents] if isinstance(meta.parents, list) else None
    if parents is not None and len(parents) > 1:
        raise DriveError("cannotAddParent", "Increasing the number of parents is not allowed.",
                         status=403, location="parents")
    mime = meta.mimeType if isinstance(meta.mimeType, str) else (
        content_type.split(";")[0].strip() if content is not None and content_type else
        "application/octet-stream")
    name = meta.name if isinstance(meta.name, str) else "Untitled"
    drive = s.files[parents[0]].driveId if parents else ""
    if drive and not meta.supportsAllDrives:
        raise file_not_found(parents[0] if parents else "")
    f = new_file(s, ctx.env, ctx.actor, name, mime, parents)
    if drive:  # the organization owns what is in a shared drive; members' roles inherit
        f.driveId, f.owners, f.permissions = drive, [], []
        s.changes[-1].driveId = drive
    if isinstance(meta.id, str):
        del s.files[f.id]
        if meta.id in s.files:
            raise DriveError("fileIdInUse", "A file already exists with the provided ID.", status=409,
                             location="file.id", location_type="other")
        if len(meta.id) < 20 or not all(c.isalnum() or c in "-_" for c in meta.id):
            raise DriveError("fileIdNotUsable", "The provided file ID is not usable.", status=400,
                             location="file.id", location_type="other")
        if s.changes and s.changes[-1].fileId == f.id:
            s.changes[-1].fileId = meta.id
        f.id = meta.id
        s.files[f.id] = f
    _set_meta(f, meta)
    text = content.decode("utf-8", "replace") if content is not None else ""
    if mime == DOC:
        f.doc = build_document(text)
    elif mime == SHEET:
        f.sheet = build_spreadsheet({"Sheet1": _csv_rows(text)})
    elif content is not None:
        f.content = content
    return f


def _csv_rows(text: str) -> list[list[Any]]:
    return [row for row in csv.reader(io.StringIO(text))] if text else []


def _set_meta(f: DriveFile, meta: FileMeta) -> None:
    if isinstance(meta.description, str):
        f.description = meta.description
    if isinstance(meta.starred, bool):
        f.starred = meta.starred
    if isinstance(meta.properties, dict):
        f.properties = _props(f.properties, meta.properties)
    if isinstance(meta.appProperties, dict):
        f.appProperties = _props(f.appProperties, meta.appProperties)
    if isinstance(meta.createdTime, str):
        f.createdTime = meta.createdTime
    if isinstance(meta.modifiedTime, str):
        f.modifiedTime = meta.modifiedTime


def set_trashed(ctx: G, f: DriveFile, role: str, trashed: bool) -> None:
    """Trash or restore a file; a folder takes what is inside with it. Only the owner may."""
    if f.trashed == trashed:
        return
    if role != "owner" and not (f.driveId and role in ("organizer", "fileOrganizer")):
        raise DriveError("insufficientFilePermissions", NO_WRITE, status=403)
    t = ctx.env.iso()
    f.trashed, f.explicitlyTrashed, f.trashedTime = trashed, trashed, t if trashed else ""
    if f.mimeType == FOLDER:
        for d in descendants(ctx.state, f.id):
            if trashed and not d.trashed:
                d.trashed, d.explicitlyTrashed, d.trashedTime = True, False, t
                note_change(ctx.state, ctx.env, d)
            elif not trashed and d.trashed and not d.explicitlyTrashed:
                d.trashed, d.trashedTime = False, ""
                ctx.mark(("file", d.id))  # no change is logged for it (state.view_delta)
                note_change(ctx.state, ctx.env, d)


def update_file(ctx: G, f: DriveFile, role: str, meta: FileMeta, add_parents: str = "",
                remove_parents: str = "", content: bytes | None = None) -> None:
    """Apply a PATCH: metadata, parents and (for uploads) new content."""
    _refuse_read_only(meta)
    if isinstance(meta.parents, list):
        raise DriveError("fieldNotWritable", "The parents field is not directly writable in update "
                         "requests. Use the addParents and removeParents parameters instead.",
                         status=403, location="parents", location_type="other")
    if isinstance(meta.id, str) and meta.id != f.id:
        raise DriveError("fieldNotWritable", "The resource body includes fields which are not directly "
                         "writable.", status=403, location="id", location_type="other")
    edits = isinstance(meta.name, str) or isinstance(meta.description, str) or isinstance(meta.mimeType, str) \
        or content is not None or add_parents or remove_parents \
        or isinstance(meta.properties, dict) or isinstance(meta.appProperties, dict)
    if edits and role not in ("writer", "fileOrganizer", "organizer", "owner"):
        raise DriveError("insufficientFilePermissions", NO_WRITE, status=403)
    if isinstance(meta.mimeType, str) and meta.mimeType != f.mimeType and (
            f.mimeType.startswith(GOOGLE_APPS) or meta.mimeType.startswith(GOOGLE_APPS)):
        raise DriveError("invalid", "The mimeType of a Google Docs editors file or a folder cannot be "
                         "changed.", status=400, location="mimeType", location_type="other")
    _move(ctx, f, add_parents, remove_parents)
    if isinstance(meta.name, str):
        f.name = meta.name
    if isinstance(meta.mimeType, str):
        f.mimeType = meta.mimeType
    _set_meta(f, meta)
    if isinstance(meta.trashed, bool):
        set_trashed(ctx, f, role, meta.trashed)
    if content is not None:
        first_revision(f)
        if f.mimeType == DOC:
            f.doc = build_document(content.decode("utf-8", "replace"))
        elif f.mimeType == SHEET:
            f.sheet = build_spreadsheet({"Sheet1": _csv_rows(content.decode("utf-8", "replace"))})
        else:
            f.content = content
    if edits:
        touch(f, ctx.env, ctx.actor)
        if isinstance(meta.modifiedTime, str):
            f.modifiedTime = meta.modifiedTime
    else:
        f.version += 1
    if content is not None:
        new_revision(f, ctx.env, ctx.actor)
    note_change(ctx.state, ctx.env, f)


def _split(ids: str) -> list[str]:
    return [x.strip() for x in ids.split(",") if x.strip()]


def _move(ctx: G, f: DriveFile, add: str, remove: str) -> None:
    adds = [get_folder(ctx, p, "addParents").id for p in _split(add)]
    removes = [resolve_id(ctx, p) for p in _split(remove)]
    for a in adds:
        if a == f.id or a in {d.id for d in descendants(ctx.state, f.id)}:
            raise DriveError("invalid", "A folder cannot be moved into itself or its own subfolder.",
                             status=400, location="addParents")
    parents = [p for p in f.parents if p not in removes]
    for a in adds:
        if a not in parents:
            parents.append(a)
    if len(parents) > 1 and len(parents) > len(f.parents):
        raise DriveError("cannotAddParent", "Increasing the number of parents is not allowed.",
                         status=403, location="addParents")
    f.parents = parents


# -- operations (fixed paths first: they must win over {fileId}) ----------------------------------

class GenerateIds(msgspec.Struct, kw_only=True):
    count: int = 10
    space: str = "drive"
    type: str = "files"


@ops.op("drive.files.generateIds", "GET", f"{BASE}/files/generateIds", mutates=False)
def files_generate_ids(ctx: G, p: GenerateIds) -> dict[str, Any]:
    """Generate file ids that a later files.create may use as `id`."""
    if not 1 <= p.count <= 1000:
        raise invalid_value("count")
    if p.space not in ("drive", "appDataFolder"):
        raise invalid_value("space")
    return {"kind": "drive#generatedIds", "space": p.space,
            "ids": [new_id(ctx.env) for _ in range(p.count)]}


class EmptyTrash(msgspec.Struct, kw_only=True):
    driveId: str = ""
    enforceSingleParent: bool = False


@ops.op("drive.files.emptyTrash", "DELETE", f"{BASE}/files/trash", status=204)
def files_empty_trash(ctx: G, p: EmptyTrash) -> None:
    """Permanently delete every trashed file the user owns (with `driveId`: every trashed file
    of that shared drive, for its organizers)."""
    s = ctx.state
    if p.driveId:
        d = s.drives.get(p.driveId)
        root = s.files.get(p.driveId)
        if d is None or root is None or role_of(s, root, ctx.actor) is None:
            raise DriveError("notFound", f"Shared drive not found: {p.driveId}", location="driveId")
        if role_of(s, root, ctx.actor) != "organizer":
            raise DriveError("insufficientFilePermissions", NO_WRITE, status=403)
    for f in [f for f in s.files.values() if f.trashed and (
            f.driveId == p.driveId if p.driveId else ctx.actor in f.owners)]:
        if f.id in s.files:
            delete_tree(ctx, f)
    return None



class CreateFile(FileMeta, kw_only=True):
    ignoreDefaultVisibility: bool = False
    keepRevisionForever: bool = False


@ops.op("drive.files.create", "POST", f"{BASE}/files")
def files_create(ctx: G, p: CreateFile) -> dict[str, Any]:
    """Create a file or folder from metadata only (name, mimeType, parents, description,
    properties). Use mimeType application/vnd.google-apps.folder for a folder, ...document for a
    Google Doc, ...spreadsheet for a Google Sheet. Content goes through the upload endpoint."""
    f = create_file(ctx, p)
    return reply_file(ctx, f, "owner", p.fields)


class GetFile(FileQuery, kw_only=True):
    fileId: str
    alt: str = "json"
    acknowledgeAbuse: bool = False


@ops.op("drive.files.get", "GET", f"{BASE}/files/{{fileId}}")
def files_get(ctx: G, p: GetFile) -> dict[str, Any] | Raw:
    """Get a file's metadata by id (`root` is the user's My Drive); with alt=media, download
    its content (not for Google Docs or Sheets: export those)."""
    f, role = get_file(ctx, p.fileId)
    if p.alt == "media":
        if f.mimeType.startswith(GOOGLE_APPS):
            raise DriveError("fileNotDownloadable", "Only files with binary content can be downloaded. "
                             "Use Export with Docs Editors files.", status=403, location="alt")
        return Raw(f.content, f.mimeType)
    if p.alt != "json":
        raise invalid_value("alt")
    return reply_file(ctx, f, role, p.fields)


class UpdateFile(FileMeta, kw_only=True):
    fileId: str
    addParents: str = ""
    removeParents: str = ""


@ops.op("drive.files.update", "PATCH", f"{BASE}/files/{{fileId}}")
def files_update(ctx: G, p: UpdateFile) -> dict[str, Any]:
    """Update a file's metadata: rename, describe, star, trash (trashed: true) or restore, set
    properties; move it with addParents and removeParents (comma-separated folder ids)."""
    f, role = get_file(ctx, p.fileId)
    update_file(ctx, f, role, p, p.addParents, p.removeParents)
    return reply_file(ctx, f, role, p.fields)


class DeleteFile(msgspec.Struct, kw_only=True):
    fileId: str
    supportsAllDrives: bool = False


@ops.op("drive.files.delete", "DELETE", f"{BASE}/files/{{fileId}}", status=204)
def files_delete(ctx: G, p: DeleteFile) -> None:
    """Permanently delete a file owned by the user, skipping the trash. A folder's contents owned
    by the same user go with it."""
    f, role = get_file(ctx, p.fileId)
    if role != "owner" and not (f.driveId and role == "organizer" and f.id != f.driveId):
        raise DriveError("insufficientFilePermissions", NO_WRITE, status=403)
    delete_tree(ctx, f)
    return None


def delete_tree(ctx: G, f: DriveFile) -> None:
    s = ctx.state
    owner = f.owners[0] if f.owners else ctx.actor
    if f.mimeType == FOLDER:
        gone: list[str] = []
        for d in descendants(s, f.id):
            if owner in d.owners or (f.driveId and d.driveId == f.driveId):
                note_change(s, ctx.env, d, removed=True)
                gone.append(d.id)
            else:
                d.parents = [x for x in d.parents if x != f.id]
                note_change(s, ctx.env, d)
        for gid in gone:
            s.files.pop(gid, None)
    note_change(s, ctx.env, f, removed=True)
    s.files.pop(f.id, None)


class CopyFile(FileMeta, kw_only=True):
    fileId: str


@ops.op("drive.files.copy", "POST", f"{BASE}/files/{{fileId}}/copy")
def files_copy(ctx: G, p: CopyFile) -> dict[str, Any]:
    """Copy a file (not a folder). The copy is owned by the user, named "Copy of <name>" unless a
    name is given, and placed in the source's folder unless parents are given."""
    src, _ = get_file(ctx, p.fileId)
    if src.mimeType == FOLDER:
        raise DriveError("cannotCopyFile", "This file cannot be copied by the user.", status=403,
                         location="fileId")
    s = ctx.state
    if not isinstance(p.parents, list):
        keep = [x for x in src.parents if (got := s.files.get(x)) is not None
                and role_of(s, got, ctx.actor) in ("writer", "fileOrganizer", "organizer", "owner")]
        p.parents = keep or [ensure_user(s, ctx.env, ctx.actor).rootId]
    name = p.name if isinstance(p.name, str) else f"Copy of {src.name}"
    meta = msgspec.structs.replace(p, name=name, mimeType=src.mimeType)
    f = create_file(ctx, meta)
    if isinstance(p.description, UnsetType):
        f.description = src.description
    f.content = src.content
    if src.doc is not None:
        f.doc = _clone(src.doc)
    if src.sheet is not None:
        f.sheet = _clone(src.sheet)
    if isinstance(p.properties, UnsetType):
        f.properties = dict(src.properties)
    return reply_file(ctx, f, "owner", p.fields)


def _clone(x: T) -> T:
    return msgspec.msgpack.decode(msgspec.msgpack.encode(x), type=type(x))


__all__ = ["FileMeta", "create_file", "reply_file", "update_file"]
