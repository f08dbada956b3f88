"""Okta state: an org's users, groups and apps with their assignments. Knows nothing of HTTP.

Every struct is `gc=False`: a state is a tree (decoded from a snapshot, changed in place by handlers,
never pointing back at itself), so the cycle collector need not track it, and with a thousand worlds
in flight it no longer walks every user, group and app of each of them."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Ctx
from ..core.lazy import is_raw, loaded


class User(msgspec.Struct, gc=False):
    """A user. `profile` holds Okta's profile attributes as sent (login, email, firstName, ...)."""

    id: str
    status: str
    created: str
    last_updated: str
    status_changed: str | None = None
    activated: str | None = None
    last_login: str | None = None
    password_changed: str | None = None
    profile: dict[str, Any] = {}
    has_password: bool = False
    recovery_question: str | None = None
    provider: str = "OKTA"
    type_id: str = "oty1dtutype000000000"
    admin: bool = False  # holds an admin role (kept true while `roles` holds one)
    roles: list[RoleAssignment] = []
    factors: list[Factor] = []
    password_digest: str | None = None  # blake2b of the password when one was set through the API


class RoleAssignment(msgspec.Struct, gc=False):
    """An admin role assigned to a user (`type` SUPER_ADMIN, ORG_ADMIN, USER_ADMIN, ...)."""

    id: str
    type: str
    label: str
    created: str
    last_updated: str
    status: str = "ACTIVE"


class Factor(msgspec.Struct, gc=False):
    """An enrolled MFA factor: `factor_type` (sms, call, email, question, token:software:totp,
    push), its `provider` and `status` (PENDING_ACTIVATION until activated, then ACTIVE)."""

    id: str
    factor_type: str
    provider: str
    vendor_name: str
    status: str
    created: str
    last_updated: str
    profile: dict[str, Any] = {}
    pass_code: str | None = None  # what activation expects (totp/sms/call/email); None takes any


class UserType(msgspec.Struct, gc=False):
    id: str
    name: str
    display_name: str
    created: str
    last_updated: str
    description: str = ""
    default: bool = False
    created_by: str = ""
    last_updated_by: str = ""


class GroupRule(msgspec.Struct, gc=False):
    """A group rule: users whose profile matches `expression` (Okta Expression Language) join
    `assign_groups` while the rule is ACTIVE. `added` keeps who joined which group by this rule."""

    id: str
    name: str
    status: str  # INACTIVE (on creation), ACTIVE, INVALID
    expression: str
    assign_groups: list[str]
    created: str
    last_updated: str
    exclude_users: list[str] = []
    added: dict[str, list[str]] = {}  # group id -> user ids this rule added


class Group(msgspec.Struct, gc=False):
    id: str
    name: str
    created: str
    last_updated: str
    last_membership_updated: str
    description: str = ""
    type: str = "OKTA_GROUP"  # OKTA_GROUP, APP_GROUP, BUILT_IN
    members: list[str] = []  # user ids, in the order they joined


class AppUser(msgspec.Struct, gc=False):
    """A user's assignment to an app, made directly (scope USER)."""

    id: str  # the user's id
    created: str
    last_updated: str
    status: str = "PROVISIONED"
    scope: str = "USER"
    user_name: str = ""
    profile: dict[str, Any] = {}


class AppGroup(msgspec.Struct, gc=False):
    """A group's assignment to an app; its members get the app (scope GROUP)."""

    id: str  # the group's id
    last_updated: str
    priority: int = 0
    profile: dict[str, Any] = {}


class App(msgspec.Struct, gc=False):
    id: str
    name: str
    label: str
    created: str
    last_updated: str
    status: str = "ACTIVE"  # ACTIVE, INACTIVE
    sign_on_mode: str = "SAML_2_0"
    url: str = ""
    users: dict[str, AppUser] = {}
    groups: dict[str, AppGroup] = {}


class EventHook(msgspec.Struct, gc=False):
    """An event hook (ops_hooks.py): Okta POSTs the `events` it subscribes to to `uri` once the hook
    is VERIFIED and ACTIVE (runner/deliver_hooks.py). `auth_value` is the secret Okta sends in the
    `auth_key` header; no answer and no view shows it."""

    id: str
    name: str
    uri: str
    events: list[str]
    created: str
    last_updated: str
    created_by: str = ""
    status: str = "ACTIVE"  # ACTIVE | INACTIVE
    verification: str = "UNVERIFIED"  # UNVERIFIED | VERIFIED
    description: str | None = None
    auth_key: str | None = None
    auth_value: str | None = None
    headers: list[dict[str, str]] = []


class RateWindow(msgspec.Struct, gc=False):
    """Calls made in the current rate-limit window (world time)."""

    start: float = 0.0
    used: int = 0
    limit: int = 600


