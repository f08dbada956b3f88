"""Issue links, link types and attachments."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Raw, Reply
from ..core.multipart import Part
from ..core.multipart import parse as parse_multipart
from . import render
from .errors import JiraError, bad_request, forbidden
from .fields import rich
from .ops_common import API, IssueRef, S, V, can_browse, get_issue, is_admin, ops, view
from .state import Attachment, Comment, Issue, Link


@ops.op("issueLinkType.list", "GET", f"{API}/issueLinkType")
def link_type_list(ctx: S, p: V) -> dict[str, Any]:
    """The kinds of link between issues (Blocks, Cloners, Duplicate, Relates) and their inward/outward words."""
    w = view(ctx, p)
    return {"issueLinkTypes": [render.link_type(w, t) for t in ctx.state.link_types.values()]}


class LinkTypeRef(V, kw_only=True):
    issueLinkTypeId: str


@ops.op("issueLinkType.get", "GET", f"{API}/issueLinkType/{{issueLinkTypeId}}")
def link_type_get(ctx: S, p: LinkTypeRef) -> dict[str, Any]:
    """One issue link type."""
    t = ctx.state.link_types.get(p.issueLinkTypeId)
    if t is None:
        raise JiraError(404, f"No issue link type with id '{p.issueLinkTypeId}' found.")
    return render.link_type(view(ctx, p), t)


class CreateLink(V, kw_only=True):
    type: dict[str, Any] = {}
    inwardIssue: dict[str, Any] = {}
    outwardIssue: dict[str, Any] = {}
    comment: dict[str, Any] | None = None


def _linked(ctx: S, ref: dict[str, Any]) -> Issue:
    key = ref.get("key") or ref.get("id") if isinstance(ref, dict) else None
    if not key:
        raise bad_request("Issue does not exist or you do not have permission to see it.")
    try:
        return get_issue(ctx, str(key))
    except JiraError:
        raise JiraError(404, f"Issue Does Not Exist: {key}") from None


@ops.op("issueLink.create", "POST", f"{API}/issueLink", status=201)
def link_create(ctx: S, p: CreateLink) -> Reply:
    """Link two issues: `{"type": {"name": "Duplicate"}, "inwardIssue": {"key": A}, "outwardIssue": {"key": B}}`
    reads "A <outward> B" (A duplicates B; A blocks B). An optional `comment.body` goes on the inward issue."""
    s = ctx.state
    tid, tname = p.type.get("id"), p.type.get("name")
    lt = next((t for t in s.link_types.values()
               if (tid is not None and t.id == str(tid)) or (isinstance(tname, str) and t.name.lower() == tname.lower())),
              None)
    if lt is None:
        raise JiraError(404, f"No issue link type with name '{tname or tid}' found.")
    a, b = _linked(ctx, p.inwardIssue), _linked(ctx, p.outwardIssue)
    if a.id == b.id:
        raise bad_request("You cannot link an issue to itself.")
    if any(x.type == lt.id and x.inward == a.id and x.outward == b.id for x in s.links.values()):
        return Reply(201, None)
    lid = s.next_id("link")
    s.links[lid] = Link(id=lid, type=lt.id, inward=a.id, outward=b.id)
    now = ctx.env.now
    if p.comment and p.comment.get("body") is not None:
        text, doc = rich(p.comment.get("body"), p.v == "3", "comment")
        if text:
            a.comments.append(Comment(id=s.next_id("comment"), author=ctx.actor, body=text, body_adf=doc,
                                      created=now, updated=now))
    a.updated = b.updated = now
    return Reply(201, None)  # Jira answers 201 with an empty body


class LinkRef(V, kw_only=True):
    linkId: str


def _link(ctx: S, lid: str) -> Link:
    s = ctx.state
    link = s.links.get(lid)
    if link is None or not all(can_browse(s, ctx.actor, s.projects[s.issues[i].project])
                               for i in (link.inward, link.outward) if i in s.issues):
        raise JiraError(404, f"No issue link with id '{lid}' exists.")
    return link


@ops.op("issueLink.get", "GET", f"{API}/issueLink/{{linkId}}")
def link_get(ctx: S, p: LinkRef) -> dict[str, Any]:
    """One issue link, with both issues."""
    s = ctx.state
    link = _link(ctx, p.linkId)
    w = view(ctx, p)
    return {"id": link.id, "self": f"{w.api}/issueLink/{link.id}", "type": render.link_type(w, s.link_types[link.type]),
            "inwardIssue": render.issue_ref(w, s.issues[link.inward]),
            "outwardIssue": render.issue_ref(w, s.issues[link.outward])}


@ops.op("issueLink.delete", "DELETE", f"{API}/issueLink/{{linkId}}")
def link_delete(ctx: S, p: LinkRef) -> None:
    """Remove an issue link."""
    _link(ctx, p.linkId)
    del ctx.state.links[p.linkId]


# -- attachments -------------------------------------------------------------------------------------------

class Upload(IssueRef, kw_only=True):
    body: bytes = msgspec.field(name="_body", default=b"")
    content_type: str = msgspec.field(name="_content_type", default="")
    filename: str = ""
    content: str = ""


@ops.op("attachment.add", "POST", f"{API}/issue/{{issueIdOrKey}}/attachments", raw_body=True)
def attachment_add(ctx: S, p: Upload) -> list[dict[str, Any]]:
    """Attach a file to an issue: `filename` and text `content` (over HTTP: multipart/form-data with the
    file in field `file`). Answers the list of new attachments."""
    iss = get_issue(ctx, p.issueIdOrKey)
    if p.filename and not p.body:
        parts: list[Part] | None = [Part("file", p.filename, "text/plain", p.content.encode())]
    else:
        parts = parse_multipart(p.body, p.content_type)
    if parts is None:
        raise JiraError(415, "Unsupported media type: attachments are uploaded as multipart/form-data.")
    files = [x for x in parts if x.name == "file" and x.filename is not None]
    if not files:
        raise bad_request("No files were attached. Send them in the multipart field 'file'.")
    s = ctx.state
    w = view(ctx, p)
    out: list[dict[str, Any]] = []
    for f in files:
        aid = s.next_id("attachment")
        a = Attachment(id=aid, issue=iss.id, filename=f.filename or "file", author=ctx.actor, created=ctx.env.now,
                       size=len(f.data), mime_type=f.content_type, content=f.data)
        s.attachments[aid] = a
        iss.attachments.append(aid)
        out.append(render.attachment(w, a))
    iss.updated = ctx.env.now
    return out


class AttachmentRef(V, kw_only=True):
    id: str


def _attachment(ctx: S, aid: str) -> Attachment:
    s = ctx.state
    a = s.attachments.get(aid)
    if a is None or a.issue not in s.issues or not can_browse(s, ctx.actor, s.projects[s.issues[a.issue].project]):
        raise JiraError(404, f"The attachment with id '{aid}' does not exist")
    return a


@ops.op("attachment.get", "GET", f"{API}/attachment/{{id}}")
def attachment_get(ctx: S, p: AttachmentRef) -> dict[str, Any]:
    """An attachment's metadata."""
    out = render.attachment(view(ctx, p), _attachment(ctx, p.id))
    out["id"] = int(out["id"])  # AttachmentMetadata: a number here, a string inside an issue's fields
    return out


@ops.op("attachment.content", "GET", f"{API}/attachment/content/{{id}}")
def attachment_content(ctx: S, p: AttachmentRef) -> Raw:
    """An attachment's bytes."""
    a = _attachment(ctx, p.id)
    return Raw(a.content, a.mime_type)


@ops.op("attachment.delete", "DELETE", f"{API}/attachment/{{id}}")
def attachment_delete(ctx: S, p: AttachmentRef) -> None:
    """Delete an attachment (its author or a site admin)."""
    s = ctx.state
    a = _attachment(ctx, p.id)
    if a.author != ctx.actor and not is_admin(s, ctx.actor):
        raise forbidden("You do not have permission to delete this attachment.")
    del s.attachments[a.id]
    ctx.mark(("issue", a.issue))
    iss = s.issues[a.issue]
    iss.attachments = [x for x in iss.attachments if x != a.id]
