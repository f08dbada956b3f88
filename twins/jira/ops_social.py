"""What people add to issues: comments, watchers and worklogs."""

from __future__ import annotations

import re
from typing import Any

from ..core import Reply
from . import render
from .errors import JiraError, bad_request, forbidden
from .fields import rich
from .ops_common import API, IssueRef, S, get_issue, is_admin, ops, page_args, view
from .seed import when
from .state import Comment, Issue, Worklog


class Comments(IssueRef, kw_only=True):
    startAt: int = 0
    maxResults: int = 5000
    orderBy: str = ""
    expand: str = ""


@ops.op("comment.list", "GET", f"{API}/issue/{{issueIdOrKey}}/comment")
def comment_list(ctx: S, p: Comments) -> dict[str, Any]:
    """An issue's comments, oldest first (`orderBy=-created` for newest first)."""
    iss = get_issue(ctx, p.issueIdOrKey)
    start, size = page_args(p.startAt, p.maxResults, 5000, 5000)
    w = view(ctx, p)
    items = iss.comments[::-1] if p.orderBy.startswith("-") else iss.comments
    chunk = items[start:start + size]
    return {"startAt": start, "maxResults": size, "total": len(items),
            "comments": [render.comment(w, iss, c) for c in chunk]}


class AddComment(IssueRef, kw_only=True):
    body: Any = None
    visibility: dict[str, Any] | None = None


def _body(p: AddComment) -> tuple[str, Any]:
    try:
        text, doc = rich(p.body, p.v == "3", "comment")
    except JiraError:
        raise bad_request(comment="Comment body is not valid!") from None
    if text is None or not text.strip():
        raise bad_request(comment="Comment body can not be empty!")
    return text, doc


@ops.op("comment.add", "POST", f"{API}/issue/{{issueIdOrKey}}/comment", status=201)
def comment_add(ctx: S, p: AddComment) -> dict[str, Any]:
    """Add a comment: `body` is a string in v2 and an Atlassian Document in v3."""
    iss = get_issue(ctx, p.issueIdOrKey)
    text, doc = _body(p)
    now = ctx.env.now
    c = Comment(id=ctx.state.next_id("comment"), author=ctx.actor, body=text, body_adf=doc, created=now, updated=now)
    iss.comments.append(c)
    iss.updated = now
    return render.comment(view(ctx, p), iss, c)


class CommentRef(IssueRef, kw_only=True):
    id: str
    expand: str = ""


def _comment(iss: Issue, cid: str) -> Comment:
    c = next((c for c in iss.comments if c.id == cid), None)
    if c is None:
        raise JiraError(404, f"Can not find a comment for the id: {cid}.")
    return c


@ops.op("comment.get", "GET", f"{API}/issue/{{issueIdOrKey}}/comment/{{id}}")
def comment_get(ctx: S, p: CommentRef) -> dict[str, Any]:
    """One comment of an issue."""
    iss = get_issue(ctx, p.issueIdOrKey)
    return render.comment(view(ctx, p), iss, _comment(iss, p.id))


class UpdateComment(AddComment, kw_only=True):
    id: str


@ops.op("comment.update", "PUT", f"{API}/issue/{{issueIdOrKey}}/comment/{{id}}")
def comment_update(ctx: S, p: UpdateComment) -> dict[str, Any]:
    """Change a comment's body (its author or a site admin)."""
    iss = get_issue(ctx, p.issueIdOrKey)
    c = _comment(iss, p.id)
    if c.author != ctx.actor and not is_admin(ctx.state, ctx.actor):
        raise forbidden("You do not have the permission to edit this comment.")
    c.body, c.body_adf = _body(p)
    c.updated = ctx.env.now
    c.update_author = ctx.actor
    return render.comment(view(ctx, p), iss, c)


@ops.op("comment.delete", "DELETE", f"{API}/issue/{{issueIdOrKey}}/comment/{{id}}")
def comment_delete(ctx: S, p: CommentRef) -> None:
    """Delete a comment (its author or a site admin)."""
    iss = get_issue(ctx, p.issueIdOrKey)
    c = _comment(iss, p.id)
    if c.author != ctx.actor and not is_admin(ctx.state, ctx.actor):
        raise forbidden("You do not have the permission to delete this comment.")
    iss.comments = [x for x in iss.comments if x.id != p.id]


