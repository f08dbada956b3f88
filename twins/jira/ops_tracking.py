"""More per-issue operations: the changelog, edit metadata, bulk create, remote links and votes."""

from __future__ import annotations

from typing import Any

from ..core import Reply
from . import render, render_more
from .errors import JiraError, bad_request
from .fields import SETTABLE
from .ops_common import API, IssueRef, S, V, get_issue, ops, page_args, view
from .ops_issue import CreateIssue, issue_create
from .ops_meta import FIELDS
from .render import SPRINT_FIELD
from .state import Issue, RemoteLink


class ChangelogQuery(IssueRef, kw_only=True):
    startAt: int = 0
    maxResults: int = 100


@ops.op("issue.changelog", "GET", f"{API}/issue/{{issueIdOrKey}}/changelog", mutates=False)
def issue_changelog(ctx: S, p: ChangelogQuery) -> dict[str, Any]:
    """An issue's change history, oldest first, page by page (PageBean: startAt, maxResults ≤ 100, total,
    isLast): who changed which field from what to what."""
    iss = get_issue(ctx, p.issueIdOrKey)
    start, size = page_args(p.startAt, p.maxResults, 100, 100)
    w = view(ctx, p)
    hist = render.changelog(w, iss)["histories"]
    chunk = hist[start:start + size]
    last = start + size >= len(hist)
    base = f"{w.api}/issue/{iss.key}/changelog"
    out: dict[str, Any] = {"self": f"{base}?maxResults={size}&startAt={start}", "maxResults": size,
                           "startAt": start, "total": len(hist), "isLast": last, "values": chunk}
    if not last:
        out["nextPage"] = f"{base}?maxResults={size}&startAt={start + size}"
    return out


EDIT_OPS = {"labels": ["add", "set", "remove"], "fixVersions": ["set", "add", "remove"],
            "versions": ["set", "add", "remove"], "components": ["add", "set", "remove"],
            "description": ["set"], "summary": ["set"]}


@ops.op("issue.editmeta", "GET", f"{API}/issue/{{issueIdOrKey}}/editmeta", mutates=False)
def issue_editmeta(ctx: S, p: IssueRef) -> dict[str, Any]:
    """The fields an issue's edit screen has, with their operations and allowed values (priorities,
    issue types, versions, components): what issue.edit accepts."""
    iss = get_issue(ctx, p.issueIdOrKey)
    s = ctx.state
    w = view(ctx, p)
    by_id = {f[0]: f for f in FIELDS}
    out: dict[str, Any] = {}
    for fid in sorted(SETTABLE - {SPRINT_FIELD}):
        name, kind = (by_id[fid][1], by_id[fid][2]) if fid in by_id else \
            ({"fixVersions": "Fix versions", "versions": "Affects versions", "components": "Components"}[fid], "array")
        meta: dict[str, Any] = {"required": fid in ("summary", "issuetype", "reporter"), "schema": {
            "type": kind, "system": fid}, "name": name, "key": fid, "operations": EDIT_OPS.get(fid, ["set"])}
        if fid == "priority":
            meta["allowedValues"] = [render.priority(w, x) for x in s.priorities.values()]
        elif fid == "issuetype":
            meta["allowedValues"] = [render.issuetype(w, s.issue_types[t]) for t in s.projects[iss.project].issue_types
                                     if s.issue_types[t].subtask == s.issue_types[iss.issuetype].subtask]
        elif fid in ("fixVersions", "versions"):
            meta["schema"] = {"type": "array", "items": "version", "system": fid}
            meta["allowedValues"] = [render_more.version_ref(w, v) for v in s.versions.values()
                                     if v.project == iss.project and not v.archived]
        elif fid == "components":
            meta["schema"] = {"type": "array", "items": "component", "system": fid}
            meta["allowedValues"] = [render_more.component_ref(w, c) for c in s.components.values()
                                     if c.project == iss.project]
        elif fid in ("assignee", "reporter"):
            meta["autoCompleteUrl"] = f"{w.api}/user/search?query="
        out[fid] = meta
    return {"fields": out}


