"""Groups: list and search, create, get, replace, delete, members, and the apps a group has."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.lazy import peek_items
from . import ops_rules  # noqa: F401  (registers /groups/rules before /groups/{groupId})
from .common import S, admin, base, get_group, get_user, new_id, ops, page_after, paged
from .errors import forbidden, validation
from .query import compile_expr
from .shape import app_json, group_json, user_json
from .state import Group, OktaState
from .syslog import emit, group_target, user_target

GROUPS = "/api/v1/groups"
GROUP = "/api/v1/groups/{groupId}"
FILTERABLE: dict[str, tuple[str, ...]] = {
    "type": ("eq",), "id": ("eq",), "profile.name": ("eq",),
    "lastUpdated": ("eq", "gt", "ge", "lt", "le"), "lastMembershipUpdated": ("eq", "gt", "ge", "lt", "le"),
}


def record(g: Group) -> dict[str, Any]:
    return {"id": g.id, "type": g.type, "created": g.created, "lastUpdated": g.last_updated,
            "lastMembershipUpdated": g.last_membership_updated,
            "profile": {"name": g.name, "description": g.description}}


def editable(g: Group) -> Group:
    """Only OKTA_GROUPs are edited through the API; Everyone and app-imported groups are not."""
    if g.type != "OKTA_GROUP":
        raise forbidden()
    return g


def check_name(s: OktaState, name: Any, gid: str | None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise validation("name: The field cannot be left blank", field="name")
    if any(g.name.lower() == name.lower() and g.id != gid for g in s.groups.values()):
        raise validation("name: An object with this field already exists in the current organization",
                         field="name")
    return name


class ListGroups(msgspec.Struct, rename="camel"):
    q: str = ""
    filter: str = ""
    search: str = ""
    limit: int | None = None
    after: str = ""
    expand: str = ""
    sort_by: str = ""
    sort_order: str = "asc"


@ops.op("list_groups", "GET", GROUPS)
def list_groups(ctx: S, p: ListGroups) -> Any:
    """List groups. `q` matches the start of a group's name; `filter` takes `type eq "OKTA_GROUP"`,
    `id eq`, `lastUpdated gt "..."`; `search` takes `profile.name sw "eng"` and the like. Pages with
    `limit` and `after`."""
    s = admin(ctx)
    groups = [g for _, g in peek_items(s.groups)]  # read-only: the page is built from the world's own
    if p.search:
        pred = compile_expr(p.search, None, fold=True)
        groups = [g for g in groups if pred(record(g))]
    elif p.filter:
        pred = compile_expr(p.filter, FILTERABLE)
        groups = [g for g in groups if pred(record(g))]
    if p.q:
        needle = p.q.lower()
        groups = [g for g in groups if g.name.lower().startswith(needle)]
    chunk, nxt = page_after(groups, p.after, p.limit, lambda g: g.id)
    chunk = [s.groups[g.id] for g in chunk]
    root = base(ctx)
    query = {"q": p.q, "search": p.search, "filter": p.filter, "limit": p.limit, "after": p.after}
    return paged(ctx, GROUPS, query, [group_json(g, root) for g in chunk], nxt)


class GroupBody(msgspec.Struct):
    profile: dict[str, Any] | None = None


@ops.op("add_group", "POST", GROUPS)
def add_group(ctx: S, p: GroupBody) -> Any:
    """Create an OKTA_GROUP from `profile` (`name`, optional `description`)."""
    s = admin(ctx)
    profile = p.profile or {}
    name = check_name(s, profile.get("name"), None)
    now = ctx.env.iso()
    g = Group(id=new_id(ctx, "00g"), name=name, description=str(profile.get("description") or ""),
              created=now, last_updated=now, last_membership_updated=now)
    s.groups[g.id] = g
    emit(ctx, "group.lifecycle.create", "Create okta group", [group_target(g)])
    return group_json(g, base(ctx))


class GroupRef(msgspec.Struct, rename="camel"):
    group_id: str
    limit: int | None = None
    after: str = ""


@ops.op("get_group", "GET", GROUP)
def get_group_op(ctx: S, p: GroupRef) -> Any:
    """Get a group by id."""
    s = admin(ctx)
    return group_json(get_group(s, p.group_id), base(ctx))


class ReplaceGroup(msgspec.Struct, rename="camel"):
    group_id: str
    profile: dict[str, Any] | None = None


@ops.op("replace_group", "PUT", GROUP)
def replace_group(ctx: S, p: ReplaceGroup) -> Any:
    """Replace a group's profile (`name`, `description`)."""
    s = admin(ctx)
    g = editable(get_group(s, p.group_id))
    profile = p.profile or {}
    g.name = check_name(s, profile.get("name"), g.id)
    g.description = str(profile.get("description") or "")
    g.last_updated = ctx.env.iso()
    emit(ctx, "group.profile.update", "Update group profile", [group_target(g)])
    return group_json(g, base(ctx))


