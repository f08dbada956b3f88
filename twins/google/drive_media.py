"""Drive v3 media: uploads (media, multipart, resumable) for create and update, and export."""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec
import orjson

from ..core import Raw, Reply
from .docs_model import document_text
from .drive_access import get_file
from .drive_files import FileMeta, FileQuery, create_file, reply_file, update_file
from .drive_json import EXPORTS
from .drive_mime import boundary_of, content_range, split_multipart
from .errors import DriveError
from .registry import G, ops
from .sheets_model import spreadsheet_csv
from .state import DOC, GOOGLE_APPS, SHEET, Upload

UPLOAD = "/upload/drive/v3/files"
RESUME_OPS = ("drive.files.upload.resume", "drive.files.upload.resumeUpdate")


class UploadParams(FileQuery, kw_only=True):
    uploadType: str = "media"
    upload_id: str = ""
    fileId: str = ""
    addParents: str = ""
    removeParents: str = ""
    body: bytes = msgspec.field(default=b"", name="_body")
    content_type: str = msgspec.field(default="", name="_content_type")
    headers: dict[str, str] = msgspec.field(default_factory=dict, name="_headers")


def _meta(raw: bytes) -> tuple[FileMeta, dict[str, Any]]:
    if not raw.strip():
        return FileMeta(), {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise DriveError("parseError", "Parse Error", status=400) from None
    if not isinstance(data, dict):
        raise DriveError("parseError", "Parse Error", status=400)
    try:
        return msgspec.convert(data, FileMeta, strict=False), data
    except msgspec.ValidationError as e:
        raise DriveError("invalid", f"Invalid value: {e}", status=400) from None


def _media_and_meta(p: UploadParams) -> tuple[FileMeta, bytes, str]:
    """Metadata, content and content type of a simple or multipart upload."""
    kind = p.uploadType
    if kind == "media":
        return FileMeta(), p.body, p.content_type
    if kind == "multipart":
        boundary = boundary_of(p.content_type)
        if boundary is None:
            raise DriveError("badContent", "Multipart upload needs a multipart/related body with a "
                             "boundary.", status=400, location="uploadType")
        parts = split_multipart(p.body, boundary)
        if len(parts) != 2:
            raise DriveError("badContent", "Multipart upload needs exactly two parts: metadata and "
                             "media.", status=400, location="uploadType")
        meta, _ = _meta(parts[0][1])
        return meta, parts[1][1], parts[1][0].get("content-type", "application/octet-stream")
    raise DriveError("invalid", "Invalid Value", status=400, location="uploadType")


def _start_resumable(ctx: G, p: UploadParams, file_id: str) -> Reply:
    _, data = _meta(p.body)
    if file_id:
        get_file(ctx, file_id, "writer")
    # the session's id in state comes from the seeded stream; over HTTP the door hands out a secret
    # from a CSPRNG in its place (Location, X-GUploader-UploadID) and maps it back on each PUT
    uid = ctx.env.token(40, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_")
    ctx.env.grant(uid, RESUME_OPS, {"upload_id": uid})
    ctx.state.uploads[uid] = Upload(
        id=uid, actor=ctx.actor, metadata=data, file_id=file_id,
        content_type=p.headers.get("x-upload-content-type", "") or "application/octet-stream",
        params={k: v for k, v in (("fields", p.fields or ""), ("addParents", p.addParents),
                                  ("removeParents", p.removeParents),
                                  ("supportsAllDrives", "true" if p.supportsAllDrives else "")) if v})
    path = f"{UPLOAD}/{file_id}" if file_id else UPLOAD
    loc = f"{ctx.env.base_url}{path}?uploadType=resumable&upload_id={uid}"
    return Reply(200, None, {"Location": loc, "X-GUploader-UploadID": uid})


@ops.op("drive.files.create.upload", "POST", UPLOAD, raw_body=True, tool=False)
def upload_create(ctx: G, p: UploadParams) -> dict[str, Any] | Reply:
    """Create a file with content: uploadType media (the body is the content), multipart
    (metadata JSON then content) or resumable (start a session, then PUT the content)."""
    if p.uploadType == "resumable":
        return _start_resumable(ctx, p, "")
    meta, content, ctype = _media_and_meta(p)
    meta.supportsAllDrives = p.supportsAllDrives
    f = create_file(ctx, meta, content, ctype)
    return reply_file(ctx, f, "owner", p.fields)


@ops.op("drive.files.update.upload", "PATCH", UPLOAD + "/{fileId}", raw_body=True, tool=False)
def upload_update(ctx: G, p: UploadParams) -> dict[str, Any] | Reply:
    """Replace a file's content (and optionally metadata): uploadType media, multipart or resumable."""
    if p.uploadType == "resumable":
        return _start_resumable(ctx, p, p.fileId)
    f, role = get_file(ctx, p.fileId, "writer")
    meta, content, _ = _media_and_meta(p)
    update_file(ctx, f, role, meta, p.addParents, p.removeParents, content)
    return reply_file(ctx, f, role, p.fields)


def _resume(ctx: G, p: UploadParams) -> dict[str, Any] | Reply:
    up = ctx.state.uploads.get(p.upload_id)
    if up is None:
        raise DriveError("notFound", "Upload session not found or expired.", status=404,
                         location="upload_id")
    rng = p.headers.get("content-range")
    total: int | None
    if rng is None:
        first, total = 0, len(p.body)
        up.data = b""
    else:
        a, _, tot = content_range(rng)
        first, total = (len(up.data) if a is None else a), tot
    if first > len(up.data):
        raise DriveError("badRequest", "Content-Range starts past the bytes received so far.", status=400)
    up.data = up.data[:first] + p.body
    if total is None or len(up.data) < total:
        headers = {"Range": f"bytes=0-{len(up.data) - 1}"} if up.data else {}
        return Reply(308, None, headers)
    del ctx.state.uploads[up.id]
    meta = msgspec.convert(up.metadata, FileMeta, strict=False)
    saved, ctx.actor = ctx.actor, up.actor
    try:
        fields = p.fields or up.params.get("fields") or None
        if up.file_id:
            f, role = get_file(ctx, up.file_id, "writer")
            update_file(ctx, f, role, meta, up.params.get("addParents", ""),
                        up.params.get("removeParents", ""), up.data)
            return reply_file(ctx, f, role, fields)
        ctype = meta.mimeType if isinstance(meta.mimeType, str) and not meta.mimeType.startswith(
            GOOGLE_APPS) else up.content_type
        meta.supportsAllDrives = up.params.get("supportsAllDrives") == "true"
        f = create_file(ctx, meta, up.data, ctype)
        return reply_file(ctx, f, "owner", fields)
    finally:
        ctx.actor = saved


@ops.op("drive.files.upload.resume", "PUT", UPLOAD, raw_body=True, tool=False, capability="upload_id")
def upload_resume(ctx: G, p: UploadParams) -> dict[str, Any] | Reply:
    """Send content (or a chunk, with Content-Range) to a resumable upload session. Over HTTP
    the session URL is the credential, as at Google: a token is not needed."""
    return _resume(ctx, p)


@ops.op("drive.files.upload.resumeUpdate", "PUT", UPLOAD + "/{fileId}", raw_body=True, tool=False,
        capability="upload_id")
def upload_resume_update(ctx: G, p: UploadParams) -> dict[str, Any] | Reply:
    """Send content (or a chunk) to a resumable update session."""
    return _resume(ctx, p)


class ExportFile(msgspec.Struct, kw_only=True):
    fileId: str
    mimeType: str = ""
    fields: str | None = None


@ops.op("drive.files.export", "GET", "/drive/v3/files/{fileId}/export", mutates=False)
def files_export(ctx: G, p: ExportFile) -> Raw:
    """Export a Google Doc (mimeType text/plain) or Sheet (text/csv, first sheet; or
    text/tab-separated-values) to text."""
    f, _ = get_file(ctx, p.fileId)
    if not p.mimeType:
        raise DriveError("required", "Required parameter: mimeType", status=400, location="mimeType")
    if not f.mimeType.startswith(GOOGLE_APPS) or f.mimeType not in EXPORTS:
        raise DriveError("fileNotExportable", "Export only supports Docs Editors files.", status=403,
                         location="fileId")
    if f.mimeType == DOC and f.doc is not None and p.mimeType in ("text/plain", "text/markdown"):
        return Raw(document_text(f.doc).encode(), f"{p.mimeType}; charset=utf-8")
    if f.mimeType == SHEET and f.sheet is not None and p.mimeType == "text/csv":
        return Raw(spreadsheet_csv(f.sheet).encode(), "text/csv; charset=utf-8")
    if f.mimeType == SHEET and f.sheet is not None and p.mimeType == "text/tab-separated-values":
        csv_text = spreadsheet_csv(f.sheet)
        rows = list(csv.reader(io.StringIO(csv_text)))
        return Raw("\n".join("\t".join(r) for r in rows).encode(), "text/tab-separated-values; charset=utf-8")
    raise DriveError("badRequest", "The requested conversion is not supported.", status=400,
                     location="convertTo")
