"""Drive v3 files.list (q, orderBy, paging, fields) and about.get."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from ..core.env import parse_time
from ..core.lazy import peek_items
from ..core.paging import encode_cursor, offset_of
from .drive_access import listable
from .drive_files import fields_tree, short_file
from .drive_json import DEFAULT_FILE_FIELDS, EXPORTS, KNOWN_FILE, file_json, needs_role, user_json
from .drive_query import QueryError, Scope, compile_query
from .errors import DriveError, invalid_value
from .fields import Tree, select, subtree
from .registry import G, ops
from .state import FOLDER, DriveFile, GoogleState, ensure_user, role_of

BASE = "/drive/v3"
LIST_DEFAULT: Tree = {"kind": None, "incompleteSearch": None, "nextPageToken": None,
                      "files": {k: None for k in DEFAULT_FILE_FIELDS}}
LIST_KNOWN: dict[str, Any] = {"kind": None, "incompleteSearch": None, "nextPageToken": None,
                              "files": KNOWN_FILE}
CURSOR = "drive"

SortKey = Callable[[DriveFile], Any]


def _order_keys(state: GoogleState, actor: str) -> dict[str, SortKey]:
    return {
        "createdTime": lambda f: parse_time(f.createdTime, 0.0),
        "modifiedTime": lambda f: parse_time(f.modifiedTime, 0.0),
        "modifiedByMeTime": lambda f: parse_time(f.modifiedTime, 0.0) if f.lastModifyingUser == actor else 0.0,
        "viewedByMeTime": lambda f: parse_time(f.modifiedTime, 0.0) if actor in f.owners else 0.0,
        "recency": lambda f: parse_time(f.modifiedTime, 0.0),
        "sharedWithMeTime": lambda f: parse_time(f.sharedWith.get(actor, ""), 0.0) if actor in f.sharedWith else 0.0,
        "name": lambda f: f.name,
        "name_natural": lambda f: _natural(f.name),
        "folder": lambda f: 0 if f.mimeType == FOLDER else 1,
        "starred": lambda f: 0 if f.starred else 1,
        "quotaBytesUsed": lambda f: len(f.content),
    }


def _natural(name: str) -> list[Any]:
    out: list[Any] = []
    num = ""
    for ch in name.lower():
        if ch.isdigit():
            num += ch
            continue
        if num:
            out.append((0, int(num)))
            num = ""
        out.append((1, ch))
    if num:
        out.append((0, int(num)))
    return out


def sort_files(state: GoogleState, actor: str, files: list[DriveFile], order_by: str) -> list[DriveFile]:
    keys = _order_keys(state, actor)
    specs: list[tuple[SortKey, bool]] = []
    for part in order_by.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or words[0] not in keys or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise invalid_value("orderBy")
        specs.append((keys[words[0]], len(words) == 2 and words[1] == "desc"))
    for key, desc in reversed(specs):
        files.sort(key=key, reverse=desc)
    return files


class ListFiles(msgspec.Struct, kw_only=True):
    q: str = ""
    pageSize: int = 100
    pageToken: str = ""
    orderBy: str = ""
    fields: str | None = None
    spaces: str = "drive"
    corpora: str = "user"
    driveId: str = ""
    includeItemsFromAllDrives: bool = False
    supportsAllDrives: bool = False


@ops.op("drive.files.list", "GET", f"{BASE}/files")
def files_list(ctx: G, p: ListFiles) -> dict[str, Any]:
    """Search the files the user can see with Drive's query language `q`, e.g.
    "name contains 'budget' and mimeType = 'application/vnd.google-apps.spreadsheet' and
    trashed = false", "'FOLDER_ID' in parents", "'bob@acme.test' in writers", "sharedWithMe".
    Trashed files are included unless the query says trashed = false. Page with pageSize and
    pageToken; choose fields like "nextPageToken, files(id, name, parents, owners)"."""
    s, actor = ctx.state, ctx.actor
    if not 1 <= p.pageSize <= 1000:
        raise invalid_value("pageSize")
    tree = fields_tree(p.fields, LIST_DEFAULT, LIST_KNOWN)
    try:
        pred = compile_query(p.q) if p.q.strip() else None
    except QueryError:
        raise invalid_value("q") from None
    offset = offset_of(p.pageToken, CURSOR, lambda: invalid_value("pageToken"))
    scope = Scope(s, actor)
    roots = {u.rootId for _, u in peek_items(s.users)} | set(s.drives)
    if p.corpora not in ("user", "drive", "allDrives", "domain"):
        raise invalid_value("corpora")
    if p.corpora == "drive" and (not p.driveId or not p.includeItemsFromAllDrives):
        raise DriveError("invalid", "The includeItemsFromAllDrives parameter must be set to true when "
                         "corpora is drive.", status=400, location="includeItemsFromAllDrives")
    if p.driveId and (p.driveId not in s.drives or role_of(s, s.files[p.driveId], actor) is None):
        raise DriveError("notFound", f"Shared drive not found: {p.driveId}", location="driveId")
    drives = p.includeItemsFromAllDrives and p.supportsAllDrives
    # a read-only scan (a file this world has not read is the seed's, shared by every world); the
    # answer is built from the world's own copies of the files found
    files = s.files
    hits = [files[fid] for fid, f in peek_items(files)
            if fid not in roots and (not f.driveId or (drives and (not p.driveId or f.driveId == p.driveId)))
            and (f.driveId or p.corpora != "drive")
            and listable(s, f, actor) and (pred is None or pred(scope, f))]
    if p.orderBy:
        hits = sort_files(s, actor, hits, p.orderBy)
    chunk = hits[offset:offset + p.pageSize]
    out: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False}
    if offset + p.pageSize < len(hits):
        out["nextPageToken"] = encode_cursor(offset + p.pageSize, CURSOR)
    if p.fields:
        base = ctx.env.base_url
        want = subtree(tree, "files")
        role = needs_role(want)
        out["files"] = [file_json(s, f, actor, (role_of(s, f, actor) or "reader") if role else "", base, want)
                        for f in chunk]
    else:
        out["files"] = [short_file(f) for f in chunk]
    return _select(out, tree)


def _select(out: dict[str, Any], tree: Tree) -> dict[str, Any]:
    """`select(out, tree)`; a file built with just the fields a flat `files(...)` names (file_json,
    short_file) is not selected again."""
    files_tree = tree.get("files") if "*" not in tree else None
    if files_tree is None or "*" in files_tree or any(v is not None for v in files_tree.values()):
        whole: dict[str, Any] = select(out, tree)
        return whole
    files, out["files"] = out["files"], None
    selected: dict[str, Any] = select(out, tree)
    if "files" in selected:
        selected["files"] = files
    return selected


class GetAbout(msgspec.Struct, kw_only=True):
    fields: str | None = None


ABOUT_KNOWN: dict[str, Any] = {k: None for k in (
    "kind", "user", "storageQuota", "importFormats", "exportFormats", "maxImportSizes",
    "maxUploadSize", "appInstalled", "folderColorPalette", "driveThemes", "canCreateDrives",
    "canCreateTeamDrives", "teamDriveThemes")}


@ops.op("drive.about.get", "GET", f"{BASE}/about", mutates=False)
def about_get(ctx: G, p: GetAbout) -> dict[str, Any]:
    """Who the user is and their storage quota. Drive requires `fields`, e.g. "user, storageQuota"."""
    if not p.fields:
        raise DriveError("required", "The 'fields' parameter is required for this method.",
                         status=400, location="fields")
    tree = fields_tree(p.fields, {}, ABOUT_KNOWN)
    s = ctx.state
    ensure_user(s, ctx.env, ctx.actor)
    used = sum(len(f.content) for f in s.files.values() if ctx.actor in f.owners)
    trash = sum(len(f.content) for f in s.files.values() if ctx.actor in f.owners and f.trashed)
    full = {
        "kind": "drive#about", "user": user_json(s, ctx.actor, ctx.actor),
        "storageQuota": {"limit": str(15 * 1024**3), "usage": str(used), "usageInDrive": str(used),
                         "usageInDriveTrash": str(trash)},
        "importFormats": {"text/plain": ["application/vnd.google-apps.document"],
                          "text/csv": ["application/vnd.google-apps.spreadsheet"]},
        "exportFormats": {k: list(v) for k, v in EXPORTS.items()},
        "maxImportSizes": {"application/vnd.google-apps.document": "10485760",
                           "application/vnd.google-apps.spreadsheet": "104857600"},
        "maxUploadSize": str(5 * 1024**4), "appInstalled": False,
        "folderColorPalette": ["#8f8f8f", "#4986e7", "#f83a22"], "driveThemes": [],
        "canCreateDrives": True, "canCreateTeamDrives": True, "teamDriveThemes": [],
    }
    out: dict[str, Any] = select(full, tree)
    return out
