"""Apps: list, get, activate/deactivate, and their user and group assignments."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Reply
from .common import S, admin, base, get_app, get_group, get_user, new_id, ops, page_after, paged
from .errors import OktaError, found, not_found, validation
from .query import compile_expr
from .shape import app_json, app_user_json, group_assignment_json
from .state import App, AppGroup, AppUser, OktaState
from .syslog import app_target, emit, group_target, user_target

APPS = "/api/v1/apps"
APP = "/api/v1/apps/{appId}"
FILTERABLE: dict[str, tuple[str, ...]] = {
    "status": ("eq",), "name": ("eq",), "user.id": ("eq",), "group.id": ("eq",), "id": ("eq",),
}


def record(s: OktaState, a: App, user_id: str | None, group_id: str | None) -> dict[str, Any]:
    """What an apps filter sees; `user.id` and `group.id` match assignments (direct or via group)."""
    rec: dict[str, Any] = {"id": a.id, "status": a.status, "name": a.name, "label": a.label}
    if user_id is not None:
        via_group = any(user_id in s.groups[g].members for g in a.groups if g in s.groups)
        rec["user"] = {"id": user_id if user_id in a.users or via_group else None}
    if group_id is not None:
        rec["group"] = {"id": group_id if group_id in a.groups else None}
    return rec


def _ids_in(expr: str, attr: str) -> str | None:
    marker = f'{attr} eq "'
    i = expr.find(marker)
    if i < 0:
        return None
    j = expr.find('"', i + len(marker))
    return expr[i + len(marker):j] if j > 0 else None


class ListApps(msgspec.Struct, rename="camel"):
    q: str = ""
    filter: str = ""
    limit: int | None = None
    after: str = ""
    expand: str = ""
    use_optimization: bool | str | None = None
    include_non_deleted: bool | str | None = None


@ops.op("list_applications", "GET", APPS)
def list_applications(ctx: S, p: ListApps) -> Any:
    """List apps. `q` matches the start of an app's label or name; `filter` takes `status eq "ACTIVE"`,
    `name eq "..."`, `user.id eq "00u..."` (apps a user has) or `group.id eq "00g..."`."""
    s = admin(ctx)
    apps = list(s.apps.values())
    if p.filter:
        pred = compile_expr(p.filter, FILTERABLE)
        uid, gid = _ids_in(p.filter, "user.id"), _ids_in(p.filter, "group.id")
        apps = [a for a in apps if pred(record(s, a, uid, gid))]
    if p.q:
        needle = p.q.lower()
        apps = [a for a in apps if a.label.lower().startswith(needle) or a.name.lower().startswith(needle)]
    chunk, nxt = page_after(apps, p.after, p.limit, lambda a: a.id, 20)
    root = base(ctx)
    query = {"q": p.q, "filter": p.filter, "limit": p.limit, "after": p.after}
    return paged(ctx, APPS, query, [app_json(a, root) for a in chunk], nxt)


SIGN_ON_MODES = ("AUTO_LOGIN", "BASIC_AUTH", "BOOKMARK", "BROWSER_PLUGIN", "OPENID_CONNECT", "SAML_1_1",
                 "SAML_2_0", "SECURE_PASSWORD_STORE", "WS_FEDERATION")


class CreateApp(msgspec.Struct, rename="camel"):
    label: str = ""
    name: str = ""
    sign_on_mode: str = ""
    settings: dict[str, Any] | None = None
    activate: bool | str | None = None
    visibility: dict[str, Any] | None = None
    accessibility: dict[str, Any] | None = None
    credentials: dict[str, Any] | None = None
    features: list[Any] = []


@ops.op("create_application", "POST", APPS)
def create_application(ctx: S, p: CreateApp) -> Any:
    """Create an app: `label`, `signOnMode` (BOOKMARK needs `settings.app.url`; SAML_2_0,
    AUTO_LOGIN, OPENID_CONNECT, ...), optional `name` (a catalog app's name; custom apps get one
    made from the org and label). ACTIVE unless `activate=false`."""
    s = admin(ctx)
    causes = []
    if not p.label.strip():
        causes.append("label: The field cannot be left blank")
    if p.sign_on_mode not in SIGN_ON_MODES:
        causes.append(f"signOnMode: Must be one of {', '.join(SIGN_ON_MODES)}")
    url = str(((p.settings or {}).get("app") or {}).get("url") or "")
    if p.sign_on_mode == "BOOKMARK" and not url:
        causes.append("url: The field cannot be left blank")
    if causes:
        raise validation(*causes, field=causes[0].split(":")[0])
    name = p.name
    if p.sign_on_mode == "BOOKMARK":
        name = "bookmark"
    elif not name:
        slug = "".join(ch if ch.isalnum() else "" for ch in p.label.lower()) or "app"
        taken = {a.name for a in s.apps.values()}
        n = 1
        while f"{s.org}_{slug}_{n}" in taken:
            n += 1
        name = f"{s.org}_{slug}_{n}"
    now = ctx.env.iso()
    active = str(p.activate).lower() != "false"
    a = App(id=new_id(ctx, "0oa"), name=name, label=p.label.strip(), created=now, last_updated=now,
            status="ACTIVE" if active else "INACTIVE", sign_on_mode=p.sign_on_mode, url=url)
    s.apps[a.id] = a
    emit(ctx, "application.lifecycle.create", "Create application", [app_target(a)])
    if active:
        emit(ctx, "application.lifecycle.activate", "Activate application", [app_target(a)])
    return app_json(a, base(ctx))


class AppRef(msgspec.Struct, rename="camel"):
    app_id: str
    q: str = ""
    limit: int | None = None
    after: str = ""
    expand: str = ""


@ops.op("get_application", "GET", APP)
def get_application(ctx: S, p: AppRef) -> Any:
    """Get an app by id."""
    s = admin(ctx)
    return app_json(get_app(s, p.app_id), base(ctx))


@ops.op("activate_application", "POST", APP + "/lifecycle/activate")
def activate_application(ctx: S, p: AppRef) -> Any:
    """Activate an INACTIVE app."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    a.status = "ACTIVE"
    a.last_updated = ctx.env.iso()
    emit(ctx, "application.lifecycle.activate", "Activate application", [app_target(a)])
    return Reply(200, None)  # Okta's spec and docs: 200, no content


