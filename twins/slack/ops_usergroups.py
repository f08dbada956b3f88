"""usergroups.*: user groups (@handles), their members and default channels, disable and enable."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from .api import S, method
from .errors import SlackError
from .shape import split_csv
from .state import SlackState, Usergroup

HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,20}$")
RESERVED = frozenset({"channel", "here", "everyone"})


def group_json(g: Usergroup, s: SlackState, include_users: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": g.id, "team_id": s.team_id, "is_usergroup": True, "is_subteam": True,
        "name": g.name, "description": g.description, "handle": g.handle, "is_external": False,
        "date_create": g.date_create, "date_update": g.date_update, "date_delete": g.date_delete,
        "auto_type": None, "auto_provision": False, "enterprise_subteam_id": "",
        "created_by": g.created_by, "updated_by": g.updated_by, "deleted_by": g.deleted_by,
        "prefs": {"channels": [c for c in g.channels if c.startswith("C")],
                  "groups": [c for c in g.channels if c.startswith("G")]},
        "user_count": len(g.users),
    }
    if include_users:
        out["users"] = list(g.users)
    return out


def get_group(s: SlackState, gid: str) -> Usergroup:
    g = s.usergroups.get(gid)
    if g is None:
        raise SlackError("no_such_subteam")
    return g


def check_names(s: SlackState, name: str | None, handle: str | None, own: str = "") -> None:
    """Name and handle rules, in the codes https://docs.slack.dev/reference/methods/usergroups.create
    documents: `name_already_exists` ("Name is already in use on this workspace"),
    `handle_already_exists` (a group's or a person's: "Must be unique among channels, users and
    User Groups"), `bad_handle` (syntax), `forbidden_handle` (@channel, @here, @everyone)."""
    for g in s.usergroups.values():
        if g.id == own:
            continue
        if name is not None and g.name.lower() == name.lower():
            raise SlackError("name_already_exists")
        if handle is not None and g.handle == handle:
            raise SlackError("handle_already_exists")
    if handle is None:
        return
    if not HANDLE.match(handle):
        raise SlackError("bad_handle")
    if handle in RESERVED:
        raise SlackError("forbidden_handle")
    if any(u.name == handle for u in s.users.values()) or any(
            c.name == handle for c in s.channels.values() if not (c.is_im or c.is_mpim)):
        raise SlackError("handle_already_exists")


def channel_ids(s: SlackState, value: str | list[str] | None) -> list[str]:
    ids = split_csv(value)
    for cid in ids:
        if cid not in s.channels or s.channels[cid].is_im or s.channels[cid].is_mpim:
            raise SlackError("invalid_channel_provided")  # "An invalid channel ID was provided"
    return ids


class Create(msgspec.Struct):
    name: str
    handle: str | None = None
    description: str | None = None
    channels: str | list[str] | None = None
    include_count: bool = False


@method("usergroups.create", "usergroups:write", mutates=True)
def usergroups_create(ctx: S, p: Create) -> dict[str, Any]:
    """Create a user group (name, optional @handle, description, default channels). Add people with usergroups.users.update."""
    s, env = ctx.state, ctx.env
    if not p.name.strip():
        raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing name"]})
    handle = p.handle if p.handle is not None else re.sub(r"[^a-z0-9._-]", "-", p.name.lower())[:21]
    check_names(s, p.name, handle)
    gid = env.id("S", 11)
    now = int(env.now)
    g = Usergroup(id=gid, name=p.name, handle=handle, description=p.description or "",
                  channels=channel_ids(s, p.channels), created_by=ctx.actor, updated_by=ctx.actor,
                  date_create=now, date_update=now)
    s.usergroups[gid] = g
    return {"ok": True, "usergroup": group_json(g, s)}


class ListGroups(msgspec.Struct):
    include_disabled: bool = False
    include_users: bool = False
    include_count: bool = False


@method("usergroups.list", "usergroups:read", mutates=False)
def usergroups_list(ctx: S, p: ListGroups) -> dict[str, Any]:
    """The workspace's user groups (disabled ones with include_disabled; members with include_users)."""
    s = ctx.state
    return {"ok": True, "usergroups": [group_json(g, s, p.include_users) for g in s.usergroups.values()
                                       if p.include_disabled or not g.date_delete]}


class Update(msgspec.Struct):
    usergroup: str
    name: str | None = None
    handle: str | None = None
    description: str | None = None
    channels: str | list[str] | None = None
    include_count: bool = False


@method("usergroups.update", "usergroups:write", mutates=True)
def usergroups_update(ctx: S, p: Update) -> dict[str, Any]:
    """Change a user group's name, @handle, description or default channels."""
    s = ctx.state
    g = get_group(s, p.usergroup)
    check_names(s, p.name, p.handle, own=g.id)
    if p.name is not None:
        g.name = p.name
    if p.handle is not None:
        g.handle = p.handle
    if p.description is not None:
        g.description = p.description
    if p.channels is not None:
        g.channels = channel_ids(s, p.channels)
    g.updated_by, g.date_update = ctx.actor, int(ctx.env.now)
    return {"ok": True, "usergroup": group_json(g, s)}


class Toggle(msgspec.Struct):
    usergroup: str
    include_count: bool = False


@method("usergroups.disable", "usergroups:write", mutates=True)
def usergroups_disable(ctx: S, p: Toggle) -> dict[str, Any]:
    """Disable a user group (its @handle stops notifying; it can be enabled again)."""
    s = ctx.state
    g = get_group(s, p.usergroup)
    if not g.date_delete:  # disabling a disabled group changes nothing
        g.date_delete, g.deleted_by = int(ctx.env.now), ctx.actor
    g.updated_by, g.date_update = ctx.actor, int(ctx.env.now)
    return {"ok": True, "usergroup": group_json(g, s)}


@method("usergroups.enable", "usergroups:write", mutates=True)
def usergroups_enable(ctx: S, p: Toggle) -> dict[str, Any]:
    """Enable a disabled user group."""
    s = ctx.state
    g = get_group(s, p.usergroup)
    g.date_delete, g.deleted_by = 0, None
    g.updated_by, g.date_update = ctx.actor, int(ctx.env.now)
    return {"ok": True, "usergroup": group_json(g, s)}


class UsersList(msgspec.Struct):
    usergroup: str
    include_disabled: bool = False


@method("usergroups.users.list", "usergroups:read", mutates=False)
def usergroups_users_list(ctx: S, p: UsersList) -> dict[str, Any]:
    """The user ids in a user group."""
    g = get_group(ctx.state, p.usergroup)
    if g.date_delete and not p.include_disabled:
        raise SlackError("no_such_subteam")
    return {"ok": True, "users": list(g.users)}


class UsersUpdate(msgspec.Struct):
    usergroup: str
    users: str | list[str]
    include_count: bool = False


@method("usergroups.users.update", "usergroups:write", mutates=True)
def usergroups_users_update(ctx: S, p: UsersUpdate) -> dict[str, Any]:
    """Replace a user group's members with `users` (comma-separated user ids; the whole list,
    not a delta)."""
    s = ctx.state
    g = get_group(s, p.usergroup)
    ids = list(dict.fromkeys(split_csv(p.users)))
    if not ids:
        raise SlackError("no_users_provided")
    for uid in ids:  # guests and bots may not be in a group (api.slack.com/methods/usergroups.users.update)
        u = s.users.get(uid)
        if u is None or u.deleted or u.is_bot:
            raise SlackError("invalid_users")
    g.users = ids
    g.updated_by, g.date_update = ctx.actor, int(ctx.env.now)
    return {"ok": True, "usergroup": group_json(g, s, include_users=True)}
