"""The Files API: upload (multipart), list, retrieve metadata, download content, delete.

The pinned SDKs call it without a beta header (`client.files`), or with whatever `betas` the
caller passes (`client.beta.files`, e.g. `files-api-2025-04-14`): the twin accepts both.
Uploaded files are not downloadable (the API serves content only of files a tool made); files
seeded with `downloadable: true` stand for those."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgspec

from ..core import Ctx, Env, Raw
from ..core.env import ALNUM
from ..core.multipart import parse
from .errors import AnthropicError
from .listing import id_page
from .mime import mime_of
from .ops import ops
from .state import AnthropicState, StoredFile

S = Ctx[AnthropicState]
BASE = "/v1/files"
MAX_BYTES = 500 * 1024 * 1024  # https://docs.claude.com/en/api/errors (Files API: 500 MB)


def file_json(env: Env, f: StoredFile) -> dict[str, Any]:
    """A file as the SDK's `FileMetadata`."""
    return {"id": f.id, "type": "file", "filename": f.filename, "mime_type": f.mime_type,
            "size_bytes": f.size_bytes, "created_at": env.iso(f.created_at), "downloadable": f.downloadable}


class Upload(msgspec.Struct, kw_only=True):
    filename: str = ""  # in-process door: the file's name, text content and type
    content: str = ""
    mime_type: str = ""
    body: bytes = msgspec.field(default=b"", name="_body")
    content_type: str = msgspec.field(default="", name="_content_type")
    headers: dict[str, str] = msgspec.field(default_factory=dict, name="_headers")


@ops.op("files.upload", "POST", BASE, raw_body=True, tool=False)
def files_upload(ctx: S, p: Upload) -> dict[str, Any]:
    """Upload a file (multipart/form-data, field `file`); answers its metadata."""
    if p.filename and not p.body:
        name, data, given = p.filename, p.content.encode(), p.mime_type
    else:
        parts = parse(p.body, p.content_type)
        if parts is None:
            raise AnthropicError("invalid_request_error", "Content-Type must be multipart/form-data")
        files = [x for x in parts if x.name == "file" and x.filename is not None]
        if not files:
            raise AnthropicError("invalid_request_error", "file: Field required")
        f = files[0]
        name, data, given = f.filename or "", f.data, f.content_type
    if len(data) > MAX_BYTES:
        raise AnthropicError("request_too_large", f"File exceeds the maximum size of {MAX_BYTES} bytes")
    name = name.replace("\\", "/").rsplit("/", 1)[-1] or "unnamed"
    s, env = ctx.state, ctx.env
    stored = StoredFile(id=env.id("file_011", 29, ALNUM), filename=name, mime_type=mime_of(name, given),
                        size_bytes=len(data), created_at=env.now, content=data)
    s.files[stored.id] = stored
    return file_json(env, stored)


class ListFiles(msgspec.Struct):
    before_id: str | None = None
    after_id: str | None = None
    limit: int = 20
    page: str | None = None


def _cursor(file_id: str) -> str:
    return "page_" + base64.urlsafe_b64encode(file_id.encode()).decode().rstrip("=")


def _uncursor(page: str) -> str:
    raw = page.removeprefix("page_")
    try:
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise AnthropicError("invalid_request_error", "page: invalid page cursor") from None


@ops.op("files.list", "GET", BASE, tool=False, mutates=False)
def files_list(ctx: S, p: ListFiles) -> dict[str, Any]:
    """The files, most recently created first, in the pinned SDKs' cursor envelope: `data` and
    `next_page` (a `page` cursor, null on the last page). `before_id` / `after_id` / `limit` (the
    published reference's parameters) select the page too."""
    if p.page and not p.page.startswith("page_"):
        raise AnthropicError("invalid_request_error", "page: invalid page cursor")
    after = _uncursor(p.page) if p.page else p.after_id
    items = [file_json(ctx.env, f) for f in reversed(ctx.state.files.values())]
    page = id_page(items, p.before_id, after, p.limit)
    more = page["has_more"] and not p.before_id
    return {"data": page["data"], "next_page": _cursor(page["last_id"]) if more else None}


class FileId(msgspec.Struct):
    file_id: str


def _get(ctx: S, file_id: str) -> StoredFile:
    f = ctx.state.files.get(file_id)
    if f is None:
        raise AnthropicError("not_found_error", f"File not found: {file_id}")
    return f


@ops.op("files.retrieve_metadata", "GET", BASE + "/{file_id}", tool=False, mutates=False)
def files_retrieve_metadata(ctx: S, p: FileId) -> dict[str, Any]:
    """One file's metadata."""
    return file_json(ctx.env, _get(ctx, p.file_id))


@ops.op("files.download", "GET", BASE + "/{file_id}/content", tool=False, mutates=False)
def files_download(ctx: S, p: FileId) -> Raw:
    """A file's content, for a downloadable file (one a tool made); an uploaded file is refused."""
    f = _get(ctx, p.file_id)
    if not f.downloadable:
        raise AnthropicError("invalid_request_error", f"File {f.id} is not downloadable: only files "
                             "created by skills or the code execution tool can be downloaded")
    return Raw(f.content, f.mime_type)


@ops.op("files.delete", "DELETE", BASE + "/{file_id}", tool=False)
def files_delete(ctx: S, p: FileId) -> dict[str, Any]:
    """Delete a file."""
    f = _get(ctx, p.file_id)
    del ctx.state.files[f.id]
    return {"id": f.id, "type": "file_deleted"}