@ops.op("deactivate_application", "POST", APP + "/lifecycle/deactivate")
def deactivate_application(ctx: S, p: AppRef) -> Any:
    """Deactivate an app: it leaves every user's dashboard; assignments are kept."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    a.status = "INACTIVE"
    a.last_updated = ctx.env.iso()
    emit(ctx, "application.lifecycle.deactivate", "Deactivate application", [app_target(a)])
    return Reply(200, None)  # Okta's spec and docs: 200, no content


# -- user assignments -------------------------------------------------------------------------------

def effective_users(s: OktaState, a: App) -> list[tuple[AppUser, str | None]]:
    """Everyone who has the app: direct assignments (scope USER), then members of assigned groups
    (scope GROUP), each once."""
    out: list[tuple[AppUser, str | None]] = [(au, None) for au in a.users.values() if au.id in s.users]
    seen = set(a.users)
    for gid, ag in a.groups.items():
        g = s.groups.get(gid)
        if g is None:
            continue
        for uid in g.members:
            if uid in seen or uid not in s.users:
                continue
            seen.add(uid)
            u = s.users[uid]
            out.append((AppUser(id=uid, created=ag.last_updated, last_updated=ag.last_updated, scope="GROUP",
                                user_name=str(u.profile.get("login", ""))), gid))
    return out


@ops.op("list_application_users", "GET", APP + "/users")
def list_application_users(ctx: S, p: AppRef) -> Any:
    """The users an app is assigned to, directly (scope USER) or through a group (scope GROUP).
    `q` matches the start of a user's login, first or last name, or email."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    rows = effective_users(s, a)
    if p.q:
        needle = p.q.lower()
        rows = [(au, g) for au, g in rows if au.user_name.lower().startswith(needle) or any(
            str(s.users[au.id].profile.get(k) or "").lower().startswith(needle)
            for k in ("firstName", "lastName", "email"))]
    chunk, nxt = page_after(rows, p.after, p.limit, lambda r: r[0].id, 50)
    root = base(ctx)
    return paged(ctx, f"/api/v1/apps/{a.id}/users", {"q": p.q, "limit": p.limit, "after": p.after},
                 [app_user_json(a, au, root, g) for au, g in chunk], nxt)


class AssignUser(msgspec.Struct, rename="camel"):
    app_id: str
    id: str = ""
    scope: str = "USER"
    credentials: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None


@ops.op("assign_user_to_application", "POST", APP + "/users")
def assign_user_to_application(ctx: S, p: AssignUser) -> Any:
    """Assign a user (body `id`) to an app, with optional `credentials.userName` and app `profile`."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    if not p.id:
        raise validation("id: The field cannot be left blank", field="id")
    u = get_user(ctx, p.id)
    if u.status == "DEPROVISIONED":
        raise validation("Cannot assign an app to a deactivated user", field="id")
    now = ctx.env.iso()
    au = a.users.get(u.id)
    user_name = (p.credentials or {}).get("userName") or str(u.profile.get("login", ""))
    if au is None:
        au = a.users[u.id] = AppUser(id=u.id, created=now, last_updated=now, user_name=str(user_name))
        emit(ctx, "application.user_membership.add", "Add user to application membership",
             [user_target(u), app_target(a)])
    else:
        au.user_name = str(user_name)
        au.last_updated = now
    if p.profile:
        au.profile = {**au.profile, **p.profile}
    return app_user_json(a, au, base(ctx))


class AppUserRef(msgspec.Struct, rename="camel"):
    app_id: str
    user_id: str
    send_email: bool | str | None = None
    expand: str = ""
    credentials: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None


@ops.op("get_application_user", "GET", APP + "/users/{userId}")
def get_application_user(ctx: S, p: AppUserRef) -> Any:
    """A user's assignment to an app (direct or through a group)."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    for au, g in effective_users(s, a):
        if au.id == p.user_id:
            return app_user_json(a, au, base(ctx), g)
    raise not_found("AppUser", p.user_id)


