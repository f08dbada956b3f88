"""Jira metadata: server info, users, projects, issue types, priorities, statuses, fields, createmeta."""

from __future__ import annotations

from typing import Any

from ..core.memo import text_cache
from . import render
from .errors import JiraError
from .ops_common import API, S, V, can_browse, get_project, get_user, ops, page_args, view
from .render import ts
from .seed import RESOLUTIONS

# (id, name, type, clause names, navigable)
FIELDS = (
    ("summary", "Summary", "string", ("summary",)), ("description", "Description", "string", ("description",)),
    ("status", "Status", "status", ("status",)), ("assignee", "Assignee", "user", ("assignee",)),
    ("reporter", "Reporter", "user", ("reporter",)), ("creator", "Creator", "user", ("creator",)),
    ("priority", "Priority", "priority", ("priority",)), ("labels", "Labels", "array", ("labels",)),
    ("issuetype", "Issue Type", "issuetype", ("issuetype", "type")), ("project", "Project", "project", ("project",)),
    ("created", "Created", "datetime", ("created", "createdDate")),
    ("updated", "Updated", "datetime", ("updated", "updatedDate")),
    ("resolution", "Resolution", "resolution", ("resolution",)),
    ("resolutiondate", "Resolved", "datetime", ("resolved", "resolutiondate")),
    ("duedate", "Due date", "date", ("due", "duedate")), ("parent", "Parent", "issuelink", ("parent",)),
    ("comment", "Comment", "comments-page", ("comment",)), ("worklog", "Log Work", "array", ("worklog",)),
    ("attachment", "Attachment", "array", ("attachments",)), ("issuelinks", "Linked Issues", "array", ("issueLink",)),
    ("watches", "Watchers", "watches", ("watchers",)), ("subtasks", "Sub-tasks", "array", ("subtasks",)),
    ("issuekey", "Key", "string", ("id", "issue", "issuekey", "key")),
    ("statusCategory", "Status Category", "statusCategory", ("statusCategory",)),
    ("fixVersions", "Fix versions", "array", ("fixVersion",)),
    ("versions", "Affects versions", "array", ("affectedVersion",)),
    ("components", "Components", "array", ("component",)),
    ("votes", "Votes", "votes", ("votes",)),
    ("customfield_10020", "Sprint", "array", ("Sprint", "cf[10020]")),
)


@ops.op("serverInfo", "GET", f"{API}/serverInfo")
def server_info(ctx: S, p: V) -> dict[str, Any]:
    """Jira Cloud's server information (version, deployment type, server time)."""
    return {"baseUrl": ctx.env.base_url or ctx.state.site, "displayUrl": ctx.state.site,
            "version": "1001.0.0-SNAPSHOT", "versionNumbers": [1001, 0, 0], "deploymentType": "Cloud",
            "buildNumber": 100289, "buildDate": "2024-01-01T00:00:00.000+0000", "serverTime": ts(ctx.env.now),
            "scmInfo": "0d8a3c5a0e8d3f1e7f6d2c9b1a4e5f6a7b8c9d0e", "serverTitle": "Jira",
            "serverTimeZone": "Etc/UTC"}


@ops.op("myself", "GET", f"{API}/myself")
def myself(ctx: S, p: V) -> dict[str, Any]:
    """The user the credentials act as."""
    out = render.user(view(ctx, p), get_user(ctx.state, ctx.actor).account_id) or {}
    out["locale"] = "en_US"  # the User schema of /myself has it; UserDetails elsewhere does not
    out["groups"] = {"size": 1, "items": []}
    out["applicationRoles"] = {"size": 1, "items": []}
    return out


@ops.op("field.list", "GET", f"{API}/field")
def fields(ctx: S, p: V) -> list[dict[str, Any]]:
    """Every issue field: id, name, schema and the JQL clause names that reach it."""
    return [{"id": fid, "key": fid, "name": name, "custom": fid.startswith("customfield_"),
             "orderable": fid not in ("status", "created"), "navigable": fid not in ("comment", "worklog"),
             "searchable": True, "clauseNames": list(clauses),
             "schema": {"type": kind, "custom": "com.pyxis.greenhopper.jira:gh-sprint", "customId": 10020,
                        "items": "json"} if fid.startswith("customfield_") else {"type": kind, "system": fid}}
            for fid, name, kind, clauses in FIELDS]