class BulkCreate(V, kw_only=True):
    issueUpdates: list[dict[str, Any]] = []


@ops.op("issue.bulkCreate", "POST", f"{API}/issue/bulk", status=201)
def issue_bulk_create(ctx: S, p: BulkCreate) -> Reply:
    """Create up to 50 issues at once: `issueUpdates: [{fields, update}, ...]` as for issue.create.
    Answers 201 {issues: [{id, key, self}], errors: [{failedElementNumber, status, elementErrors}]};
    400 when none could be created."""
    if not p.issueUpdates or len(p.issueUpdates) > 50:
        # Jira answers this 400 in the CreatedIssues shape too
        why = "Nothing to create: 'issueUpdates' is empty." if not p.issueUpdates else \
            "You can create at most 50 issues in one request."
        return Reply(400, {"issues": [], "errors": [{"status": 400, "failedElementNumber": 0,
                                                     "elementErrors": {"errorMessages": [why], "errors": {}}}]})
    made: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for n, item in enumerate(p.issueUpdates):
        body = item if isinstance(item, dict) else {}
        try:
            made.append(issue_create(ctx, CreateIssue(v=p.v, fields=body.get("fields") or {},
                                                      update=body.get("update") or {})))
        except JiraError as e:
            errors.append({"status": e.status, "elementErrors": e.body(), "failedElementNumber": n})
    return Reply(201 if made else 400, {"issues": made, "errors": errors})


# -- remote links ------------------------------------------------------------------------------------------

class RemoteLinks(IssueRef, kw_only=True):
    globalId: str | None = None


@ops.op("remotelink.list", "GET", f"{API}/issue/{{issueIdOrKey}}/remotelink", mutates=False)
def remotelink_list(ctx: S, p: RemoteLinks) -> list[dict[str, Any]]:
    """An issue's links to web pages and other systems (`globalId` picks one)."""
    iss = get_issue(ctx, p.issueIdOrKey)
    w = view(ctx, p)
    return [render_more.remote_link(w, iss, r) for r in iss.remote_links
            if p.globalId is None or r.global_id == p.globalId]


class RemoteLinkBody(IssueRef, kw_only=True):
    object: dict[str, Any] | None = None
    globalId: str | None = None
    relationship: str | None = None
    application: dict[str, Any] | None = None


def _fill(r: RemoteLink, p: RemoteLinkBody) -> None:
    obj = p.object or {}
    url, title = obj.get("url"), obj.get("title")
    errors = {}
    if not isinstance(url, str) or not url.strip():
        errors["url"] = "'url' is required."
    if not isinstance(title, str) or not title.strip():
        errors["title"] = "'title' is required."
    if errors:
        raise bad_request(**errors)
    r.url, r.title = str(url), str(title)
    r.summary = obj.get("summary") if isinstance(obj.get("summary"), str) else None
    r.icon = obj.get("icon") if isinstance(obj.get("icon"), dict) else None
    r.status = obj.get("status") if isinstance(obj.get("status"), dict) else None
    r.global_id = p.globalId
    r.relationship = p.relationship
    r.application = p.application if isinstance(p.application, dict) else None


@ops.op("remotelink.create", "POST", f"{API}/issue/{{issueIdOrKey}}/remotelink", status=201)
def remotelink_create(ctx: S, p: RemoteLinkBody) -> Reply:
    """Link an issue to a web page: `object: {url, title, summary?, icon?}`, optional `globalId` (a link
    with the same globalId is updated instead: 200), `relationship`, `application`. Answers {id, self}."""
    s = ctx.state
    iss = get_issue(ctx, p.issueIdOrKey)
    w = view(ctx, p)
    existing = next((r for r in iss.remote_links if p.globalId and r.global_id == p.globalId), None)
    r = existing or RemoteLink(id="", url="", title="")
    _fill(r, p)
    status = 200
    if existing is None:
        r.id = s.next_id("remotelink")
        iss.remote_links.append(r)
        status = 201
    iss.updated = ctx.env.now
    return Reply(status, {"id": int(r.id), "self": f"{w.api}/issue/{iss.key}/remotelink/{r.id}"})


