"""User types: list, get, create, update (partial), replace, delete. The org's default type ("user")
always exists and cannot be deleted; a type users still have cannot be deleted either."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from .common import S, admin, base, new_id, ops
from .errors import OktaError, found, validation
from .state import OktaState, UserType
from .syslog import emit, target

TYPES = "/api/v1/meta/types/user"
TYPE = TYPES + "/{typeId}"
DEFAULT_ID = "oty1dtutype000000000"  # User.type_id's default
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def ensure_default(s: OktaState, now: str) -> None:
    if not any(t.default for t in s.user_types.values()):
        s.user_types = {DEFAULT_ID: UserType(id=DEFAULT_ID, name="user", display_name="User",
                                             description="Okta user profile template with default permission settings",
                                             created=now, last_updated=now, default=True),
                        **s.user_types}


def type_json(t: UserType, root: str) -> dict[str, Any]:
    href = f"{root}{TYPES}/{t.id}"
    return {"id": t.id, "displayName": t.display_name, "name": t.name, "description": t.description,
            "createdBy": t.created_by or "00u000000000000000000", "lastUpdatedBy": t.last_updated_by or
            "00u000000000000000000", "created": t.created, "lastUpdated": t.last_updated, "default": t.default,
            "_links": {"self": {"href": href, "method": "GET", "rel": "self"},
                       "schema": {"href": f"{root}/api/v1/meta/schemas/user/osc{t.id[3:]}", "method": "GET",
                                  "rel": "schema"}}}


def get_type(s: OktaState, tid: str) -> UserType:
    return found(s.user_types, tid, "UserType")


class TypeBody(msgspec.Struct, rename="camel"):
    type_id: str = ""
    name: str | None = None
    display_name: str | None = None
    description: str | None = None


@ops.op("list_user_types", "GET", TYPES)
def list_user_types(ctx: S, p: TypeBody) -> Any:
    """The org's user types, the default one ("user") first."""
    s = admin(ctx)
    ensure_default(s, ctx.env.iso())
    root = base(ctx)
    return [type_json(t, root) for t in s.user_types.values()]


@ops.op("get_user_type", "GET", TYPE)
def get_user_type(ctx: S, p: TypeBody) -> Any:
    """One user type by id (`default` is the org's default type)."""
    s = admin(ctx)
    ensure_default(s, ctx.env.iso())
    if p.type_id == "default":
        t = next(t for t in s.user_types.values() if t.default)
    else:
        t = get_type(s, p.type_id)
    return type_json(t, base(ctx))


@ops.op("create_user_type", "POST", TYPES)
def create_user_type(ctx: S, p: TypeBody) -> Any:
    """Create a user type: `name` (unique, letters, digits, underscores; cannot change later),
    `displayName` (required) and `description`."""
    s = admin(ctx)
    ensure_default(s, ctx.env.iso())
    causes = []
    if not p.name:
        causes.append("name: The field cannot be left blank")
    elif not _NAME.match(p.name):
        causes.append("name: The name must start with a letter and hold only letters, digits and underscores")
    elif any(t.name.lower() == p.name.lower() for t in s.user_types.values()):
        causes.append("name: An object with this field already exists in the current organization")
    if not (p.display_name or "").strip():
        causes.append("displayName: The field cannot be left blank")
    if causes:
        raise validation(*causes, field=causes[0].split(":")[0])
    now = ctx.env.iso()
    t = UserType(id=new_id(ctx, "oty"), name=str(p.name), display_name=str(p.display_name),
                 description=p.description or "", created=now, last_updated=now,
                 created_by=ctx.actor, last_updated_by=ctx.actor)
    s.user_types[t.id] = t
    emit(ctx, "system.user_type.create", "Create user type", [target(t.id, "UserType", t.display_name, t.name)])
    return type_json(t, base(ctx))


def _update(ctx: S, p: TypeBody, whole: bool) -> Any:
    s = admin(ctx)
    ensure_default(s, ctx.env.iso())
    t = get_type(s, p.type_id)
    if p.name is not None and p.name != t.name:
        raise validation("name: The name of a user type cannot be changed", field="name")
    if whole and not (p.display_name or "").strip():
        raise validation("displayName: The field cannot be left blank", field="displayName")
    if p.display_name is not None:
        if not p.display_name.strip():
            raise validation("displayName: The field cannot be left blank", field="displayName")
        t.display_name = p.display_name
    if p.description is not None or whole:
        t.description = p.description or ""
    t.last_updated = ctx.env.iso()
    t.last_updated_by = ctx.actor
    emit(ctx, "system.user_type.update", "Update user type", [target(t.id, "UserType", t.display_name, t.name)])
    return type_json(t, base(ctx))


@ops.op("update_user_type", "POST", TYPE)
def update_user_type(ctx: S, p: TypeBody) -> Any:
    """Update a user type's `displayName` and/or `description` (fields not sent stay)."""
    return _update(ctx, p, False)


@ops.op("replace_user_type", "PUT", TYPE)
def replace_user_type(ctx: S, p: TypeBody) -> Any:
    """Replace a user type's `displayName` and `description` (`name` must stay the same)."""
    return _update(ctx, p, True)


@ops.op("delete_user_type", "DELETE", TYPE)
def delete_user_type(ctx: S, p: TypeBody) -> None:
    """Delete a user type that is not the default and that no user has."""
    s = admin(ctx)
    ensure_default(s, ctx.env.iso())
    t = get_type(s, p.type_id)
    if t.default:
        raise OktaError("E0000001", "Api validation failed: default", status=400,
                        causes=["The default user type cannot be deleted"])
    if any(u.type_id == t.id for u in s.users.values()):
        raise OktaError("E0000001", "Api validation failed: type", status=400,
                        causes=["A user type that users are assigned to cannot be deleted"])
    del s.user_types[t.id]
    emit(ctx, "system.user_type.delete", "Delete user type", [target(t.id, "UserType", t.display_name, t.name)])
    return None
