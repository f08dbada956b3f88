"""Builds Okta state from a scenario's `seed.okta` data.

A seed that names something it does not hold (a user's group, an app's user or group, `me`)
raises ValueError whose message starts with the field, e.g. `seed.okta.users[3].groups[0]:
unknown group 'Enginering'`, so the scenario loader can point at the line."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.env import Env
from .state import App, AppGroup, AppUser, Group, OktaState, RateWindow, RoleAssignment, User, UserType

ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
DEFAULT_TYPE = "oty1dtutype000000000"  # User.type_id's default
STATUSES = ("STAGED", "PROVISIONED", "ACTIVE", "SUSPENDED", "LOCKED_OUT", "PASSWORD_EXPIRED", "RECOVERY",
            "DEPROVISIONED")


class SeedUser(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    """A user; `login` defaults to `email`. Extra profile attributes go in `profile`."""

    login: str | None = None
    email: str | None = None
    first_name: str = ""
    last_name: str = ""
    id: str | None = None
    status: str = "ACTIVE"
    display_name: str | None = None
    title: str | None = None
    department: str | None = None
    manager: str | None = None
    employee_number: str | None = None
    mobile_phone: str | None = None
    profile: dict[str, Any] = {}
    password: bool = True
    admin: bool = False
    groups: list[str] = []
    last_login: str | None = None


class SeedGroup(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    id: str | None = None
    description: str = ""
    type: str = "OKTA_GROUP"


class SeedApp(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    """An app; `users` and `groups` (by id, login or name) are assigned to it."""

    label: str
    name: str | None = None
    id: str | None = None
    status: str = "ACTIVE"
    sign_on_mode: str = "SAML_2_0"
    url: str = ""
    users: list[str] = []
    groups: list[str] = []


class OktaSeed(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    """`seed.okta` of a scenario. `me` (a login or id) owns the default API token; without it the
    token is an org-wide service token with super-admin rights."""

    org: str = "acme"
    me: str | None = None
    users: list[SeedUser] = []
    groups: list[SeedGroup] = []
    apps: list[SeedApp] = []
    rate_limit: int = 600


def build(data: Any, env: Env) -> OktaState:
    seed = msgspec.convert(data or {}, OktaSeed)
    state = OktaState(org=seed.org, rate=RateWindow(limit=seed.rate_limit))
    now = env.iso()

    def nid(prefix: str) -> str:
        return env.id(prefix, 20, ID_ALPHABET)

    everyone = Group(id=nid("00g"), name="Everyone", description="All users in your organization",
                     type="BUILT_IN", created=now, last_updated=now, last_membership_updated=now)
    state.groups[everyone.id] = everyone
    for i, sg in enumerate(seed.groups):
        if sg.type not in ("OKTA_GROUP", "APP_GROUP", "BUILT_IN"):
            raise ValueError(f"seed.okta.groups[{i}].type: unknown type {sg.type!r}; "
                             "use OKTA_GROUP, APP_GROUP or BUILT_IN")
        if sg.id is not None and sg.id in state.groups:
            raise ValueError(f"seed.okta.groups[{i}].id: duplicate id {sg.id!r}")
        g = Group(id=sg.id or nid("00g"), name=sg.name, description=sg.description, type=sg.type,
                  created=now, last_updated=now, last_membership_updated=now)
        state.groups[g.id] = g
    by_login: dict[str, str] = {}
    for i, su in enumerate(seed.users):
        if su.status not in STATUSES:
            raise ValueError(f"seed.okta.users[{i}].status: unknown status {su.status!r}; "
                             f"use one of {', '.join(STATUSES)}")
        login = su.login or su.email
        if not login:
            raise ValueError(f"seed.okta.users[{i}]: a user needs a login or an email")
        if login.lower() in by_login:
            raise ValueError(f"seed.okta.users[{i}].{'login' if su.login else 'email'}: "
                             f"two users have the login {login!r}")
        if su.id is not None and su.id in state.users:
            raise ValueError(f"seed.okta.users[{i}].id: duplicate id {su.id!r}")
        profile: dict[str, Any] = {"firstName": su.first_name, "lastName": su.last_name,
                                   "mobilePhone": su.mobile_phone, "secondEmail": None,
                                   "login": login, "email": su.email or login}
        for key, value in (("displayName", su.display_name), ("title", su.title),
                           ("department", su.department), ("manager", su.manager),
                           ("employeeNumber", su.employee_number)):
            if value is not None:
                profile[key] = value
        profile.update(su.profile)
        active = su.status not in ("STAGED", "PROVISIONED")
        u = User(id=su.id or nid("00u"), status=su.status, created=now, last_updated=now,
                 status_changed=now if su.status != "STAGED" else None,
                 activated=now if active else None, last_login=su.last_login, profile=profile,
                 has_password=su.password and su.status not in ("STAGED", "PROVISIONED"),
                 password_changed=now if su.password and active else None, admin=su.admin)
        state.users[u.id] = u
        by_login[login.lower()] = u.id
        everyone.members.append(u.id)

    def uid_of(ref: str, field: str) -> str:
        if ref in state.users:
            return ref
        if ref.lower() in by_login:
            return by_login[ref.lower()]
        raise ValueError(f"seed.okta.{field}: unknown user {ref!r}; name a user of seed.okta.users by id or login")

    def gid_of(ref: str, field: str) -> str:
        if ref in state.groups:
            return ref
        for g in state.groups.values():
            if g.name == ref:
                return g.id
        raise ValueError(f"seed.okta.{field}: unknown group {ref!r}; name a group of seed.okta.groups "
                         "(or Everyone) by id or name")

    for i, (su, u) in enumerate(zip(seed.users, list(state.users.values()), strict=True)):
        for j, ref in enumerate(su.groups):
            g = state.groups[gid_of(ref, f"users[{i}].groups[{j}]")]
            if u.id not in g.members:
                g.members.append(u.id)
    if seed.me:
        me = state.users[uid_of(seed.me, "me")]
        me.admin = True
        state.me = me.id
    for u in state.users.values():
        if u.admin:
            u.roles = [RoleAssignment(id="ra1" + u.id[3:], type="SUPER_ADMIN", label="Super Administrator",
                                      created=now, last_updated=now)]
    state.user_types[DEFAULT_TYPE] = UserType(
        id=DEFAULT_TYPE, name="user", display_name="User", default=True, created=now, last_updated=now,
        description="Okta user profile template with default permission settings")
    for k, sa in enumerate(seed.apps):
        name = sa.name or "".join(ch if ch.isalnum() else "_" for ch in sa.label.lower())
        if sa.sign_on_mode == "BOOKMARK":
            name = "bookmark"  # every Bookmark app instance is named so in Okta
        a = App(id=sa.id or nid("0oa"), name=name, label=sa.label, status=sa.status,
                sign_on_mode=sa.sign_on_mode, url=sa.url, created=now, last_updated=now)
        for j, ref in enumerate(sa.users):
            uid = uid_of(ref, f"apps[{k}].users[{j}]")
            a.users[uid] = AppUser(id=uid, created=now, last_updated=now,
                                   user_name=str(state.users[uid].profile.get("login", "")))
        for j, ref in enumerate(sa.groups):
            gid = gid_of(ref, f"apps[{k}].groups[{j}]")
            a.groups[gid] = AppGroup(id=gid, last_updated=now, priority=len(a.groups))
        state.apps[a.id] = a
    return state
