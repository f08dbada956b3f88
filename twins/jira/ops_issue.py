"""Issues: create, get, edit, delete, assign, and workflow transitions."""

from __future__ import annotations

from typing import Any

import msgspec

from . import render
from .errors import bad_request, forbidden
from .fields import SETTABLE, Editor, ref_of
from .ops_common import (
    API,
    IssueRef,
    S,
    V,
    available,
    find_project,
    get_issue,
    is_admin,
    ops,
    view,
)
from .render import View
from .state import Issue, Transition


class CreateIssue(V, kw_only=True):
    fields: dict[str, Any] = {}
    update: dict[str, Any] = {}


@ops.op("issue.create", "POST", f"{API}/issue", status=201)
def issue_create(ctx: S, p: CreateIssue) -> dict[str, Any]:
    """Create an issue. `fields` needs project ({"key"}), issuetype ({"name"} or {"id"}) and summary;
    description is a string in v2 and an Atlassian Document in v3. Answers {id, key, self}."""
    s = ctx.state
    w = view(ctx, p)
    f = p.fields if isinstance(p.fields, dict) else {}
    errors: dict[str, str] = {}
    proj = find_project(ctx, f.get("project"))
    if proj is None or proj.archived:
        errors["project"] = "Specify a valid project ID or key"
    ident, name = ref_of(f.get("issuetype"))
    itype = None
    if proj is not None:
        itype = next((s.issue_types[t] for t in proj.issue_types
                      if t == ident or (name and s.issue_types[t].name.lower() == name.lower())), None)
    if itype is None:
        errors["issuetype"] = "Specify an issue type" if f.get("issuetype") is None else \
            "Specify a valid issue type"
    if not isinstance(f.get("summary"), str) or not f["summary"].strip():
        errors["summary"] = "You must specify a summary of the issue."
    if errors or proj is None or itype is None:
        raise bad_request(**errors)
    if itype.subtask and not f.get("parent"):
        raise bad_request(parent="Issue type is a sub-task but parent issue key or id not specified.")
    now = ctx.env.now
    wf = s.workflows[proj.workflow]
    iss = Issue(id="", key="", project=proj.id, issuetype=itype.id, summary="", status=wf.statuses[0],
                priority=s.default_priority, reporter=ctx.actor, creator=ctx.actor, created=now, updated=now,
                status_changed=now)
    ed = Editor(ctx, w, iss, proj)
    rest = {k: v for k, v in f.items() if k not in ("project", "issuetype")}
    ed.apply(rest, p.update if isinstance(p.update, dict) else {})
    iss.id = s.next_id("issue")
    iss.key = f"{proj.key}-{proj.next_num}"
    proj.next_num += 1
    ed.changes = []
    ed.commit(now)
    s.issues[iss.id] = iss
    s.keys[iss.key] = iss.id
    return {"id": iss.id, "key": iss.key, "self": f"{w.api}/issue/{iss.id}"}


class GetIssue(IssueRef, kw_only=True):
    fields: str | list[str] | None = None
    expand: str = ""


def transition_json(w: View, t: Transition, fields: bool = False) -> dict[str, Any]:
    out = {"id": t.id, "name": t.name, "to": render.status(w, w.s.statuses[t.to]), "hasScreen": False,
           "isGlobal": not t.sources, "isInitial": False, "isAvailable": True, "isConditional": False,
           "isLooped": False}
    if fields:
        out["fields"] = {}
    return out


@ops.op("issue.get", "GET", f"{API}/issue/{{issueIdOrKey}}")
def issue_get(ctx: S, p: GetIssue) -> dict[str, Any]:
    """An issue by key or id. `fields` picks fields (`*all`, `*navigable`, `summary,status`, `-comment`);
    `expand` may ask for renderedFields, names, changelog, transitions."""
    iss = get_issue(ctx, p.issueIdOrKey)
    w = view(ctx, p)
    trans = [transition_json(w, t) for t in available(ctx.state, iss)] if "transitions" in p.expand else None
    return render.issue(w, iss, ctx.actor, p.fields, p.expand, "*all", trans)


class EditIssue(IssueRef, kw_only=True):
    fields: dict[str, Any] = {}
    update: dict[str, Any] = {}
    notifyUsers: bool = True
    returnIssue: bool = False


@ops.op("issue.edit", "PUT", f"{API}/issue/{{issueIdOrKey}}")
def issue_edit(ctx: S, p: EditIssue) -> Any:
    """Edit an issue's fields (summary, description, priority, assignee, labels, duedate, parent, issuetype)
    with `fields` (set) or `update` (`{"labels": [{"add": "x"}]}`, `{"comment": [{"add": {"body": ...}}]}`).
    Status changes go through transitions. Answers 204."""
    iss = get_issue(ctx, p.issueIdOrKey)
    s = ctx.state
    w = view(ctx, p)
    draft = msgspec.structs.replace(iss, labels=list(iss.labels), comments=list(iss.comments),
                                    changelog=list(iss.changelog))
    ed = Editor(ctx, w, draft, s.projects[iss.project])
    ed.apply(p.fields, p.update, SETTABLE)
    ed.commit(ctx.env.now)
    s.issues[iss.id] = draft
    if p.returnIssue:
        return render.issue(w, draft, ctx.actor)
    return None


