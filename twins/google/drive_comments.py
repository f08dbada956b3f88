"""Drive v3 comments on a file and their replies: create, list, get, update, delete (`fields` is
required, as in Drive)."""

from __future__ import annotations

from typing import Any

import msgspec

from .drive_access import get_file
from .drive_json import user_json
from .drive_paging import token_page
from .errors import DriveError, invalid_value
from .fields import FieldsError, Tree, cached, select
from .registry import G, ops
from .state import RANK, Comment, CommentReply, DriveFile, GoogleState, note_change

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
        "replies": [reply_json(state, r, actor) for r in c.replies]}
    if c.anchor:
        out["anchor"] = c.anchor
    if c.quoted:
        out["quotedFileContent"] = {"mimeType": "text/html", "value": c.quoted}
    return out


def reply_json(state: GoogleState, r: CommentReply, actor: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "drive#reply", "id": r.id, "createdTime": r.createdTime, "modifiedTime": r.modifiedTime,
        "author": {k: v for k, v in user_json(state, r.author, actor).items() if k != "permissionId"},
        "htmlContent": r.content, "content": r.content, "deleted": False}
    if r.action:
        out["action"] = r.action
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
    note_change(ctx.state, ctx.env, f)
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
    chunk, more = token_page(f.comments, p.pageToken, p.pageSize, "comments")
    out: dict[str, Any] = {"kind": "drive#commentList",
                           "comments": [comment_json(ctx.state, c, ctx.actor) for c in chunk], **more}
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
    note_change(ctx.state, ctx.env, f)
    return None


class UpdateComment(CommentRef, kw_only=True):
    content: str | None = None
    resolved: Any = None


@ops.op("drive.comments.update", "PATCH", BASE + "/{commentId}")
def comments_update(ctx: G, p: UpdateComment) -> dict[str, Any]:
    """Edit a comment's text (its author only). `fields` is required. Resolve or reopen a comment
    with replies.create and action "resolve" / "reopen"."""
    tree = _tree(p.fields)
    f, _ = get_file(ctx, p.fileId)
    c = _find(f, p.commentId)
    if p.resolved is not None:
        raise DriveError("fieldNotWritable", "The resource body includes fields which are not directly "
                         "writable.", status=403, location="resolved", location_type="other")
    if c.author != ctx.actor:
        raise DriveError("insufficientFilePermissions",
                         "The user does not have sufficient permissions for this file.", status=403)
    if not p.content:
        raise DriveError("required", "Required: content", status=400, location="content")
    c.content = p.content
    c.modifiedTime = ctx.env.iso()
    note_change(ctx.state, ctx.env, f)
    out: dict[str, Any] = select(comment_json(ctx.state, c, ctx.actor), tree)
    return out


# -- replies --------------------------------------------------------------------------------------

REPLIES = BASE + "/{commentId}/replies"


def _find_reply(c: Comment, rid: str) -> CommentReply:
    for r in c.replies:
        if r.id == rid:
            return r
    raise DriveError("notFound", f"Reply not found: {rid}.", location="replyId")


class CreateReply(msgspec.Struct, kw_only=True):
    fileId: str
    commentId: str
    content: str = ""
    action: str = ""
    fields: str | None = None


@ops.op("drive.replies.create", "POST", REPLIES)
def replies_create(ctx: G, p: CreateReply) -> dict[str, Any]:
    """Reply to a comment (needs commenter access); `action` "resolve" or "reopen" resolves or
    reopens the comment (content may then be empty). `fields` is required."""
    tree = _tree(p.fields)
    f, role = get_file(ctx, p.fileId)
    c = _find(f, p.commentId)
    if RANK[role] < RANK["commenter"]:
        raise DriveError("insufficientFilePermissions",
                         "The user does not have sufficient permissions for this file.", status=403)
    if p.action not in ("", "resolve", "reopen"):
        raise invalid_value("action")
    if not p.content and not p.action:
        raise DriveError("required", "Required: content", status=400, location="content")
    t = ctx.env.iso()
    r = CommentReply(id=ctx.env.id("AAAA", 14), author=ctx.actor, content=p.content, createdTime=t,
                     modifiedTime=t, action=p.action)
    c.replies.append(r)
    if p.action:
        c.resolved = p.action == "resolve"
    c.modifiedTime = t
    note_change(ctx.state, ctx.env, f)
    out: dict[str, Any] = select(reply_json(ctx.state, r, ctx.actor), tree)
    return out


class ListReplies(msgspec.Struct, kw_only=True):
    fileId: str
    commentId: str
    pageSize: int = 20
    pageToken: str = ""
    includeDeleted: bool = False
    fields: str | None = None


@ops.op("drive.replies.list", "GET", REPLIES)
def replies_list(ctx: G, p: ListReplies) -> dict[str, Any]:
    """List a comment's replies, oldest first (`pageSize` 1-100, default 20). `fields` is
    required, e.g. "replies(id,content,action),nextPageToken"."""
    tree = _tree(p.fields)
    f, _ = get_file(ctx, p.fileId)
    c = _find(f, p.commentId)
    if not 1 <= p.pageSize <= 100:
        raise invalid_value("pageSize")
    chunk, more = token_page(c.replies, p.pageToken, p.pageSize, "replies")
    out: dict[str, Any] = {"kind": "drive#replyList",
                           "replies": [reply_json(ctx.state, r, ctx.actor) for r in chunk], **more}
    selected: dict[str, Any] = select(out, tree)
    return selected


class ReplyRef(msgspec.Struct, kw_only=True):
    fileId: str
    commentId: str
    replyId: str
    includeDeleted: bool = False
    fields: str | None = None


@ops.op("drive.replies.get", "GET", REPLIES + "/{replyId}")
def replies_get(ctx: G, p: ReplyRef) -> dict[str, Any]:
    """Get one reply. `fields` is required."""
    tree = _tree(p.fields)
    f, _ = get_file(ctx, p.fileId)
    r = _find_reply(_find(f, p.commentId), p.replyId)
    out: dict[str, Any] = select(reply_json(ctx.state, r, ctx.actor), tree)
    return out


class UpdateReply(ReplyRef, kw_only=True):
    content: str | None = None


@ops.op("drive.replies.update", "PATCH", REPLIES + "/{replyId}")
def replies_update(ctx: G, p: UpdateReply) -> dict[str, Any]:
    """Edit a reply's text (its author only). `fields` is required."""
    tree = _tree(p.fields)
    f, _ = get_file(ctx, p.fileId)
    r = _find_reply(_find(f, p.commentId), p.replyId)
    if r.author != ctx.actor:
        raise DriveError("insufficientFilePermissions",
                         "The user does not have sufficient permissions for this file.", status=403)
    if not p.content:
        raise DriveError("required", "Required: content", status=400, location="content")
    r.content = p.content
    r.modifiedTime = ctx.env.iso()
    note_change(ctx.state, ctx.env, f)
    out: dict[str, Any] = select(reply_json(ctx.state, r, ctx.actor), tree)
    return out


@ops.op("drive.replies.delete", "DELETE", REPLIES + "/{replyId}", status=204)
def replies_delete(ctx: G, p: ReplyRef) -> None:
    """Delete a reply (its author, or the file's owner)."""
    f, role = get_file(ctx, p.fileId)
    c = _find(f, p.commentId)
    r = _find_reply(c, p.replyId)
    if r.author != ctx.actor and role != "owner":
        raise DriveError("insufficientFilePermissions",
                         "The user does not have sufficient permissions for this file.", status=403)
    c.replies = [x for x in c.replies if x is not r]
    note_change(ctx.state, ctx.env, f)
    return None
