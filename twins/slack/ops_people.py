"""People and the workspace: users.profile.get/set, users.getPresence/setPresence, dnd.info,
team.info, emoji.list, and deactivating a user through Slack's SCIM API."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from ..core import NoParams, Reply
from ..core.errors import TwinError
from .api import S, method, ops
from .errors import SlackError
from .shape import get_user, profile_json
from .state import User

MAX_STATUS = 100  # users.profile.set: status_text is at most 100 characters


class ProfileGet(msgspec.Struct):
    user: str | None = None
    include_labels: bool = False


@method("users.profile.get", "users.profile:read", mutates=False)
def users_profile_get(ctx: S, p: ProfileGet) -> dict[str, Any]:
    """A user's profile (default: the caller): names, title, phone, email, status text and emoji."""
    s = ctx.state
    return {"ok": True, "profile": profile_json(get_user(s, p.user or ctx.actor), s.team_id)}


class ProfileSet(msgspec.Struct):
    profile: dict[str, Any] | str | None = None
    name: str | None = None
    value: str | None = None
    user: str | None = None


PROFILE_FIELDS = {"real_name", "display_name", "title", "phone", "email", "status_text",
                  "status_emoji", "status_expiration", "first_name", "last_name"}


@method("users.profile.set", "users.profile:write", mutates=True)
def users_profile_set(ctx: S, p: ProfileSet) -> dict[str, Any]:
    """Change profile fields of the caller (or, for an admin, of `user`): `profile` as a JSON
    object (e.g. {"status_text": "In a meeting", "status_emoji": ":calendar:", "title": "SRE"}),
    or one field as `name` and `value`."""
    s = ctx.state
    fields: dict[str, Any]
    if isinstance(p.profile, str) and p.profile.strip():
        try:
            fields = msgspec.json.decode(p.profile)
        except msgspec.DecodeError:
            raise SlackError("invalid_profile") from None
    elif isinstance(p.profile, dict):
        fields = dict(p.profile)
    elif p.name:
        fields = {p.name: p.value or ""}
    else:
        raise SlackError("invalid_profile")
    if not isinstance(fields, dict) or not fields:
        raise SlackError("invalid_profile")
    target = get_user(s, p.user) if p.user else s.users[ctx.actor]
    if target.id != ctx.actor and not (s.users[ctx.actor].is_admin or s.users[ctx.actor].is_owner):
        raise SlackError("cannot_update_admin_user" if target.is_admin else "not_admin")
    ctx.mark(("user", target.id))  # before any change: a bad status_expiration fails half-way
    unknown = [k for k in fields if k not in PROFILE_FIELDS]
    if unknown:
        raise SlackError("invalid_profile")
    text = fields.get("status_text")
    if text is not None and len(str(text)) > MAX_STATUS:
        raise SlackError("too_long")
    if "email" in fields:
        email = str(fields["email"]).strip()
        if "@" not in email:
            raise SlackError("invalid_email")
        if any(u.email.lower() == email.lower() and u.id != target.id for u in s.users.values()):
            raise SlackError("email_taken")
        target.email = email
    for key in ("real_name", "display_name", "title", "phone", "status_text", "status_emoji"):
        if key in fields:
            setattr(target, key, str(fields[key] or ""))
    if "first_name" in fields or "last_name" in fields:
        first, _, last = target.real_name.partition(" ")
        target.real_name = " ".join(x for x in (str(fields.get("first_name", first)),
                                                str(fields.get("last_name", last))) if x)
    if "status_expiration" in fields:
        target.status_expiration = int(fields["status_expiration"] or 0)
    target.updated = int(ctx.env.now)
    return {"ok": True, "profile": profile_json(target, s.team_id), "username": target.name}


class UserArg(msgspec.Struct):
    user: str | None = None


@method("users.getPresence", "users:read", mutates=False)
def users_get_presence(ctx: S, p: UserArg) -> dict[str, Any]:
    """Whether a user (default: the caller) is active or away."""
    u = get_user(ctx.state, p.user or ctx.actor)
    out: dict[str, Any] = {"ok": True, "presence": u.presence}
    if u.id == ctx.actor:
        active = u.presence == "active"
        out.update(online=active, auto_away=False, manual_away=not active, connection_count=int(active),
                   last_activity=int(ctx.env.now))
    return out


class SetPresence(msgspec.Struct):
    presence: str


@method("users.setPresence", "users:write", mutates=True)
def users_set_presence(ctx: S, p: SetPresence) -> dict[str, Any]:
    """Set the caller's presence: `auto` (active) or `away`."""
    if p.presence not in ("auto", "away"):
        raise SlackError("invalid_presence")
    ctx.state.users[ctx.actor].presence = "active" if p.presence == "auto" else "away"
    ctx.mark(("user", ctx.actor))
    return {"ok": True}