class UserQuery(V, kw_only=True):
    query: str = ""
    accountId: str = ""
    startAt: int = 0
    maxResults: int = 50


def _users(ctx: S, p: UserQuery, active_only: bool) -> list[dict[str, Any]]:
    w = view(ctx, p)
    q = "" if p.query.strip() in ("*", ".") else p.query.lower()
    start, size = page_args(p.startAt, p.maxResults, 50, 1000)
    hits = [u for u in ctx.state.users.values()
            if (not active_only or u.active)
            and (not q or u.account_id == p.query or _found(q, u.email, u.display_name))
            and (not p.accountId or u.account_id == p.accountId)]
    return [render.user(w, u.account_id) or {} for u in hits[start:start + size]]


def _found(q: str, email: str, name: str) -> bool:
    """Whether a lower-case query starts the email, the display name or a word of it."""
    return email.lower().startswith(q) or any(x.startswith(q) for x in _name_prefixes(name))


@text_cache(1 << 12, 512)
def _name_prefixes(name: str) -> tuple[str, ...]:
    # The same seeded users are searched in every world: lower-case and split each name once.
    low = name.lower()
    return (*low.split(), low)


@ops.op("user.search", "GET", f"{API}/user/search")
def user_search(ctx: S, p: UserQuery) -> list[dict[str, Any]]:
    """Find active users whose display name or email starts with `query` (or by exact accountId)."""
    if not p.query and not p.accountId:
        raise JiraError(400, "The query parameter 'query' or 'accountId' is required.")
    return _users(ctx, p, True)


@ops.op("users.search", "GET", f"{API}/users/search")
def users_search(ctx: S, p: UserQuery) -> list[dict[str, Any]]:
    """List all users, active and inactive (check `active`)."""
    return _users(ctx, p, False)


class AssignableQuery(UserQuery, kw_only=True):
    project: str = ""
    issueKey: str = ""


@ops.op("user.assignable", "GET", f"{API}/user/assignable/search")
def user_assignable(ctx: S, p: AssignableQuery) -> list[dict[str, Any]]:
    """Users who can be assigned issues in a project (`project`) or on an issue (`issueKey`)."""
    s = ctx.state
    ref = p.project or p.issueKey.rpartition("-")[0]
    if not ref:
        raise JiraError(400, "The project or issue key must be specified.")
    proj = get_project(ctx, ref)
    return [u for u in _users(ctx, p, True) if can_browse(s, u["accountId"], proj)]


class AccountQuery(V, kw_only=True):
    accountId: str = ""


@ops.op("user.get", "GET", f"{API}/user")
def user_get(ctx: S, p: AccountQuery) -> dict[str, Any]:
    """A user by accountId."""
    if not p.accountId:
        raise JiraError(400, "The query parameter 'accountId' is required.")
    return render.user(view(ctx, p), get_user(ctx.state, p.accountId).account_id) or {}


class ProjectList(V, kw_only=True):
    expand: str = ""


@ops.op("project.list", "GET", f"{API}/project")
def project_list(ctx: S, p: ProjectList) -> list[dict[str, Any]]:
    """Every project the user may browse."""
    w = view(ctx, p)
    s = ctx.state
    return [render.project(w, x, "issueTypes" in p.expand or "lead" in p.expand)
            for x in s.projects.values() if can_browse(s, ctx.actor, x) and not x.archived]


class ProjectSearch(V, kw_only=True):
    query: str = ""
    startAt: int = 0
    maxResults: int = 50
    expand: str = ""


@ops.op("project.search", "GET", f"{API}/project/search")
def project_search(ctx: S, p: ProjectSearch) -> dict[str, Any]:
    """Projects page by page (PageBean), filtered by `query` on key or name."""
    w = view(ctx, p)
    s = ctx.state
    start, size = page_args(p.startAt, p.maxResults, 50, 100)
    q = p.query.lower()
    hits = [x for x in s.projects.values() if can_browse(s, ctx.actor, x) and not x.archived
            and (not q or q in x.key.lower() or q in x.name.lower())]
    chunk = hits[start:start + size]
    last = start + size >= len(hits)
    out: dict[str, Any] = {"self": f"{w.api}/project/search?startAt={start}&maxResults={size}",
                           "maxResults": size, "startAt": start, "total": len(hits), "isLast": last,
                           "values": [render.project(w, x, bool(p.expand)) for x in chunk]}
    if not last:
        out["nextPage"] = f"{w.api}/project/search?startAt={start + size}&maxResults={size}"
    return out


