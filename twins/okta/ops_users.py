"""Users: list and search, create, get, update, replace, delete, their groups and app links."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from .common import S, admin, base, find_user, get_user, new_id, ops, page_after, paged, read_user
from .errors import validation
from .query import compile_expr, lookup
from .rules import apply_rules
from .shape import app_link_json, group_json, user_json
from .state import OktaState, User
from .syslog import emit, group_target, user_target

USERS = "/api/v1/users"
USER = "/api/v1/users/{id}"
REQUIRED = ("login", "email", "firstName", "lastName")
FILTERABLE: dict[str, tuple[str, ...]] = {
    "status": ("eq",), "id": ("eq",), "profile.login": ("eq",), "profile.email": ("eq",),
    "profile.firstName": ("eq",), "profile.lastName": ("eq",),
    "lastUpdated": ("eq", "gt", "ge", "lt", "le"),
}
LIVE = ("ACTIVE", "PASSWORD_EXPIRED", "RECOVERY", "LOCKED_OUT")


def truthy(value: bool | str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return value.strip().lower() in ("true", "1", "yes")


def record(u: User) -> dict[str, Any]:
    """What filter and search expressions see of a user."""
    return {"id": u.id, "status": u.status, "created": u.created, "activated": u.activated,
            "statusChanged": u.status_changed, "lastUpdated": u.last_updated, "lastLogin": u.last_login,
            "passwordChanged": u.password_changed, "type": {"id": u.type_id}, "profile": u.profile}


def digest(password: str) -> str:
    """What the state keeps of a password set through the API (never the password itself)."""
    return hashlib.blake2b(password.encode(), digest_size=16).hexdigest()


def changed(ctx: S, u: User, profile: dict[str, Any] | None, creds: dict[str, Any] | None) -> None:
    """After an update or replace: credentials applied, the user touched, events logged, group
    rules re-evaluated."""
    had = u.password_changed
    apply_credentials(ctx, u, creds)
    touch(ctx, u)
    if profile:
        emit(ctx, "user.account.update_profile", "Update user profile for Okta", [user_target(u)])
    if u.password_changed != had:
        emit(ctx, "user.account.update_password", "Update password for user", [user_target(u)])
    apply_rules(ctx, u)


def touch(ctx: S, u: User, status: str | None = None) -> None:
    now = ctx.env.iso()
    u.last_updated = now
    if status is not None and status != u.status:
        u.status = status
        u.status_changed = now


def check_profile(s: OktaState, profile: dict[str, Any], uid: str | None) -> None:
    """Okta's default schema: login, email, firstName, lastName required; login unique and email-shaped."""
    causes = [f"{k}: The field cannot be left blank" for k in REQUIRED
              if not isinstance(profile.get(k), str) or not profile[k].strip()]
    login = profile.get("login")
    if isinstance(login, str) and login.strip():
        if "@" not in login or len(login) < 5:
            causes.append("login: Username must be in the form of an email address")
        other = find_user(s, login)
        if other is not None and other.id != uid and str(other.profile.get("login", "")).lower() == login.lower():
            causes.append("login: An object with this field already exists in the current organization")
    email = profile.get("email")
    if isinstance(email, str) and email.strip() and "@" not in email:
        causes.append("email: Does not match required pattern")
    if causes:
        raise validation(*causes, field=causes[0].split(":")[0])


def apply_credentials(ctx: S, u: User, creds: dict[str, Any] | None) -> None:
    if not creds:
        return
    pw = creds.get("password")
    if isinstance(pw, dict) and pw.get("value") is not None:
        value = pw["value"]
        if not isinstance(value, str) or len(value) < 8:
            raise validation("password: Password requirements were not met. Password requirements: "
                             "at least 8 characters.", field="password")
        u.has_password = True
        u.password_changed = ctx.env.iso()
        u.password_digest = digest(value)
    rq = creds.get("recovery_question")
    if isinstance(rq, dict) and rq.get("question"):
        u.recovery_question = str(rq["question"])


# -- list -------------------------------------------------------------------------------------------