@ops.op("update_application_user", "POST", APP + "/users/{userId}")
def update_application_user(ctx: S, p: AppUserRef) -> Any:
    """Update a direct assignment's `credentials.userName` or app `profile`."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    au = found(a.users, p.user_id, "AppUser")
    if p.credentials and p.credentials.get("userName"):
        au.user_name = str(p.credentials["userName"])
    if p.profile:
        au.profile = {**au.profile, **p.profile}
    au.last_updated = ctx.env.iso()
    u = s.users.get(au.id)
    if u is not None:
        emit(ctx, "application.user_membership.update", "Update user's application membership",
             [user_target(u), app_target(a)])
    return app_user_json(a, au, base(ctx))


@ops.op("unassign_user_from_application", "DELETE", APP + "/users/{userId}")
def unassign_user_from_application(ctx: S, p: AppUserRef) -> None:
    """Remove a user's direct assignment to an app. A user who has the app through a group keeps it
    until they leave the group or the group is unassigned."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    if p.user_id in a.users:
        del a.users[p.user_id]
        u = s.users.get(p.user_id)
        if u is not None:
            emit(ctx, "application.user_membership.remove", "Remove user from application membership",
                 [user_target(u), app_target(a)])
        return None
    if any(au.id == p.user_id for au, _ in effective_users(s, a)):
        raise OktaError("E0000001", "Api validation failed: user", status=400,
                        causes=["The user is assigned to this app through a group; "
                                "remove the group assignment or the group membership instead"])
    raise not_found("AppUser", p.user_id)


# -- group assignments ------------------------------------------------------------------------------

@ops.op("list_application_group_assignments", "GET", APP + "/groups")
def list_application_group_assignments(ctx: S, p: AppRef) -> Any:
    """The groups an app is assigned to, by priority."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    rows = sorted(a.groups.values(), key=lambda ag: ag.priority)
    if p.q:
        rows = [ag for ag in rows if ag.id in s.groups and s.groups[ag.id].name.lower().startswith(p.q.lower())]
    chunk, nxt = page_after(rows, p.after, p.limit, lambda ag: ag.id, 20)
    root = base(ctx)
    return paged(ctx, f"/api/v1/apps/{a.id}/groups", {"q": p.q, "limit": p.limit, "after": p.after},
                 [group_assignment_json(a, ag, root) for ag in chunk], nxt)


class AppGroupRef(msgspec.Struct, rename="camel"):
    app_id: str
    group_id: str
    priority: int | None = None
    profile: dict[str, Any] | None = None
    expand: str = ""


@ops.op("get_application_group_assignment", "GET", APP + "/groups/{groupId}")
def get_application_group_assignment(ctx: S, p: AppGroupRef) -> Any:
    """A group's assignment to an app."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    ag = found(a.groups, p.group_id, "ApplicationGroupAssignment")
    return group_assignment_json(a, ag, base(ctx))


@ops.op("assign_group_to_application", "PUT", APP + "/groups/{groupId}")
def assign_group_to_application(ctx: S, p: AppGroupRef) -> Any:
    """Assign a group to an app: all its members get the app. Optional `priority` and `profile`."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    g = get_group(s, p.group_id)
    now = ctx.env.iso()
    ag = a.groups.get(g.id)
    if ag is None:
        ag = a.groups[g.id] = AppGroup(id=g.id, last_updated=now, priority=len(a.groups))
        emit(ctx, "group.application_assignment.add", "Add assigned application to group",
             [app_target(a), group_target(g)])
    if p.priority is not None:
        ag.priority = p.priority
    if p.profile:
        ag.profile = {**ag.profile, **p.profile}
    ag.last_updated = now
    return group_assignment_json(a, ag, base(ctx))


@ops.op("unassign_application_from_group", "DELETE", APP + "/groups/{groupId}")
def unassign_application_from_group(ctx: S, p: AppGroupRef) -> None:
    """Remove a group's assignment to an app; members keep only their direct assignments."""
    s = admin(ctx)
    a = get_app(s, p.app_id)
    if a.groups.pop(p.group_id, None) is None:
        raise not_found("ApplicationGroupAssignment", p.group_id)
    g = s.groups.get(p.group_id)
    if g is not None:
        emit(ctx, "group.application_assignment.remove", "Remove assigned application from group",
             [app_target(a), group_target(g)])
    return None
