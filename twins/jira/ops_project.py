"""Projects' own things: project creation, versions (releases) and components."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import msgspec

from . import render_more
from .errors import JiraError, bad_request, forbidden
from .ops_common import API, S, V, can_browse, get_project, is_admin, ops, page_args, view
from .seed import DEFAULT_WORKFLOW
from .state import Board, Component, Project, Version

KEY = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
TEMPLATE_TYPES = {"software": "com.pyxis.greenhopper.jira:", "business": "com.atlassian.jira-core-project-templates:",
                  "service_desk": "com.atlassian.servicedesk:"}


class CreateProject(V, kw_only=True):
    key: str = ""
    name: str = ""
    projectTypeKey: str = ""
    projectTemplateKey: str = ""
    leadAccountId: str | None = None
    description: str = ""
    assigneeType: str = ""
    url: str = ""
    avatarId: int | None = None
    permissionScheme: int | None = None
    notificationScheme: int | None = None
    issueSecurityScheme: int | None = None
    categoryId: int | None = None
    workflowScheme: int | None = None


@ops.op("project.create", "POST", f"{API}/project", status=201)
def project_create(ctx: S, p: CreateProject) -> dict[str, Any]:
    """Create a project (site admins only): `key` (2-10 upper-case letters and digits, starting with a
    letter), `name`, `projectTypeKey` (software, business, service_desk), `leadAccountId`. A software
    project gets the simplified workflow and a scrum board. Answers {self, id, key}."""
    s = ctx.state
    if not is_admin(s, ctx.actor):
        raise forbidden("You must have global administrator rights in order to create a project.")
    errors: dict[str, str] = {}
    taken = next((x for x in s.projects.values() if x.key == p.key), None)
    if not KEY.match(p.key):
        errors["projectKey"] = ("Project keys must start with an uppercase letter, followed by one or more "
                                "uppercase alphanumeric characters.")
    elif taken is not None:
        errors["projectKey"] = f"Project '{taken.name}' uses this project key."
    if not p.name.strip():
        errors["projectName"] = "You must specify a valid project name."
    elif any(x.name.lower() == p.name.lower() for x in s.projects.values()):
        errors["projectName"] = "A project with that name already exists."
    if p.projectTypeKey not in TEMPLATE_TYPES and not p.projectTemplateKey:
        errors["projectTypeKey"] = "A project type key must be one of: software, business, service_desk."
    lead = p.leadAccountId or ctx.actor
    if lead not in s.users or not s.users[lead].active:
        errors["projectLead"] = "The project lead must be an active user."
    if errors:
        raise bad_request(**errors)
    ptype = p.projectTypeKey or "software"
    pid = s.next_id("project")
    s.projects[pid] = Project(id=pid, key=p.key, name=p.name, lead=lead, workflow=DEFAULT_WORKFLOW,
        issue_types=list(s.issue_types), description=p.description,
        project_type=ptype)
    if ptype == "software":
        bid = int(s.next_id("board", 1))
        s.boards[bid] = Board(id=bid, name=f"{p.key} board", type="scrum", project=pid)
    w = view(ctx, p)
    return {"self": f"{w.api}/project/{pid}", "id": int(pid), "key": p.key}


# -- versions ----------------------------------------------------------------------------------------------

def _date(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return _dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise bad_request(**{field: f"Invalid date format. Please enter the date in the format 'yyyy-MM-dd'. "
                                    f"({value})"}) from None


class ProjectRef(V, kw_only=True):
    projectIdOrKey: str


@ops.op("project.versions", "GET", f"{API}/project/{{projectIdOrKey}}/versions", mutates=False)
def project_versions(ctx: S, p: ProjectRef) -> list[dict[str, Any]]:
    """Every version (release) of a project, unpaginated."""
    proj = get_project(ctx, p.projectIdOrKey)
    w = view(ctx, p)
    return [render_more.version(w, v) for v in ctx.state.versions.values() if v.project == proj.id]


class VersionPage(ProjectRef, kw_only=True):
    startAt: int = 0
    maxResults: int = 50
    query: str = ""
    status: str = ""
    orderBy: str = ""


@ops.op("project.versionsPage", "GET", f"{API}/project/{{projectIdOrKey}}/version", mutates=False)
def project_versions_page(ctx: S, p: VersionPage) -> dict[str, Any]:
    """A project's versions page by page (PageBean); `query` matches name or description, `status` is
    released, unreleased or archived (comma-separated); `orderBy` name, releaseDate, startDate (- for desc)."""
    proj = get_project(ctx, p.projectIdOrKey)
    start, size = page_args(p.startAt, p.maxResults, 50, 50)
    q = p.query.lower()
    states = {x.strip().lower() for x in p.status.split(",") if x.strip()}

    def state_of(v: Version) -> str:
        return "archived" if v.archived else "released" if v.released else "unreleased"

    hits = [v for v in ctx.state.versions.values() if v.project == proj.id
            and (not q or q in v.name.lower() or q in v.description.lower())
            and (not states or state_of(v) in states)]
    key = p.orderBy.lstrip("+-")
    if key in ("name", "releaseDate", "startDate", "sequence"):
        attr = {"name": "name", "releaseDate": "release_date", "startDate": "start_date"}.get(key)
        if attr:
            hits.sort(key=lambda v: getattr(v, attr) or "", reverse=p.orderBy.startswith("-"))
    w = view(ctx, p)
    chunk = hits[start:start + size]
    last = start + size >= len(hits)
    base = f"{w.api}/project/{proj.key}/version"
    out: dict[str, Any] = {"self": f"{base}?startAt={start}&maxResults={size}", "maxResults": size,
                           "startAt": start, "total": len(hits), "isLast": last,
                           "values": [render_more.version(w, v) for v in chunk]}
    if not last:
        out["nextPage"] = f"{base}?startAt={start + size}&maxResults={size}"
    return out


class VersionBody(V, kw_only=True):
    name: str | None = None
    description: str | None = None
    releaseDate: str | None = None
    startDate: str | None = None
    released: bool | None = None
    archived: bool | None = None


class CreateVersion(VersionBody, kw_only=True):
    projectId: int | str | None = None
    project: str | None = None


def _version(ctx: S, vid: str) -> Version:
    s = ctx.state
    v = s.versions.get(vid)
    if v is None or not can_browse(s, ctx.actor, s.projects[v.project]):
        raise JiraError(404, f"Could not find version for id '{vid}'")
    return v


def _manage(ctx: S, proj: Project, what: str) -> None:
    if ctx.actor != proj.lead and not is_admin(ctx.state, ctx.actor):
        raise forbidden(f"You do not have permission to {what} in this project.")


def _apply_version(v: Version, p: VersionBody, others: list[Version]) -> None:
    if p.name is not None:
        if not p.name.strip():
            raise bad_request(name="You must specify a valid version name")
        if len(p.name) > 255:
            raise bad_request(name="The version name must not exceed 255 characters.")
        if any(o.name.lower() == p.name.lower() and o.id != v.id for o in others):
            raise bad_request(name="A version with this name already exists in this project.")
        v.name = p.name
    if p.description is not None:
        v.description = p.description
    if p.releaseDate is not None:
        v.release_date = _date(p.releaseDate, "releaseDate")
    if p.startDate is not None:
        v.start_date = _date(p.startDate, "startDate")
    if v.start_date and v.release_date and v.start_date > v.release_date:
        raise bad_request(startDate="The start date must be before the release date.")
    if p.released is not None:
        v.released = p.released
    if p.archived is not None:
        v.archived = p.archived


@ops.op("version.create", "POST", f"{API}/version", status=201)
def version_create(ctx: S, p: CreateVersion) -> dict[str, Any]:
    """Create a version in a project (`projectId` or `project` key): `name`, optional `description`,
    `startDate`/`releaseDate` (yyyy-MM-dd), `released`, `archived`. Project lead or admin."""
    s = ctx.state
    ref = p.projectId if p.projectId is not None else p.project
    if ref is None or str(ref) == "":
        raise bad_request(projectId="Project must be specified to create a version.")
    proj = get_project(ctx, str(ref))
    _manage(ctx, proj, "create versions")
    if p.name is None:
        raise bad_request(name="You must specify a valid version name")
    v = Version(id="", project=proj.id, name="")
    _apply_version(v, p, [x for x in s.versions.values() if x.project == proj.id])
    v.id = s.next_id("version")
    s.versions[v.id] = v
    return render_more.version(view(ctx, p), v)


class VersionRef(V, kw_only=True):
    id: str
    expand: str = ""


@ops.op("version.get", "GET", f"{API}/version/{{id}}", mutates=False)
def version_get(ctx: S, p: VersionRef) -> dict[str, Any]:
    """One version."""
    return render_more.version(view(ctx, p), _version(ctx, p.id))


class UpdateVersion(VersionBody, kw_only=True):
    id: str


@ops.op("version.update", "PUT", f"{API}/version/{{id}}")
def version_update(ctx: S, p: UpdateVersion) -> dict[str, Any]:
    """Change a version: name, description, dates, and `released: true` to release it (or `archived`)."""
    s = ctx.state
    v = _version(ctx, p.id)
    _manage(ctx, s.projects[v.project], "edit versions")
    draft = msgspec.structs.replace(v)
    _apply_version(draft, p, [x for x in s.versions.values() if x.project == v.project])
    s.versions[v.id] = draft
    return render_more.version(view(ctx, p), draft)


class DeleteVersion(V, kw_only=True):
    id: str
    moveFixIssuesTo: str | None = None
    moveAffectedIssuesTo: str | None = None


@ops.op("version.delete", "DELETE", f"{API}/version/{{id}}")
def version_delete(ctx: S, p: DeleteVersion) -> None:
    """Delete a version; its issues lose it, or move to `moveFixIssuesTo` / `moveAffectedIssuesTo`. 204."""
    s = ctx.state
    v = _version(ctx, p.id)
    _manage(ctx, s.projects[v.project], "delete versions")
    targets = {}
    for field, ref in (("fix_versions", p.moveFixIssuesTo), ("versions", p.moveAffectedIssuesTo)):
        if ref is not None:
            t = s.versions.get(ref)
            if t is None or t.project != v.project or t.id == v.id:
                raise bad_request(f"The version with id '{ref}' to move issues to is not valid.")
            targets[field] = t.id
    for i in s.issues.values():
        for field in ("fix_versions", "versions"):
            ids: list[str] = getattr(i, field)
            if v.id in ids:
                new = [x for x in ids if x != v.id]
                if field in targets and targets[field] not in new:
                    new.append(targets[field])
                setattr(i, field, new)
    del s.versions[v.id]


# -- components --------------------------------------------------------------------------------------------

@ops.op("project.components", "GET", f"{API}/project/{{projectIdOrKey}}/components", mutates=False)
def project_components(ctx: S, p: ProjectRef) -> list[dict[str, Any]]:
    """Every component of a project."""
    proj = get_project(ctx, p.projectIdOrKey)
    w = view(ctx, p)
    return [render_more.component(w, c) for c in ctx.state.components.values() if c.project == proj.id]


class ComponentBody(V, kw_only=True):
    name: str | None = None
    description: str | None = None
    leadAccountId: str | None = None
    assigneeType: str | None = None


class CreateComponent(ComponentBody, kw_only=True):
    project: str | None = None
    projectId: int | str | None = None


ASSIGNEE_TYPES = ("PROJECT_DEFAULT", "COMPONENT_LEAD", "PROJECT_LEAD", "UNASSIGNED")


def _apply_component(ctx: S, c: Component, p: ComponentBody) -> None:
    s = ctx.state
    if p.name is not None:
        if not p.name.strip():
            raise bad_request(name="The component name must not be empty.")
        if len(p.name) > 255:
            raise bad_request(name="The component name must not exceed 255 characters.")
        if any(o.name.lower() == p.name.lower() and o.project == c.project and o.id != c.id
               for o in s.components.values()):
            raise bad_request(name=f"A component with the name {p.name} already exists in this project.")
        c.name = p.name
    if p.description is not None:
        c.description = p.description
    if p.leadAccountId is not None:
        if p.leadAccountId not in s.users or not s.users[p.leadAccountId].active:
            raise bad_request(leadAccountId=f"The user with account ID '{p.leadAccountId}' does not exist.")
        c.lead = p.leadAccountId or None
    if p.assigneeType is not None:
        if p.assigneeType not in ASSIGNEE_TYPES:
            raise bad_request(assigneeType=f"Assignee type must be one of {', '.join(ASSIGNEE_TYPES)}.")
        c.assignee_type = p.assigneeType


def _component(ctx: S, cid: str) -> Component:
    s = ctx.state
    c = s.components.get(cid)
    if c is None or not can_browse(s, ctx.actor, s.projects[c.project]):
        raise JiraError(404, f"The component with id {cid} does not exist.")
    return c


@ops.op("component.create", "POST", f"{API}/component", status=201)
def component_create(ctx: S, p: CreateComponent) -> dict[str, Any]:
    """Create a component in a project (`project` key): `name`, optional `description`, `leadAccountId`,
    `assigneeType`. Project lead or admin."""
    s = ctx.state
    ref = p.project if p.project is not None else p.projectId
    if ref is None or str(ref) == "":
        raise bad_request(project="The project must be specified.")
    proj = get_project(ctx, str(ref))
    _manage(ctx, proj, "create components")
    if p.name is None:
        raise bad_request(name="The component name must not be empty.")
    c = Component(id="", project=proj.id, name="")
    _apply_component(ctx, c, p)
    c.id = s.next_id("component")
    s.components[c.id] = c
    return render_more.component(view(ctx, p), c)


class ComponentRef(V, kw_only=True):
    id: str


@ops.op("component.get", "GET", f"{API}/component/{{id}}", mutates=False)
def component_get(ctx: S, p: ComponentRef) -> dict[str, Any]:
    """One component."""
    return render_more.component(view(ctx, p), _component(ctx, p.id))


class UpdateComponent(ComponentBody, kw_only=True):
    id: str


@ops.op("component.update", "PUT", f"{API}/component/{{id}}")
def component_update(ctx: S, p: UpdateComponent) -> dict[str, Any]:
    """Change a component's name, description, lead or default assignee type."""
    s = ctx.state
    c = _component(ctx, p.id)
    _manage(ctx, s.projects[c.project], "edit components")
    draft = msgspec.structs.replace(c)
    _apply_component(ctx, draft, p)
    s.components[c.id] = draft
    return render_more.component(view(ctx, p), draft)


class DeleteComponent(V, kw_only=True):
    id: str
    moveIssuesTo: str | None = None


@ops.op("component.delete", "DELETE", f"{API}/component/{{id}}")
def component_delete(ctx: S, p: DeleteComponent) -> None:
    """Delete a component; its issues lose it (or move to `moveIssuesTo`). Answers 204."""
    s = ctx.state
    c = _component(ctx, p.id)
    _manage(ctx, s.projects[c.project], "delete components")
    target = None
    if p.moveIssuesTo is not None:
        t = s.components.get(p.moveIssuesTo)
        if t is None or t.project != c.project or t.id == c.id:
            raise bad_request(f"The component with id '{p.moveIssuesTo}' to move issues to is not valid.")
        target = t.id
    for i in s.issues.values():
        if c.id in i.components:
            i.components = [x for x in i.components if x != c.id]
            if target is not None and target not in i.components:
                i.components.append(target)
    del s.components[c.id]

