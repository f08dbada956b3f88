"""Drive v3 revisions: list, get (alt=media downloads a blob's old content), update, delete.

A file gets its first revision when it is first listed here or its content first changes, and a
new one each time its content changes (uploads, Docs and Sheets edits; one editor's consecutive
Docs/Sheets edits merge into one revision, as in Drive's history)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Raw
from .drive_access import NO_WRITE, get_file
from .drive_files import fields_tree
from .drive_json import EXPORTS, user_json
from .drive_paging import token_page
from .errors import DriveError, invalid_value
from .fields import Tree, select
from .registry import G, ops
from .state import GOOGLE_APPS, RANK, DriveFile, Revision, first_revision, note_change

BASE = "/drive/v3/files/{fileId}/revisions"
REV_KNOWN: dict[str, Any] = {k: None for k in (
    "kind", "id", "mimeType", "modifiedTime", "keepForever", "published", "publishedLink",
    "publishAuto", "publishedOutsideDomain", "lastModifyingUser", "originalFilename",
    "md5Checksum", "size", "exportLinks")}
REV_KNOWN["lastModifyingUser"] = {k: None for k in ("kind", "displayName", "photoLink", "me",
                                                    "permissionId", "emailAddress")}
REV_DEFAULT: Tree = {k: None for k in ("kind", "id", "mimeType", "modifiedTime")}
LIST_KNOWN: dict[str, Any] = {"kind": None, "nextPageToken": None, "revisions": REV_KNOWN}
LIST_DEFAULT: Tree = {"kind": None, "nextPageToken": None, "revisions": REV_DEFAULT}


def revision_json(ctx: G, f: DriveFile, r: Revision) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "drive#revision", "id": r.id, "mimeType": r.mimeType,
                           "modifiedTime": r.modifiedTime}
    if r.lastModifyingUser:
        out["lastModifyingUser"] = user_json(ctx.state, r.lastModifyingUser, ctx.actor)
    if r.mimeType.startswith(GOOGLE_APPS):
        out.update(published=r.published, publishAuto=r.publishAuto,
                   publishedOutsideDomain=r.publishedOutsideDomain)
        kind = "document" if "document" in r.mimeType else "spreadsheets"
        out["exportLinks"] = {m: f"https://docs.google.com/feeds/download/{kind}/Export?id={f.id}"
                                 f"&revision={r.id}&exportFormat={m}" for m in EXPORTS.get(r.mimeType, ())}
    else:
        out.update(keepForever=r.keepForever, originalFilename=f.name, md5Checksum=r.md5, size=str(r.size))
    return out


def _revisions(ctx: G, file_id: str) -> DriveFile:
    f, role = get_file(ctx, file_id)
    if RANK[role] < RANK["writer"]:  # capabilities.canReadRevisions
        raise DriveError("insufficientFilePermissions", NO_WRITE, status=403)
    first_revision(f)
    return f


def _find(f: DriveFile, rid: str) -> Revision:
    if rid == "head" and f.revisions:
        return f.revisions[-1]
    for r in f.revisions:
        if r.id == rid:
            return r
    raise DriveError("notFound", f"Revision not found: {rid}.", location="revisionId")


class ListRevisions(msgspec.Struct, kw_only=True):
    fileId: str
    pageSize: int = 200
    pageToken: str = ""
    fields: str | None = None


@ops.op("drive.revisions.list", "GET", BASE)
def revisions_list(ctx: G, p: ListRevisions) -> dict[str, Any]:
    """List a file's revisions, oldest first (writers and owners; `pageSize` 1-1000, default 200)."""
    f = _revisions(ctx, p.fileId)
    if not 1 <= p.pageSize <= 1000:
        raise invalid_value("pageSize")
    tree = fields_tree(p.fields, LIST_DEFAULT, LIST_KNOWN)
    chunk, more = token_page(f.revisions, p.pageToken, p.pageSize, "revisions")
    out: dict[str, Any] = {"kind": "drive#revisionList", "revisions": [revision_json(ctx, f, r) for r in chunk],
                           **more}
    selected: dict[str, Any] = select(out, tree)
    return selected


class RevisionRef(msgspec.Struct, kw_only=True):
    fileId: str
    revisionId: str
    alt: str = "json"
    acknowledgeAbuse: bool = False
    fields: str | None = None


@ops.op("drive.revisions.get", "GET", BASE + "/{revisionId}")
def revisions_get(ctx: G, p: RevisionRef) -> dict[str, Any] | Raw:
    """Get one revision's metadata (`head` is the newest); with alt=media, download that
    revision's content (blob files only)."""
    f = _revisions(ctx, p.fileId)
    r = _find(f, p.revisionId)
    if p.alt == "media":
        if r.mimeType.startswith(GOOGLE_APPS):
            raise DriveError("fileNotDownloadable", "Only files with binary content can be downloaded. "
                             "Use Export with Docs Editors files.", status=403, location="alt")
        return Raw(r.content, r.mimeType)
    if p.alt != "json":
        raise invalid_value("alt")
    out: dict[str, Any] = select(revision_json(ctx, f, r), fields_tree(p.fields, REV_DEFAULT, REV_KNOWN))
    return out


class UpdateRevision(msgspec.Struct, kw_only=True):
    fileId: str
    revisionId: str
    keepForever: bool | None = None
    published: bool | None = None
    publishAuto: bool | None = None
    publishedOutsideDomain: bool | None = None
    fields: str | None = None


@ops.op("drive.revisions.update", "PATCH", BASE + "/{revisionId}")
def revisions_update(ctx: G, p: UpdateRevision) -> dict[str, Any]:
    """Keep a blob file's revision forever (keepForever), or publish a Docs/Sheets revision."""
    f = _revisions(ctx, p.fileId)
    r = _find(f, p.revisionId)
    blob = not r.mimeType.startswith(GOOGLE_APPS)
    if p.keepForever is not None:
        if not blob:
            raise DriveError("invalid", "keepForever can only be set on revisions of files with binary "
                             "content.", status=400, location="keepForever", location_type="other")
        r.keepForever = p.keepForever
    for k in ("published", "publishAuto", "publishedOutsideDomain"):
        v = getattr(p, k)
        if v is not None:
            if blob:
                raise DriveError("invalid", "Only revisions of Google Docs Editors files can be published.",
                                 status=400, location=k, location_type="other")
            setattr(r, k, v)
    note_change(ctx.state, ctx.env, f)
    out: dict[str, Any] = select(revision_json(ctx, f, r), fields_tree(p.fields, REV_DEFAULT, REV_KNOWN))
    return out


@ops.op("drive.revisions.delete", "DELETE", BASE + "/{revisionId}", status=204)
def revisions_delete(ctx: G, p: RevisionRef) -> None:
    """Permanently delete a revision of a blob file; not the last remaining one, and not for
    Google Docs, Sheets or Slides."""
    f = _revisions(ctx, p.fileId)
    r = _find(f, p.revisionId)
    if r.mimeType.startswith(GOOGLE_APPS):
        raise DriveError("revisionDeletionNotSupported", "Revisions of Google Docs Editors files "
                         "cannot be deleted.", status=400, location="revisionId")
    if len(f.revisions) == 1:
        raise DriveError("cannotDeleteOnlyRevision", "The last remaining revision of a file cannot be "
                         "deleted.", status=400, location="revisionId")
    head = r is f.revisions[-1]
    f.revisions = [x for x in f.revisions if x is not r]
    if head:  # the file's content becomes the newest remaining revision's
        f.content = f.revisions[-1].content
    note_change(ctx.state, ctx.env, f)
    return None