def next_dnd_window(u: User, now: float) -> tuple[int, int]:
    """The user's scheduled Do Not Disturb window that is under way at `now` or starts next:
    (start, end) as Unix times, from their daily `dnd_start`-`dnd_end` in their own time zone
    (a window that crosses midnight ends the next day). (1, 1) when they have no schedule,
    which is what Slack answers then."""
    if not u.dnd_enabled:
        return 1, 1
    try:
        zone: dt.tzinfo = ZoneInfo(u.tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    local = dt.datetime.fromtimestamp(now, zone)
    (sh, sm), (eh, em) = (map(int, t.split(":")) for t in (u.dnd_start, u.dnd_end))
    for day in (-1, 0, 1):  # yesterday's window may still be running
        date = local.date() + dt.timedelta(days=day)
        start = dt.datetime.combine(date, dt.time(sh, sm), zone)
        end = dt.datetime.combine(date, dt.time(eh, em), zone)
        if end <= start:
            end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(eh, em), zone)
        if end.timestamp() > now:
            return int(start.timestamp()), int(end.timestamp())
    raise AssertionError("a daily window always ends within two days")


@method("dnd.info", "dnd:read", mutates=False)
def dnd_info(ctx: S, p: UserArg) -> dict[str, Any]:
    """A user's Do Not Disturb state (default: the caller), as docs.slack.dev/reference/methods/dnd.info
    describes it: `dnd_enabled` (they have a DND schedule) and `next_dnd_start_ts`/`next_dnd_end_ts`
    (its next, or current, window, from the world's clock and their time zone); for the caller
    also `snooze_enabled` and, while snoozed, `snooze_endtime` and `snooze_remaining`."""
    u = get_user(ctx.state, p.user or ctx.actor)
    now = int(ctx.env.now)
    start, end = next_dnd_window(u, ctx.env.now)
    out: dict[str, Any] = {"ok": True, "dnd_enabled": u.dnd_enabled, "next_dnd_start_ts": start,
                           "next_dnd_end_ts": end}
    if u.id == ctx.actor:
        snoozed = u.snooze_until > now
        out["snooze_enabled"] = snoozed
        if snoozed:
            out.update(snooze_endtime=u.snooze_until, snooze_remaining=u.snooze_until - now)
    return out


class TeamInfo(msgspec.Struct):
    team: str | None = None
    domain: str | None = None


@method("team.info", "team:read", mutates=False)
def team_info(ctx: S, p: TeamInfo) -> dict[str, Any]:
    """The workspace: id, name, domain and email domain. `team` may only name this workspace
    (any other id: team_not_found); `domain` lookups work only inside an Enterprise org, which a
    world is not (team_not_on_enterprise)."""
    s = ctx.state
    if p.team and p.team != s.team_id:  # docs.slack.dev/reference/methods/team.info: team_not_found
        raise SlackError("team_not_found")
    if p.domain and not p.team:  # "This only works for domains in the same enterprise"
        raise SlackError("team_not_on_enterprise")
    admin = next((u for u in s.users.values() if u.is_admin and u.email), None)
    email_domain = admin.email.partition("@")[2] if admin else ""
    return {"ok": True, "team": {
        "id": s.team_id, "name": s.team, "domain": s.domain, "email_domain": email_domain,
        "icon": {"image_default": True, "image_34": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-34.png",
                 "image_44": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-44.png",
                 "image_68": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-68.png"},
    }}


@method("emoji.list", "emoji:read", mutates=False)
def emoji_list(ctx: S, p: NoParams) -> dict[str, Any]:
    """The workspace's custom emoji: name -> image URL, or "alias:<name>" for an alias."""
    return {"ok": True, "emoji": dict(ctx.state.emoji), "cache_ts": f"{int(ctx.env.now)}.000000"}


# -- SCIM: deactivating a user -----------------------------------------------------------------


class SCIMError(TwinError):
    """Slack's SCIM v1.1 errors: `{"Errors": {"description": <code>, "code": <HTTP status>}}` (the
    shape slack_sdk.scim.v1.response reads). The codes are those of
    https://docs.slack.dev/reference/scim-api#errors: invalid_authentication (bad token),
    permission_denied ("The OAuth token has not been granted permission to perform the requested
    action"), no_such_user ("The user provided does not exist"), cannot_disable_bot_user_with_scim."""

    def body(self) -> Any:
        return {"Errors": {"description": self.message, "code": self.status}}


class SCIMUser(msgspec.Struct):
    id: str


@ops.op("scim.users.delete", "DELETE", "/scim/v1/Users/{id}", scopes=("admin",), mutates=True)
def scim_users_delete(ctx: S, p: SCIMUser) -> Reply:
    """Deactivate a user (Slack's SCIM API, DELETE /scim/v1/Users/<id>: the user's `deleted`
    becomes true; their messages and channels stay). Only a workspace admin or owner may."""
    s = ctx.state
    me = s.users.get(ctx.actor)
    if me is None or me.deleted:
        raise SCIMError("invalid_authentication", "invalid_authentication", status=401)
    if not (me.is_admin or me.is_owner):
        raise SCIMError("permission_denied", "permission_denied", status=403)
    u = s.users.get(p.id)
    if u is None:
        raise SCIMError("no_such_user", "no_such_user", status=404)
    if u.is_bot:
        raise SCIMError("cannot_disable_bot_user_with_scim", "cannot_disable_bot_user_with_scim", status=400)
    if u.is_owner and not me.is_owner:
        raise SCIMError("permission_denied", "permission_denied", status=403)
    u.deleted = True
    u.updated = int(ctx.env.now)
    ctx.mark(("user", u.id))
    for g in s.usergroups.values():  # Slack drops deactivated people from user groups
        if u.id in g.users:
            g.users.remove(u.id)
    return Reply(204, None)