class ListUsers(msgspec.Struct, rename="camel"):
    q: str = ""
    filter: str = ""
    search: str = ""
    limit: int | None = None
    after: str = ""
    sort_by: str = ""
    sort_order: str = "asc"
    expand: str = ""
    fields: str = ""


@ops.op("list_users", "GET", USERS)
def list_users(ctx: S, p: ListUsers) -> Any:
    """List users. `q` matches the start of firstName, lastName or email (DEPROVISIONED omitted);
    `filter` takes `status eq "ACTIVE"`, `profile.login eq "..."`, `lastUpdated gt "..."` with and/or;
    `search` takes any attribute with eq/sw/co/pr/gt/lt. Pages with `limit` and `after` (Link header)."""
    s = admin(ctx)
    users = list(s.users.values())
    default = 200
    if p.search:
        pred = compile_expr(p.search, None, fold=True, allow_not=False)
        users = [u for u in users if pred(record(u))]
        if p.sort_by:
            users.sort(key=lambda u: (str(lookup(record(u), p.sort_by) or ""), u.id),
                       reverse=p.sort_order.lower() == "desc")
    elif p.filter:
        pred = compile_expr(p.filter, FILTERABLE)
        users = [u for u in users if pred(record(u))]
    else:
        users = [u for u in users if u.status != "DEPROVISIONED"]
    if p.q:
        needle = p.q.lower()
        users = [u for u in users if u.status != "DEPROVISIONED" and any(
            str(u.profile.get(k) or "").lower().startswith(needle) for k in ("firstName", "lastName", "email"))]
        default = 10
        chunk, _ = page_after(users, "", p.limit, lambda u: u.id, default)
        return paged(ctx, USERS, {"q": p.q, "limit": p.limit}, [user_json(u, base(ctx)) for u in chunk], None)
    chunk, nxt = page_after(users, p.after, p.limit, lambda u: u.id, default)
    query = {"search": p.search, "filter": p.filter, "limit": p.limit, "after": p.after,
             "sortBy": p.sort_by, "sortOrder": p.sort_order if p.sort_by else ""}
    return paged(ctx, USERS, query, [user_json(u, base(ctx)) for u in chunk], nxt)


# -- create -----------------------------------------------------------------------------------------

class CreateUser(msgspec.Struct, rename="camel"):
    profile: dict[str, Any] | None = None
    credentials: dict[str, Any] | None = None
    group_ids: list[str] = []
    type: dict[str, Any] | None = None
    activate: bool | str | None = None
    provider: bool | str | None = None
    next_login: str = ""


@ops.op("create_user", "POST", USERS)
def create_user(ctx: S, p: CreateUser) -> Any:
    """Create a user from `profile` (login, email, firstName, lastName) and optional `credentials`
    (`{"password": {"value": ...}}`), adding them to `groupIds`. `activate` (default true) makes a
    user with a password ACTIVE and one without PROVISIONED; `activate=false` leaves them STAGED."""
    s = admin(ctx)
    profile = dict(p.profile or {})
    check_profile(s, profile, None)
    for gid in p.group_ids:
        g = s.groups.get(gid)
        if g is None:
            raise validation(f"groupIds: Group {gid} not found", field="groupIds")
        if g.type != "OKTA_GROUP":
            raise validation(f"groupIds: Group {gid} is not an OKTA_GROUP", field="groupIds")
    now = ctx.env.iso()
    profile.setdefault("mobilePhone", None)
    profile.setdefault("secondEmail", None)
    u = User(id=new_id(ctx, "00u"), status="STAGED", created=now, last_updated=now, profile=profile)
    if p.type and isinstance(p.type.get("id"), str):
        u.type_id = p.type["id"]
    apply_credentials(ctx, u, p.credentials)
    if truthy(p.activate, True):
        status = "ACTIVE" if u.has_password else "PROVISIONED"
        if u.has_password and p.next_login == "changePassword":
            status = "PASSWORD_EXPIRED"
        u.status = status
        u.activated = now
        u.status_changed = now
    s.users[u.id] = u
    emit(ctx, "user.lifecycle.create", "Create Okta user", [user_target(u)])
    if u.activated:
        emit(ctx, "user.lifecycle.activate", "Activate Okta user", [user_target(u)])
    for g in s.groups.values():
        joins = (g.type == "BUILT_IN" and g.name == "Everyone") or g.id in p.group_ids
        if joins and u.id not in g.members:
            g.members.append(u.id)
            g.last_membership_updated = now
            emit(ctx, "group.user_membership.add", "Add user to group membership",
                 [user_target(u), group_target(g)])
    apply_rules(ctx, u)
    return user_json(u, base(ctx))


