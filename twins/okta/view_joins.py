"""Okta's incremental view of a lazily restored world (`state.view_delta`): joins only where they
can have changed.

The view joins each user with their groups' names and apps' labels, each group with its members'
logins and each app with its users' logins and groups' names. Built whole, that walks every user,
group, membership and assignment of the organisation for every trial: at 2,000 people most of a
trajectory. Here a group or app still encoded (`is_raw`: nothing read it, so it is the seed's) keeps
the seed's view and membership, read from `SeedIndex`, and only the users whose joins can have
moved have them worked out again: who joined or left a read group (all its members, then and now,
when it is renamed, new or gone), and likewise who an app reaches directly or through a group.

`joined` answers None when a change would reach joins beyond those: a seeded user gone, or a login
changed (every group and app listing it would change); the caller then builds the whole view."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import msgspec

from ..core import Ctx
from ..core.lazy import LazyMap, is_raw, loaded
from ..core.memo import derived
from . import state as whole
from .state import OktaState

Joins = dict[str, tuple[list[str], list[str]]]


class SeedIndex:
    """What the joins need from a seed's view (shared by every world of the seed): logins, members
    of each group, users and groups of each app."""

    __slots__ = ("app_groups", "app_users", "login", "members")

    def __init__(self, seed: dict[str, Any]) -> None:
        self.login = {uid: str(ju["profile"].get("login", "")) for uid, ju in seed["users"].items()}
        self.members = {gid: frozenset(jg["members"]) for gid, jg in seed["groups"].items()}
        self.app_users = {aid: frozenset(ja["users"]) for aid, ja in seed["apps"].items()}
        self.app_groups = {aid: tuple(ja["groups"]) for aid, ja in seed["apps"].items()}


def view_delta(ctx: Ctx[OktaState], seed: dict[str, Any]) -> Any:
    """`view(ctx.state)` from the seed's view: joined here for a lazily restored world, else (or
    when `joined` declines) by `state.view_delta`."""
    s = ctx.state
    if type(s.users) is LazyMap or type(s.groups) is LazyMap or type(s.apps) is LazyMap:
        out = joined(ctx, seed)
        if out is not None:
            return out
    return whole.view_delta(ctx, seed)


def joined(ctx: Ctx[OktaState], seed: dict[str, Any]) -> dict[str, Any] | None:
    """`view(ctx.state)` from the seed's view (see the module), or None to build it whole."""
    s = ctx.state
    idx = derived(seed, "okta.joins", SeedIndex)
    users_now, groups_now, apps_now = s.users, s.groups, s.apps
    seeded = idx.login
    if not dict.keys(users_now) >= seeded.keys():
        return None  # a seeded user is gone
    read_users = [(uid, u) for uid, u in dict.items(users_now) if type(u) is not msgspec.Raw]
    for uid, u in read_users:
        was = seeded.get(uid)
        if was is not None and str(u.profile.get("login", "")) != was:
            return None  # a login changed
    old_groups, old_apps = seed["groups"], seed["apps"]
    read_groups = [gid for gid, g in dict.items(groups_now) if not is_raw(g)]
    gone_groups = [gid for gid in old_groups if gid not in groups_now]
    read_apps = [aid for aid, a in dict.items(apps_now) if not is_raw(a)]
    gone_apps = [aid for aid in old_apps if aid not in apps_now]

    # every group in order, with its name and members now (the seed's for one still encoded)
    groups: list[tuple[str, str, Collection[str]]] = []
    for gid, g in dict.items(groups_now):
        if is_raw(g):
            groups.append((gid, old_groups[gid]["name"], idx.members[gid]))
        else:
            groups.append((gid, g.name, frozenset(g.members)))
    members = {gid: m for gid, _, m in groups}

    # the users whose groups or apps can differ from the seed's: a group's joiners and leavers (all
    # its members, then and now, when it is renamed, new or gone), likewise an app's users and its
    # groups' members; nobody else's joins moved
    concerned: set[str] = set()
    renamed: set[str] = set(gone_groups)  # groups whose name an app's view lists differently now
    for gid in gone_groups:
        concerned.update(idx.members[gid])
    for gid in read_groups:
        before, after = idx.members.get(gid), members[gid]
        if before is None:
            concerned.update(after)
        elif old_groups[gid]["name"] != groups_now[gid].name:
            renamed.add(gid)
            concerned.update(before, after)
        else:
            concerned.update(before.symmetric_difference(after))
    for aid in gone_apps:
        concerned.update(_reach(idx.app_users[aid], idx.app_groups[aid], idx.members))
    for aid in read_apps:
        a = apps_now[aid]
        if aid not in old_apps or old_apps[aid]["label"] != a.label:
            concerned.update(_reach(a.users, a.groups, members))
            if aid in old_apps:
                concerned.update(_reach(idx.app_users[aid], idx.app_groups[aid], idx.members))
        else:
            concerned.update(idx.app_users[aid].symmetric_difference(a.users))
            moved = set(idx.app_groups[aid]).symmetric_difference(a.groups)
            concerned.update(_reach((), moved, idx.members), _reach((), moved, members))

    joins: Joins = {}
    here = {uid for uid in concerned if uid in users_now}
    if here:
        for uid in here:
            joins[uid] = ([], [])
        for _, name, gm in groups:  # a user's groups in the groups' order, as `view` lists them
            for uid in here.intersection(gm):
                joins[uid][0].append(name)
        for aid, a in dict.items(apps_now):
            au: Collection[str]
            if is_raw(a):
                label, au, ag = old_apps[aid]["label"], idx.app_users[aid], idx.app_groups[aid]
            else:
                label, au, ag = a.label, a.users, tuple(a.groups)
            have = here.intersection(au)
            for gid in ag:
                have.update(here.intersection(members.get(gid, ())))
            for uid in have:
                joins[uid][1].append(label)

    def login(uid: str) -> str | None:
        got = seeded.get(uid)
        if got is None:
            u = dict.get(users_now, uid)
            got = str(u.profile.get("login", "")) if u is not None else None
        return got

    out: dict[str, Any] = msgspec.to_builtins(loaded(msgspec.structs.replace(s, users={}, groups={}, apps={},
                                                                              logs=[])))
    jgroups = out["groups"]
    for gid, g in dict.items(groups_now):
        if is_raw(g):
            jgroups[gid] = old_groups[gid]
        else:
            jg = jgroups[gid] = msgspec.to_builtins(g)
            jg["member_logins"] = [lg for uid in g.members if (lg := login(uid)) is not None]
    japps = out["apps"]
    for aid, a in dict.items(apps_now):
        if is_raw(a) and not renamed.intersection(idx.app_groups[aid]):
            japps[aid] = old_apps[aid]
            continue
        a = apps_now[aid]
        ja = japps[aid] = msgspec.to_builtins(a)
        ja["user_logins"] = [lg for uid in a.users if (lg := login(uid)) is not None]
        ja["group_names"] = [jgroups[gid]["name"] for gid in a.groups if gid in jgroups]
    out["logs"] = list(s.logs)  # never changed once written (syslog.py): listed, uncopied
    del out["rate"]
    for jh in out["event_hooks"].values():
        jh.pop("auth_value", None)

    # every seeded user is here (checked above), in the seed's order, and new ones come after: the
    # seed's views copied whole, then a fresh view for each user read and marked or new, and the
    # seed's view with new joins for anyone else whose joins moved
    old_users = seed["users"]
    changed = ctx.changed
    users = out["users"] = dict(old_users)
    fresh: set[str] = set()
    for uid, u in read_users:
        old = old_users.get(uid)
        if old is None or ("user", uid) in changed:
            got = joins.get(uid)
            names, labels = got if got is not None else (old["groups"], old["apps"]) if old is not None else ([], [])
            ju = users[uid] = msgspec.to_builtins(u)
            whole.finish(ju, names, labels)
            fresh.add(uid)
    for uid, (names, labels) in joins.items():
        old = old_users[uid] if uid not in fresh else None
        if old is not None and (old["groups"] != names or old["apps"] != labels):
            users[uid] = {**old, "groups": names, "apps": labels}
    return out


def _reach(users: Collection[str], groups: Collection[str], members: Mapping[str, Collection[str]]) -> set[str]:
    """Who an app with these users and groups reaches: its users and its groups' members."""
    out = set(users)
    for gid in groups:
        out.update(members.get(gid, ()))
    return out
