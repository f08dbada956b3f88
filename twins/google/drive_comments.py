"""Drive v3 comments on a file: create, list, get, update, delete (`fields` is required)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.paging import encode_cursor, offset_of
from .drive_access import get_file
from .drive_json import user_json
from .errors import DriveError, invalid_value
from .fields import FieldsError, Tree, cached, select
from .registry import G, ops
from .state import RANK, Comment, DriveFile, GoogleState

BASE = "/drive/v3/files/{fileId}/comments"


def _tree(fields: str | None) -> Tree:
    if not fields:
        raise DriveError("required", "The 'fields' parameter is required for this method.",
                         status=400, location="fields")
    try:
        return cached(fields)
    except FieldsError as e:
        raise DriveError("invalidParameter", str(e), status=400, location="fields") from None


def comment_json(state: GoogleState, c: Comment, actor: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "drive#comment", "id": c.id, "createdTime": c.createdTime, "modifiedTime": c.modifiedTime,
        "author": {k: v for k, v in user_json(state, c.author, actor).items() if k != "permissionId"},
        "htmlContent": c.content, "content": c.content, "deleted": False, "resolved": c.resolved,
        "replies": []}
    if c.anchor:
        out["anchor"] = c.anchor
    if c.quoted:
        out["quotedFileContent"] = {"mimeType": "text/html", "value": c.quoted}
    return out


def _find(f: DriveFile, cid: str) -> Comment:
    for c in f.comments:
        if c.id == cid:
            return c
    raise DriveError("notFound", f"Comment not found: {cid}.", location="commentId")


class CreateComment(msgspec.Struct, kw_only=True):
    fileId: str
    content: str = ""
    anchor: str = ""
    quotedFileContent: dict[str, str] = {}
    fields: str | None = None


@ops.op("drive.comments.create", "POST", BASE)
def comments_create(ctx: G, p: CreateComment) -> dict[str, Any]:
    """Comment on a file (needs commenter access). `fields` is required, e.g. "id,content"."""
    tree = _tree(p.fields)
    f, role = get_file(ctx, p.fileId)
    if RANK[role] < RANK["commenter"]:
        raise DriveError("insufficientFilePermissions",
                         "The user does not have sufficient permissions for this file.", status=403)
    if not p.content:
        raise DriveError("required", "Required: content", status=400, location="content")
    t = ctx.env.iso()
    c = Comment(id=ctx.env.id("AAAA", 14), author=ctx.actor, content=p.content, createdTime=t,
                modifiedTime=t, anchor=p.anchor, quoted=p.quotedFileContent.get("value", ""))
    f.comments.append(c)
    out: dict[str, Any] = select(comment_json(ctx.state, c, ctx.actor), tree)
    return out


class ListComments(msgspec.Struct, kw_only=True):
    fileId: str
    pageSize: int = 20
    pageToken: str = ""
    includeDeleted: bool = False
    startModifiedTime: str = ""
    fields: str | None = None


@ops.op("drive.comments.list", "GET", BASE)
def comments_list(ctx: G, p: ListComments) -> dict[str, Any]:
    """List a file's comments. `fields` is required, e.g. "comments(id,content,author),nextPageToken"."""
    tree = _tree(p.fields)
    f, _ = get_file(ctx, p.fileId)
    if not 1 <= p.pageSize <= 100:
        raise invalid_value("pageSize")
    offset = offset_of(p.pageToken, "comments", lambda: invalid_value("pageToken"))
    chunk = f.comments[offset:offset + p.pageSize]
    out: dict[str, Any] = {"kind": "drive#commentList",
                           "comments": [comment_json(ctx.state, c, ctx.actor) for c in chunk]}
    if offset + p.pageSize < len(f.comments):
        out["nextPageToken"] = encode_cursor(offset + p.pageSize, "comments")
    selected: dict[str, Any] = select(out, tree)
    return selected


class CommentRef(msgspec.Struct, kw_only=True):
    fileId: str
    commentId: str
    fields: str | None = None
    includeDeleted: bool = False


@ops.op("drive.comments.get", "GET", BASE + "/{commentId}")
def comments_get(ctx: G, p: CommentRef) -> dict[str, Any]:
    """Get one comment. `fields` is required."""
    tree = _tree(p.fields)
    f, _ = get_file(ctx, p.fileId)
    out: dict[str, Any] = select(comment_json(ctx.state, _find(f, p.commentId), ctx.actor), tree)
    return out


@ops.op("drive.comments.delete", "DELETE", BASE + "/{commentId}", status=204)
def comments_delete(ctx: G, p: CommentRef) -> None:
    """Delete a comment (its author, or the file's owner)."""
    f, role = get_file(ctx, p.fileId)
    c = _find(f, p.commentId)
    if c.author != ctx.actor and role != "owner":
        raise DriveError("insufficientFilePermissions",
                         "The user does not have sufficient permissions for this file.", status=403)
    f.comments = [x for x in f.comments if x is not c]
    return None