class ProjectRef(V, kw_only=True):
    projectIdOrKey: str
    expand: str = ""


@ops.op("project.get", "GET", f"{API}/project/{{projectIdOrKey}}")
def project_get(ctx: S, p: ProjectRef) -> dict[str, Any]:
    """A project by id or key, with its lead and issue types."""
    return render.project(view(ctx, p), get_project(ctx, p.projectIdOrKey), True)


@ops.op("issuetype.list", "GET", f"{API}/issuetype")
def issuetype_list(ctx: S, p: V) -> list[dict[str, Any]]:
    """Every issue type."""
    w = view(ctx, p)
    return [render.issuetype(w, t) for t in ctx.state.issue_types.values()]


class TypeRef(V, kw_only=True):
    id: str


@ops.op("issuetype.get", "GET", f"{API}/issuetype/{{id}}")
def issuetype_get(ctx: S, p: TypeRef) -> dict[str, Any]:
    """An issue type by id."""
    t = ctx.state.issue_types.get(p.id)
    if t is None:
        raise JiraError(404, f"The issue type with id '{p.id}' does not exist.")
    return dict(render.issuetype(view(ctx, p), t))  # a whole answer is the caller's: never the shared shape


@ops.op("priority.list", "GET", f"{API}/priority")
def priority_list(ctx: S, p: V) -> list[dict[str, Any]]:
    """Every priority, highest first."""
    w = view(ctx, p)
    return [render.priority(w, x) for x in sorted(ctx.state.priorities.values(), key=lambda x: x.rank)]


@ops.op("status.list", "GET", f"{API}/status")
def status_list(ctx: S, p: V) -> list[dict[str, Any]]:
    """Every status, with its status category."""
    w = view(ctx, p)
    return [render.status(w, x) for x in ctx.state.statuses.values()]


@ops.op("resolution.list", "GET", f"{API}/resolution")
def resolution_list(ctx: S, p: V) -> list[dict[str, Any]]:
    """Every resolution (Done, Won't Do, Duplicate, Cannot Reproduce)."""
    w = view(ctx, p)
    return [render.resolution(w, name) or {} for name in RESOLUTIONS]


class MetaQuery(V, kw_only=True):
    projectIdOrKey: str
    startAt: int = 0
    maxResults: int = 50


@ops.op("createmeta.issuetypes", "GET", f"{API}/issue/createmeta/{{projectIdOrKey}}/issuetypes")
def createmeta_issuetypes(ctx: S, p: MetaQuery) -> dict[str, Any]:
    """The issue types one can create in a project."""
    w = view(ctx, p)
    proj = get_project(ctx, p.projectIdOrKey)
    start, size = page_args(p.startAt, p.maxResults)
    types = [render.issuetype(w, ctx.state.issue_types[t]) for t in proj.issue_types]
    return {"issueTypes": types[start:start + size], "maxResults": size, "startAt": start, "total": len(types)}


class MetaFields(MetaQuery, kw_only=True):
    issueTypeId: str


@ops.op("createmeta.fields", "GET", f"{API}/issue/createmeta/{{projectIdOrKey}}/issuetypes/{{issueTypeId}}")
def createmeta_fields(ctx: S, p: MetaFields) -> dict[str, Any]:
    """The fields of the create screen for a project and issue type (required ones marked)."""
    proj = get_project(ctx, p.projectIdOrKey)
    if p.issueTypeId not in proj.issue_types:
        raise JiraError(404, f"Issue type with id '{p.issueTypeId}' is not available in project '{proj.key}'.")
    names = ("project", "issuetype", "summary", "description", "priority", "assignee", "reporter", "labels",
             "duedate", "parent")
    required = {"project", "issuetype", "summary"} | ({"parent"} if ctx.state.issue_types[p.issueTypeId].subtask
                                                      else set())
    by_id = {f[0]: f for f in FIELDS}
    out = [{"fieldId": n, "key": n, "name": by_id[n][1], "required": n in required, "hasDefaultValue": n == "priority",
            "operations": ["set"] if n != "labels" else ["add", "set", "remove"],
            "schema": {"type": by_id[n][2], "system": n}} for n in names]
    start, size = page_args(p.startAt, p.maxResults)
    return {"fields": out[start:start + size], "maxResults": size, "startAt": start, "total": len(out)}