@ops.op("delete_group", "DELETE", GROUP)
def delete_group(ctx: S, p: GroupRef) -> None:
    """Delete an OKTA_GROUP; its members stay, its app assignments go."""
    s = admin(ctx)
    g = editable(get_group(s, p.group_id))
    del s.groups[g.id]
    for a in s.apps.values():
        a.groups.pop(g.id, None)
    emit(ctx, "group.lifecycle.delete", "Delete okta group", [group_target(g)])
    return None


@ops.op("list_group_users", "GET", GROUP + "/users")
def list_group_users(ctx: S, p: GroupRef) -> Any:
    """A group's members, in the order they joined. Pages with `limit` and `after`."""
    s = admin(ctx)
    g = get_group(s, p.group_id)
    members = [s.users[uid] for uid in g.members if uid in s.users]
    chunk, nxt = page_after(members, p.after, p.limit, lambda u: u.id, 1000)
    root = base(ctx)
    return paged(ctx, f"/api/v1/groups/{g.id}/users", {"limit": p.limit, "after": p.after},
                 [user_json(u, root) for u in chunk], nxt)


class Membership(msgspec.Struct, rename="camel"):
    group_id: str
    user_id: str


@ops.op("assign_user_to_group", "PUT", GROUP + "/users/{userId}")
def assign_user_to_group(ctx: S, p: Membership) -> None:
    """Add a user to an OKTA_GROUP (adding a member twice is not an error)."""
    s = admin(ctx)
    g = editable(get_group(s, p.group_id))
    u = get_user(ctx, p.user_id)
    if u.id not in g.members:
        g.members.append(u.id)
        g.last_membership_updated = ctx.env.iso()
        emit(ctx, "group.user_membership.add", "Add user to group membership", [user_target(u), group_target(g)])
    return None


@ops.op("unassign_user_from_group", "DELETE", GROUP + "/users/{userId}")
def unassign_user_from_group(ctx: S, p: Membership) -> None:
    """Remove a user from an OKTA_GROUP."""
    s = admin(ctx)
    g = editable(get_group(s, p.group_id))
    u = get_user(ctx, p.user_id)
    if u.id in g.members:
        g.members.remove(u.id)
        g.last_membership_updated = ctx.env.iso()
        emit(ctx, "group.user_membership.remove", "Remove user from group membership",
             [user_target(u), group_target(g)])
    return None


@ops.op("list_assigned_applications_for_group", "GET", GROUP + "/apps")
def list_assigned_applications_for_group(ctx: S, p: GroupRef) -> Any:
    """The apps a group is assigned to."""
    s = admin(ctx)
    g = get_group(s, p.group_id)
    apps = [a for a in s.apps.values() if g.id in a.groups]
    chunk, nxt = page_after(apps, p.after, p.limit, lambda a: a.id, 20)
    root = base(ctx)
    return paged(ctx, f"/api/v1/groups/{g.id}/apps", {"limit": p.limit, "after": p.after},
                 [app_json(a, root) for a in chunk], nxt)