class DeleteIssue(IssueRef, kw_only=True):
    deleteSubtasks: str = "false"


@ops.op("issue.delete", "DELETE", f"{API}/issue/{{issueIdOrKey}}")
def issue_delete(ctx: S, p: DeleteIssue) -> None:
    """Delete an issue (project lead or site admin only). With subtasks, needs deleteSubtasks=true."""
    s = ctx.state
    iss = get_issue(ctx, p.issueIdOrKey)
    proj = s.projects[iss.project]
    if ctx.actor != proj.lead and not is_admin(s, ctx.actor):
        raise forbidden("You do not have permission to delete issues in this project.")
    subs = [x for x in s.issues.values() if x.parent == iss.id]
    if subs and p.deleteSubtasks.lower() != "true":
        raise bad_request(f"The issue '{iss.key}' has subtasks and the 'deleteSubtasks' parameter is not set "
                          "to 'true'.")
    for x in [*subs, iss]:
        del s.issues[x.id]
        s.keys = {k: v for k, v in s.keys.items() if v != x.id}
        for lid in [lid for lid, link in s.links.items() if x.id in (link.inward, link.outward)]:
            del s.links[lid]
        for aid in x.attachments:
            s.attachments.pop(aid, None)


class Assign(IssueRef, kw_only=True):
    accountId: str | None = None


@ops.op("issue.assign", "PUT", f"{API}/issue/{{issueIdOrKey}}/assignee")
def issue_assign(ctx: S, p: Assign) -> None:
    """Assign an issue to a user by accountId; null unassigns, "-1" picks the project's default. Answers 204."""
    iss = get_issue(ctx, p.issueIdOrKey)
    ed = Editor(ctx, view(ctx, p), iss, ctx.state.projects[iss.project])
    ed.set_field("assignee", {"accountId": p.accountId})
    ed.fail()
    ed.commit(ctx.env.now)


class Transitions(IssueRef, kw_only=True):
    transitionId: str = ""
    expand: str = ""


@ops.op("issue.transitions", "GET", f"{API}/issue/{{issueIdOrKey}}/transitions")
def issue_transitions(ctx: S, p: Transitions) -> dict[str, Any]:
    """The workflow transitions available from the issue's current status (id, name, target status)."""
    iss = get_issue(ctx, p.issueIdOrKey)
    w = view(ctx, p)
    trs = [t for t in available(ctx.state, iss) if not p.transitionId or t.id == p.transitionId]
    return {"expand": "transitions",
            "transitions": [transition_json(w, t, "transitions.fields" in p.expand) for t in trs]}


class DoTransition(IssueRef, kw_only=True):
    transition: dict[str, Any] | None = None
    fields: dict[str, Any] = {}
    update: dict[str, Any] = {}


@ops.op("issue.transition", "POST", f"{API}/issue/{{issueIdOrKey}}/transitions", status=204)
def issue_transition(ctx: S, p: DoTransition) -> None:
    """Move an issue along its workflow: `transition: {"id": "21"}` (ids from issue.transitions). Optional
    `fields` (e.g. resolution, assignee) and `update.comment`. Answers 204."""
    s = ctx.state
    iss = get_issue(ctx, p.issueIdOrKey)
    t = p.transition or {}
    tid = t.get("id")
    tname = t.get("name")
    if tid is None and not tname:
        raise bad_request("Missing 'transition' identifier")
    options = available(s, iss)
    chosen = next((x for x in options if (tid is not None and x.id == str(tid))
                   or (tid is None and isinstance(tname, str) and x.name.lower() == tname.lower())), None)
    if chosen is None:
        raise bad_request(f"Transition id '{tid if tid is not None else tname}' is not valid for this issue.")
    now = ctx.env.now
    w = view(ctx, p)
    proj = s.projects[iss.project]
    draft = msgspec.structs.replace(iss, labels=list(iss.labels), comments=list(iss.comments),
                                    changelog=list(iss.changelog))
    ed = Editor(ctx, w, draft, proj)
    ed.apply(p.fields, p.update, SETTABLE | {"resolution"})
    old, new = s.statuses[iss.status], s.statuses[chosen.to]
    ed.change("status", old.name, new.name, old.id, new.id)
    draft.status = new.id
    draft.status_changed = now
    if new.category == "done":
        if draft.resolution is None:
            draft.resolution = "Done"
            ed.change("resolution", None, "Done")
        draft.resolved = now
    elif old.category == "done" or draft.resolution is not None:
        ed.change("resolution", draft.resolution, None)
        draft.resolution = None
        draft.resolved = None
    ed.commit(now)
    s.issues[iss.id] = draft
