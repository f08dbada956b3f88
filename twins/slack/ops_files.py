"""files.getUploadURLExternal, the upload URL itself, and files.completeUploadExternal: the upload
flow slack_sdk's files_upload_v2 drives."""

from __future__ import annotations

import hmac
from typing import Any

import msgspec

from ..core import Raw, Reply
from ..core.multipart import parse as parse_multipart
from .api import S, method, ops
from .errors import SlackError
from .ops_chat import post
from .seed import filetype
from .shape import file_json, split_csv, writable_channel
from .state import Channel, File

UPLOAD_PATH = "/upload/v1/{_cap}"
"""Over HTTP an upload URL carries one opaque secret (the door maps it to the file and its key);
in-process it reads `/upload/v1/<file id>/<key>`."""
MAX_FILE = 1024 * 1024 * 1024


class GetUploadURL(msgspec.Struct):
    filename: str
    length: int
    alt_txt: str | None = None
    snippet_type: str | None = None


@method("files.getUploadURLExternal", "files:write", mutates=True)
def files_get_upload_url(ctx: S, p: GetUploadURL) -> dict[str, Any]:
    """Start a file upload: returns an upload_url to POST the bytes to and the file_id to pass to
    files.completeUploadExternal, which shares it."""
    if not p.filename.strip():
        raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing filename"]})
    if p.length < 1 or p.length > MAX_FILE:
        raise SlackError("invalid_arguments",
                         response_metadata={"messages": ["[ERROR] length must be between 1 and 1 GB"]})
    env = ctx.env
    fid = env.id("F", 11)
    key = env.token(20)
    ctx.state.files[fid] = File(id=fid, name=p.filename, title=p.filename, user=ctx.actor,
                                created=int(env.now), size=p.length, filetype=filetype(p.filename),
                                alt_txt=p.alt_txt or "", key=key)
    cap = env.grant(f"{fid}/{key}", ("files.uploadToURL",), {"file_id": fid, "key": key})
    return {"ok": True, "upload_url": f"{env.base_url}/upload/v1/{cap}", "file_id": fid}


class Upload(msgspec.Struct):
    file_id: str
    key: str
    body: bytes = msgspec.field(name="_body", default=b"")
    content_type: str = msgspec.field(name="_content_type", default="")


@ops.op("files.uploadToURL", "POST", UPLOAD_PATH, raw_body=True, tool=False, mutates=True, capability="_cap")
def files_upload_to_url(ctx: S, p: Upload) -> Reply:
    """The upload URL files.getUploadURLExternal hands out: the raw bytes of the file, no token
    (the URL is the credential: over HTTP a secret only this world's caller was given). Answers
    `OK - <size>` as text, like files.slack.com."""
    f = ctx.state.files.get(p.file_id)
    if f is None or not hmac.compare_digest(f.key.encode(), p.key.encode()) or f.completed:
        return Reply(404, Raw(b"Not Found", "text/plain; charset=utf-8"))
    body, content_type = p.body, p.content_type
    if content_type.lower().startswith("multipart/form-data"):
        part = multipart_file(body, content_type)
        if part is None:
            return Reply(400, Raw(b"Bad Request", "text/plain; charset=utf-8"))
        body, content_type = part
    f.content = body
    f.size = len(body)
    f.uploaded = True
    if content_type and content_type not in ("application/x-www-form-urlencoded",
                                              "application/octet-stream"):
        f.mimetype = content_type.split(";")[0].strip()
    elif f.filetype in ("text", "markdown", "csv", "python", "json"):
        f.mimetype = "text/plain"
    return Reply(200, Raw(f"OK - {f.size}".encode(), "text/plain; charset=utf-8"))


def multipart_file(body: bytes, content_type: str) -> tuple[bytes, str] | None:
    """The bytes and content type (lower-cased) of the file part of a multipart/form-data body
    (the part with a filename, else the first one): Slack's upload URL takes raw bytes or a
    form, and @slack/web-api's files.uploadV2 posts a form."""
    parts = parse_multipart(body, content_type)
    if not parts:
        return None
    part = next((pt for pt in parts if pt.filename is not None), parts[0])
    return part.data, part.content_type.lower()


class FileRef(msgspec.Struct):
    id: str
    title: str | None = None


class Complete(msgspec.Struct):
    files: str | list[FileRef]
    channel_id: str | None = None
    channels: str | list[str] | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None


def file_refs(files: str | list[FileRef]) -> list[FileRef]:
    if isinstance(files, list):
        return files
    try:
        return msgspec.json.decode(files, type=list[FileRef])
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise SlackError("invalid_arguments",
                         response_metadata={"messages": ["[ERROR] files must be a JSON array of {id, title}"]}) from None


