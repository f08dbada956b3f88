"""Admin role assignments of a user: list, assign, get, unassign. A user holding any role is an
admin (`admin` in the state view) and may call the API; losing the last role makes them a user."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Reply
from .common import S, admin, base, get_user, new_id, ops
from .errors import OktaError, not_found, validation
from .state import RoleAssignment, User
from .syslog import emit, user_target

ROLES = "/api/v1/users/{userId}/roles"
ROLE = ROLES + "/{roleAssignmentId}"
LABELS = {
    "SUPER_ADMIN": "Super Administrator",
    "ORG_ADMIN": "Organizational Administrator",
    "APP_ADMIN": "Application Administrator",
    "USER_ADMIN": "Group Administrator",
    "HELP_DESK_ADMIN": "Help Desk Administrator",
    "READ_ONLY_ADMIN": "Read-only Administrator",
    "MOBILE_ADMIN": "Mobile Administrator",
    "API_ACCESS_MANAGEMENT_ADMIN": "API Access Management Administrator",
    "REPORT_ADMIN": "Report Administrator",
    "GROUP_MEMBERSHIP_ADMIN": "Group Membership Administrator",
}


def role_json(u: User, r: RoleAssignment, root: str) -> dict[str, Any]:
    return {"id": r.id, "label": r.label, "type": r.type, "status": r.status, "created": r.created,
            "lastUpdated": r.last_updated, "assignmentType": "USER",
            "_links": {"assignee": {"href": f"{root}/api/v1/users/{u.id}"}}}


def roles_of(ctx: S, u: User) -> list[RoleAssignment]:
    """A seeded admin without recorded roles holds SUPER_ADMIN (made on first look, stable id)."""
    if u.admin and not u.roles:
        now = u.created
        u.roles = [RoleAssignment(id="ra1" + u.id[3:], type="SUPER_ADMIN", label=LABELS["SUPER_ADMIN"],
                                  created=now, last_updated=now)]
    return u.roles


class RoleRef(msgspec.Struct, rename="camel"):
    user_id: str
    role_assignment_id: str = ""
    type: str = ""
    expand: str = ""
    disable_notifications: bool | str | None = None


@ops.op("list_assigned_roles_for_user", "GET", ROLES)
def list_assigned_roles_for_user(ctx: S, p: RoleRef) -> Any:
    """The admin roles assigned to a user (none for a regular user)."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    root = base(ctx)
    return [role_json(u, r, root) for r in roles_of(ctx, u)]


@ops.op("assign_role_to_user", "POST", ROLES)
def assign_role_to_user(ctx: S, p: RoleRef) -> Any:
    """Assign an admin role (`type`: SUPER_ADMIN, ORG_ADMIN, APP_ADMIN, USER_ADMIN, HELP_DESK_ADMIN,
    READ_ONLY_ADMIN, MOBILE_ADMIN, API_ACCESS_MANAGEMENT_ADMIN, REPORT_ADMIN,
    GROUP_MEMBERSHIP_ADMIN) to a user; 201 with the assignment."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    if p.type not in LABELS:
        raise validation(f"type: Invalid role type {p.type!r}", field="type")
    if u.status == "DEPROVISIONED":
        raise validation("Cannot assign a role to a deactivated user", field="user")
    roles = roles_of(ctx, u)
    if any(r.type == p.type for r in roles):
        raise OktaError("E0000090", "The role specified is already assigned to the user.", status=409)
    now = ctx.env.iso()
    r = RoleAssignment(id=new_id(ctx, "ra1"), type=p.type, label=LABELS[p.type], created=now, last_updated=now)
    roles.append(r)
    u.admin = True
    emit(ctx, "user.account.privilege.grant", "Grant user privilege", [user_target(u)])
    return Reply(201, role_json(u, r, base(ctx)))


@ops.op("get_user_assigned_role", "GET", ROLE)
def get_user_assigned_role(ctx: S, p: RoleRef) -> Any:
    """One of a user's role assignments."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    for r in roles_of(ctx, u):
        if r.id == p.role_assignment_id:
            return role_json(u, r, base(ctx))
    raise not_found("RoleAssignment", p.role_assignment_id)


@ops.op("unassign_role_from_user", "DELETE", ROLE)
def unassign_role_from_user(ctx: S, p: RoleRef) -> None:
    """Take a role assignment away from a user; without roles left they are no longer an admin."""
    admin(ctx)
    u = get_user(ctx, p.user_id)
    roles = roles_of(ctx, u)
    for r in roles:
        if r.id == p.role_assignment_id:
            roles.remove(r)
            u.admin = bool(roles)
            emit(ctx, "user.account.privilege.revoke", "Revoke user privilege", [user_target(u)])
            return None
    raise not_found("RoleAssignment", p.role_assignment_id)
