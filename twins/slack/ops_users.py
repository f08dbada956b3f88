"""auth.test and users.*: who the token is, the workspace's people, and the channels each is in."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import NoParams
from .api import S, method
from .errors import SlackError
from .ops_history import conversations_page
from .shape import get_user, paginate, user_json


@method("auth.test", None, mutates=False)
def auth_test(ctx: S, p: NoParams) -> dict[str, Any]:
    """Check authentication and tell who the token acts as (user_id, team_id)."""
    s = ctx.state
    u = s.users[ctx.actor]
    out: dict[str, Any] = {"ok": True, "url": f"https://{s.domain}.slack.com/", "team": s.team,
                           "user": u.name, "team_id": s.team_id, "user_id": u.id,
                           "is_enterprise_install": False}
    if u.bot_id:
        out["bot_id"] = u.bot_id
    return out


class UsersList(msgspec.Struct):
    cursor: str | None = None
    limit: int = 0


@method("users.list", "users:read", mutates=False)
def users_list(ctx: S, p: UsersList) -> dict[str, Any]:
    """List the workspace's users (deactivated ones too, with deleted: true), paged by cursor."""
    s = ctx.state
    chunk, nxt = paginate(list(s.users.values()), p.cursor, p.limit, default=1000)
    return {"ok": True, "members": [user_json(u, s.team_id) for u in chunk],
            "cache_ts": int(ctx.env.now), "response_metadata": {"next_cursor": nxt}}


class UserOnly(msgspec.Struct):
    user: str
    include_locale: bool = False


@method("users.info", "users:read", mutates=False)
def users_info(ctx: S, p: UserOnly) -> dict[str, Any]:
    """One user's profile by user id (name, real name, email, title, admin, deactivated)."""
    return {"ok": True, "user": user_json(get_user(ctx.state, p.user), ctx.state.team_id)}


class ByEmail(msgspec.Struct):
    email: str


@method("users.lookupByEmail", "users:read.email", mutates=False)
def users_lookup_by_email(ctx: S, p: ByEmail) -> dict[str, Any]:
    """Find a user by email address."""
    s = ctx.state
    want = p.email.strip().lower()
    for u in s.users.values():
        if u.email and u.email.lower() == want:
            return {"ok": True, "user": user_json(u, s.team_id)}
    raise SlackError("users_not_found")


class UsersConversations(msgspec.Struct):
    user: str | None = None
    types: str | list[str] | None = None
    exclude_archived: bool = False
    cursor: str | None = None
    limit: int = 100


@method("users.conversations", "channels:read", mutates=False)
def users_conversations(ctx: S, p: UsersConversations) -> dict[str, Any]:
    """The channels a user (default: the caller) is a member of, paged by cursor. Private channels
    show only when the caller is in them too."""
    s = ctx.state
    uid = p.user or ctx.actor
    get_user(s, uid)
    return conversations_page(ctx, p.types, p.exclude_archived, p.cursor, p.limit, member=uid)