# -- one user ---------------------------------------------------------------------------------------

class UserRef(msgspec.Struct):
    id: str
    expand: str = ""


@ops.op("get_user", "GET", USER)
def get_user_op(ctx: S, p: UserRef) -> Any:
    """Get a user by id, by login (`jane@acme.com`), by login short name, or `me`."""
    admin(ctx)
    return user_json(read_user(ctx, p.id), base(ctx))


class UpdateUser(msgspec.Struct):
    id: str
    profile: dict[str, Any] | None = None
    credentials: dict[str, Any] | None = None
    strict: bool | str | None = None


@ops.op("update_user", "POST", USER)
def update_user(ctx: S, p: UpdateUser) -> Any:
    """Partially update a user: only the `profile` attributes (and `credentials`) sent change."""
    s = admin(ctx)
    u = get_user(ctx, p.id)
    if p.profile:
        merged = {**u.profile, **p.profile}
        check_profile(s, merged, u.id)
        u.profile = merged
    changed(ctx, u, p.profile, p.credentials)
    return user_json(u, base(ctx))


@ops.op("replace_user", "PUT", USER)
def replace_user(ctx: S, p: UpdateUser) -> Any:
    """Replace a user's profile entirely (attributes not sent are removed); `credentials` optional."""
    s = admin(ctx)
    u = get_user(ctx, p.id)
    profile = dict(p.profile or {})
    check_profile(s, profile, u.id)
    u.profile = profile
    changed(ctx, u, profile, p.credentials)
    return user_json(u, base(ctx))


class DeleteUser(msgspec.Struct, rename="camel"):
    id: str
    send_email: bool | str | None = None


@ops.op("delete_user", "DELETE", USER)
def delete_user(ctx: S, p: DeleteUser) -> None:
    """Delete a user: the first call deactivates them (DEPROVISIONED), a second removes them for good."""
    s = admin(ctx)
    u = get_user(ctx, p.id)
    if u.status != "DEPROVISIONED":
        touch(ctx, u, "DEPROVISIONED")
        emit(ctx, "user.lifecycle.deactivate", "Deactivate Okta user", [user_target(u)])
        return None
    emit(ctx, "user.lifecycle.delete.initiated", "Delete Okta user", [user_target(u)])
    del s.users[u.id]
    now = ctx.env.iso()
    for g in s.groups.values():
        if u.id in g.members:
            g.members.remove(u.id)
            g.last_membership_updated = now
    for a in s.apps.values():
        a.users.pop(u.id, None)
    return None


@ops.op("list_user_groups", "GET", USER + "/groups")
def list_user_groups(ctx: S, p: UserRef) -> Any:
    """The groups a user belongs to (Everyone included)."""
    s = admin(ctx)
    u = read_user(ctx, p.id)
    root = base(ctx)
    return [group_json(g, root) for g in s.groups.values() if u.id in g.members]


@ops.op("list_app_links", "GET", USER + "/appLinks")
def list_app_links(ctx: S, p: UserRef) -> Any:
    """The app links on a user's dashboard: active apps assigned to them directly or through a group."""
    s = admin(ctx)
    u = read_user(ctx, p.id)
    if u.status not in LIVE:
        return []
    root = base(ctx)
    groups = {g.id for g in s.groups.values() if u.id in g.members}
    apps = [a for a in s.apps.values()
            if a.status == "ACTIVE" and (u.id in a.users or any(gid in groups for gid in a.groups))]
    return [app_link_json(a, u.id, i, root) for i, a in enumerate(apps)]