class RemoteLinkRef(IssueRef, kw_only=True):
    linkId: str


def _remote(iss: Issue, lid: str) -> RemoteLink:
    r = next((r for r in iss.remote_links if r.id == lid), None)
    if r is None:
        raise JiraError(404, f"Remote link with id {lid} does not exist for issue {iss.key}.")
    return r


@ops.op("remotelink.get", "GET", f"{API}/issue/{{issueIdOrKey}}/remotelink/{{linkId}}", mutates=False)
def remotelink_get(ctx: S, p: RemoteLinkRef) -> dict[str, Any]:
    """One remote link of an issue."""
    iss = get_issue(ctx, p.issueIdOrKey)
    return render_more.remote_link(view(ctx, p), iss, _remote(iss, p.linkId))


class UpdateRemoteLink(RemoteLinkBody, kw_only=True):
    linkId: str


@ops.op("remotelink.update", "PUT", f"{API}/issue/{{issueIdOrKey}}/remotelink/{{linkId}}", status=204)
def remotelink_update(ctx: S, p: UpdateRemoteLink) -> None:
    """Replace a remote link (same body as remotelink.create). Answers 204."""
    iss = get_issue(ctx, p.issueIdOrKey)
    r = _remote(iss, p.linkId)
    draft = RemoteLink(id=r.id, url="", title="")
    _fill(draft, p)
    iss.remote_links = [draft if x.id == r.id else x for x in iss.remote_links]
    iss.updated = ctx.env.now


@ops.op("remotelink.delete", "DELETE", f"{API}/issue/{{issueIdOrKey}}/remotelink/{{linkId}}")
def remotelink_delete(ctx: S, p: RemoteLinkRef) -> None:
    """Remove a remote link. Answers 204."""
    iss = get_issue(ctx, p.issueIdOrKey)
    r = _remote(iss, p.linkId)
    iss.remote_links = [x for x in iss.remote_links if x.id != r.id]
    iss.updated = ctx.env.now


# -- votes -------------------------------------------------------------------------------------------------

@ops.op("votes.get", "GET", f"{API}/issue/{{issueIdOrKey}}/votes", mutates=False)
def votes_get(ctx: S, p: IssueRef) -> dict[str, Any]:
    """How many people voted for an issue, whether you did, and who."""
    iss = get_issue(ctx, p.issueIdOrKey)
    return render_more.votes(view(ctx, p), iss, ctx.actor)


@ops.op("votes.add", "POST", f"{API}/issue/{{issueIdOrKey}}/votes", status=204)
def votes_add(ctx: S, p: IssueRef) -> None:
    """Vote for an issue (not one you reported, nor a resolved one). Answers 204."""
    iss = get_issue(ctx, p.issueIdOrKey)
    if iss.reporter == ctx.actor:
        raise JiraError(404, "You cannot vote for an issue you have reported.")
    if iss.resolution is not None:
        raise JiraError(404, "You cannot vote for an issue that has been resolved.")
    if ctx.actor not in iss.votes:
        iss.votes.append(ctx.actor)


@ops.op("votes.remove", "DELETE", f"{API}/issue/{{issueIdOrKey}}/votes")
def votes_remove(ctx: S, p: IssueRef) -> None:
    """Take back your vote on an issue. Answers 204."""
    iss = get_issue(ctx, p.issueIdOrKey)
    if iss.reporter == ctx.actor:
        raise JiraError(404, "You cannot vote for an issue you have reported.")
    iss.votes = [a for a in iss.votes if a != ctx.actor]