class OktaState(msgspec.Struct, gc=False):
    org: str
    me: str = ""  # the user id the default API token belongs to ("" for a service token)
    users: dict[str, User] = {}
    groups: dict[str, Group] = {}
    apps: dict[str, App] = {}
    rate: RateWindow = msgspec.field(default_factory=RateWindow)
    user_types: dict[str, UserType] = {}
    group_rules: dict[str, GroupRule] = {}
    logs: list[dict[str, Any]] = []  # System Log events (LogEvent shape), oldest first
    event_hooks: dict[str, EventHook] = {}


def view(state: OktaState) -> Any:
    """The state for checks: users, groups and apps as stored (without the rate-limit counter),
    plus conveniences so checks need no joins: each user's `groups` (names) and `apps` (labels of
    the apps they have, directly or through a group), each group's `member_logins`, and each app's
    `user_logins` (direct assignments) and `group_names`. Users carry their `roles` (admin role
    assignments) and `factors`; `user_types`, `group_rules` and `logs` (the System Log, LogEvent
    shape, oldest first) and `event_hooks` are as stored. Password digests, expected pass codes and
    event hooks' auth secrets are left out."""
    out = _plain(state, state.users)
    groups_of, apps_of = _joins(state, out)
    for uid, ju in out["users"].items():
        finish(ju, groups_of[uid], apps_of[uid])
    return out


def view_delta(ctx: Ctx[OktaState], seed: dict[str, Any]) -> Any:
    """`view(ctx.state)` reusing the seed's view (shared by every world: never changed here) of each
    seeded user no handler looked up (common.get_user marks ("user", id): every change to a user goes
    through it); a reused user whose groups or apps changed is a shallow copy with the new joins.
    Groups, apps and the rest are built as `view` builds them."""
    s = ctx.state
    out = _plain(s, {})
    old_users = seed["users"]
    groups_of, apps_of = _joins(s, out, old_users)
    changed = ctx.changed
    users = out["users"] = {}
    for uid, u in dict.items(s.users):  # a user still encoded is the seed's: its view is too
        old = old_users.get(uid)
        groups, apps = groups_of[uid], apps_of[uid]
        if old is None or (("user", uid) in changed and not is_raw(u)):
            old = msgspec.to_builtins(u)
            finish(old, groups, apps)
        elif old["groups"] != groups or old["apps"] != apps:
            old = dict(old)
            old["groups"], old["apps"] = groups, apps
        users[uid] = old
    return out


def _plain(state: OktaState, users: dict[str, User]) -> dict[str, Any]:
    """The state as stored, with `users` in place of its users, without the rate-limit counter or
    event hooks' secrets."""
    out: dict[str, Any] = msgspec.to_builtins(loaded(msgspec.structs.replace(state, users=users, logs=[])))
    # log entries are plain data never changed once written (syslog.py): the view lists them, uncopied
    out["logs"] = list(state.logs)
    del out["rate"]
    for jh in out["event_hooks"].values():
        jh.pop("auth_value", None)
    return out


def _joins(state: OktaState, out: dict[str, Any], seed_users: dict[str, Any] | None = None
           ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Each user's group names and app labels; each group's `member_logins` and each app's
    `user_logins` and `group_names`, set in `out`. A user still encoded is the seed's: its login
    is read from `seed_users`, the seed's view of the users."""
    users = state.users
    if seed_users is None:
        login = {u.id: str(u.profile.get("login", "")) for u in users.values()}
    else:
        login = {uid: str(seed_users[uid]["profile"].get("login", "") if is_raw(u) else u.profile.get("login", ""))
                 for uid, u in dict.items(users)}
    groups_of: dict[str, list[str]] = {uid: [] for uid in users}
    jgroups = out["groups"]
    for g in state.groups.values():
        members = g.members
        for uid in members:
            if uid in groups_of:
                groups_of[uid].append(g.name)
        jgroups[g.id]["member_logins"] = [login[uid] for uid in members if uid in login]
    apps_of: dict[str, list[str]] = {uid: [] for uid in users}
    japps = out["apps"]
    groups = state.groups
    for a in state.apps.values():
        have = set(a.users)
        for gid in a.groups:
            assigned = groups.get(gid)
            if assigned is not None:
                have.update(assigned.members)
        for uid in have:
            if uid in apps_of:
                apps_of[uid].append(a.label)
        ja = japps[a.id]
        ja["user_logins"] = [login[uid] for uid in a.users if uid in login]
        ja["group_names"] = [groups[gid].name for gid in a.groups if gid in groups]
    return groups_of, apps_of


def finish(ju: dict[str, Any], groups: list[str], apps: list[str]) -> None:
    """A user's view from its stored form: secrets out, joins in."""
    del ju["password_digest"]
    for f in ju["factors"]:
        del f["pass_code"]
    ju["groups"] = groups
    ju["apps"] = apps