@method("files.completeUploadExternal", "files:write", mutates=True)
def files_complete_upload(ctx: S, p: Complete) -> dict[str, Any]:
    """Finish uploads started with files.getUploadURLExternal (files: [{"id", "title"}]) and share
    them into channel_id (or channels, comma-separated) with an optional initial_comment, in a thread
    with thread_ts. Without a channel the file stays private to the caller."""
    s = ctx.state
    refs = file_refs(p.files)
    if not refs:
        raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] no files"]})
    found: list[File] = []
    for ref in refs:
        f = s.files.get(ref.id)
        if f is None or f.user != ctx.actor:
            raise SlackError("file_not_found")
        found.append(f)
    cids = list(dict.fromkeys(([p.channel_id] if p.channel_id else []) + split_csv(p.channels)))
    chans: list[Channel] = [writable_channel(ctx, cid) for cid in cids]
    if p.thread_ts and len(chans) != 1:
        raise SlackError("invalid_arguments",
                         response_metadata={"messages": ["[ERROR] thread_ts needs exactly one channel"]})
    for ref, f in zip(refs, found, strict=True):
        if ref.title:
            f.title = ref.title
        f.completed = True
    for ch in chans:
        msg = post(ctx, ch, p.initial_comment or "", p.thread_ts, files=[f.id for f in found])
        for f in found:
            if ch.id not in f.channels:
                f.channels.append(ch.id)
            f.shares.setdefault(ch.id, []).append(msg.ts)
    return {"ok": True, "files": [file_json(f, s, ctx.env) for f in found]}


def readable_file(ctx: S, fid: str) -> File:
    """A file the caller may see: their own, or one shared into a channel they can see."""
    s = ctx.state
    f = s.files.get(fid)
    if f is None or not (f.completed or f.user == ctx.actor):
        raise SlackError("file_not_found")
    if f.user != ctx.actor and not any(
            c in s.channels and (not (s.channels[c].is_private or s.channels[c].is_im)
                                 or ctx.actor in s.channels[c].members) for c in f.channels):
        raise SlackError("file_not_found")
    return f


class FileInfo(msgspec.Struct):
    file: str
    count: int = 100
    page: int = 1
    cursor: str | None = None
    limit: int = 0


@method("files.info", "files:read", mutates=False)
def files_info(ctx: S, p: FileInfo) -> dict[str, Any]:
    """One file's details (name, title, type, size, who shared it where) by file id."""
    f = readable_file(ctx, p.file)
    return {"ok": True, "file": file_json(f, ctx.state, ctx.env), "comments": [],
            "response_metadata": {"next_cursor": ""}}


class FilesList(msgspec.Struct):
    channel: str | None = None
    user: str | None = None
    types: str | None = None
    ts_from: str | None = None
    ts_to: str | None = None
    count: int = 100
    page: int = 1


TYPE_GROUPS = {"images": {"png", "jpg", "gif"}, "pdfs": {"pdf"}, "zips": {"zip"},
               "snippets": {"text", "markdown", "python", "json", "csv"}}


@method("files.list", "files:read", mutates=False)
def files_list(ctx: S, p: FilesList) -> dict[str, Any]:
    """Files the caller can see, newest first; narrowed by channel, user, types (all, images,
    pdfs, snippets, zips, spaces, gdocs; anything else: unknown_type) and ts_from/ts_to; paged by count/page."""
    s = ctx.state
    if p.user is not None and p.user not in s.users:
        raise SlackError("user_not_found")
    groups = {g.strip() for g in (p.types or "all").split(",")}
    if groups - set(TYPE_GROUPS) - {"all", "spaces", "gdocs"}:  # the types the method page lists
        raise SlackError("unknown_type")  # "Value passed for `types` was invalid"
    lo = float(p.ts_from) if p.ts_from else 0.0
    hi = float(p.ts_to) if p.ts_to else float("inf")
    out = []
    for f in s.files.values():
        try:
            readable_file(ctx, f.id)
        except SlackError:
            continue
        if not f.completed or (p.channel and p.channel not in f.channels) or (p.user and f.user != p.user):
            continue
        if "all" not in groups and not any(f.filetype in TYPE_GROUPS.get(g, set()) for g in groups):
            continue
        if lo <= f.created <= hi:
            out.append(f)
    out.sort(key=lambda f: (-f.created, f.id))
    count = min(max(p.count, 1), 1000)
    total = len(out)
    pages = max(1, -(-total // count))
    pg = max(p.page, 1)
    chunk = out[(pg - 1) * count: pg * count]
    return {"ok": True, "files": [file_json(f, s, ctx.env) for f in chunk],
            "paging": {"count": count, "total": total, "page": pg, "pages": pages}}


class FileOnly(msgspec.Struct):
    file: str


@method("files.delete", "files:write", mutates=True)
def files_delete(ctx: S, p: FileOnly) -> dict[str, Any]:
    """Delete a file (its uploader or a workspace admin); it disappears from the messages that
    shared it."""
    s = ctx.state
    f = readable_file(ctx, p.file)
    me = s.users[ctx.actor]
    if f.user != ctx.actor and not (me.is_admin or me.is_owner):
        raise SlackError("cant_delete_file")
    for cid in f.channels:
        ch = s.channels.get(cid)
        if ch is None:
            continue
        ctx.mark(("channel", cid))
        ctx.mark(("messages", cid))
        for m in list(ch.messages):
            if f.id in m.files:
                m.files.remove(f.id)
                if not m.files and not m.text:
                    ch.messages.remove(m)
    del s.files[f.id]
    return {"ok": True}