# -- watchers -------------------------------------------------------------------------------------------

@ops.op("watchers.get", "GET", f"{API}/issue/{{issueIdOrKey}}/watchers")
def watchers_get(ctx: S, p: IssueRef) -> dict[str, Any]:
    """Who watches an issue."""
    iss = get_issue(ctx, p.issueIdOrKey)
    return render.watchers(view(ctx, p), iss, ctx.actor)


class AddWatcher(IssueRef, kw_only=True):
    accountId: str | None = None


@ops.op("watchers.add", "POST", f"{API}/issue/{{issueIdOrKey}}/watchers", status=204, body_key="accountId")
def watchers_add(ctx: S, p: AddWatcher) -> None:
    """Add a watcher: the body is the accountId as a JSON string (none: the caller)."""
    iss = get_issue(ctx, p.issueIdOrKey)
    aid = p.accountId or ctx.actor
    u = ctx.state.users.get(aid)
    if u is None or not u.active:
        raise bad_request(f"The user \"{aid}\" does not have permission to view this issue. This user will not "
                          "be added to the watch list.")
    if aid not in iss.watchers:
        iss.watchers.append(aid)


class RemoveWatcher(IssueRef, kw_only=True):
    accountId: str = ""


@ops.op("watchers.remove", "DELETE", f"{API}/issue/{{issueIdOrKey}}/watchers")
def watchers_remove(ctx: S, p: RemoveWatcher) -> None:
    """Stop a user (accountId) watching an issue."""
    iss = get_issue(ctx, p.issueIdOrKey)
    if not p.accountId:
        raise bad_request("The query parameter 'accountId' is required.")
    iss.watchers = [a for a in iss.watchers if a != p.accountId]


# -- worklogs -------------------------------------------------------------------------------------------

DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*([wdhm])\s*)+$")
PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhm])")
SIZES = {"w": 144000, "d": 28800, "h": 3600, "m": 60}


@ops.op("worklog.list", "GET", f"{API}/issue/{{issueIdOrKey}}/worklog")
def worklog_list(ctx: S, p: IssueRef) -> dict[str, Any]:
    """Time logged on an issue."""
    iss = get_issue(ctx, p.issueIdOrKey)
    return render.worklogs_page(view(ctx, p), iss)


class AddWorklog(IssueRef, kw_only=True):
    timeSpent: str | None = None
    timeSpentSeconds: int | None = None
    started: str | None = None
    comment: Any = None
    adjustEstimate: str = "auto"


@ops.op("worklog.add", "POST", f"{API}/issue/{{issueIdOrKey}}/worklog", status=201)
def worklog_add(ctx: S, p: AddWorklog) -> Reply | dict[str, Any]:
    """Log time: `timeSpent` ("1d 2h", 8-hour days) or `timeSpentSeconds`; optional `started`, `comment`."""
    iss = get_issue(ctx, p.issueIdOrKey)
    if p.timeSpentSeconds is not None:
        secs = p.timeSpentSeconds
    elif p.timeSpent:
        if not DURATION.match(p.timeSpent):
            raise bad_request(timeLogged="Invalid time duration entered.")
        secs = int(sum(float(n) * SIZES[u] for n, u in PART.findall(p.timeSpent)))
    else:
        raise bad_request(timeLogged="You must indicate the time spent working.")
    if secs <= 0:
        raise bad_request(timeLogged="Time Spent must be greater than 0.")
    try:
        started = when(p.started.replace("+0000", "+00:00") if p.started else None, ctx.env.now)
    except ValueError:
        raise bad_request(started="Invalid date format. Use yyyy-MM-dd'T'HH:mm:ss.SSSZ.") from None
    try:
        text, doc = rich(p.comment, p.v == "3", "comment")
    except JiraError:
        raise bad_request(comment="Worklog comment is not valid!") from None
    now = ctx.env.now
    wl = Worklog(id=ctx.state.next_id("worklog"), author=ctx.actor, seconds=secs, started=started, created=now,
                 comment=text or "", comment_adf=doc)
    iss.worklogs.append(wl)
    iss.updated = now
    return render.worklog(view(ctx, p), iss, wl)
