"""Google's incremental view of a lazily restored world (`state.view_delta`) without a walk over
every file and user in Python.

`state.view_delta` visits each file and each user of the world to choose between the seed's view
and a fresh one. In a world restored lazily, an entity still encoded (nothing read it) is the
seed's, so the choice only concerns the few entities read: those are found with one tight scan
(`type(v) is not Raw`), the seed's views are copied whole (`dict(...)`, in C) and the read ones
put in their places. A generated organisation of 2,000 people has ~6,000 files and 2,000 users.

`lazy_view` answers None, and the caller builds the view the general way, whenever the shortcut
could place something differently: a seeded file or user gone, shared drives (their root folders
are files the seed's view lists apart), a seeded user given a My Drive since (its folder would
sit among the seed's), or a seeded folder renamed or moved (seeded files' paths run through it)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Ctx
from ..core.lazy import LazyMap
from ..core.memo import derived
from . import state as whole
from .state import GoogleState

_Raw = msgspec.Raw


def _parents(seed: dict[str, Any]) -> frozenset[str]:
    """Every folder a seeded file names as a parent."""
    return frozenset(p for part in ("files", "roots") for v in seed.get(part, {}).values() for p in v["parents"])


def view_delta(ctx: Ctx[GoogleState], seed: dict[str, Any]) -> dict[str, Any]:
    """`view(ctx.state)` from the seed's view: `lazy_view` for a lazily restored world, else (or
    when it declines) `state.view_delta`."""
    if type(ctx.state.files) is LazyMap:
        out = lazy_view(ctx, seed)
        if out is not None:
            return out
    return whole.view_delta(ctx, seed)


def lazy_view(ctx: Ctx[GoogleState], seed: dict[str, Any]) -> dict[str, Any] | None:
    """`view(ctx.state)` (see the module), or None to build it the general way. Which files get a
    fresh view is `state.view_delta`'s rule: new ones, and read ones a call marked or logged."""
    state = ctx.state
    if state.drives:
        return None
    now = state.files
    old: dict[str, Any] = seed.get("files", {})
    roots: dict[str, Any] = seed["roots"]
    read = [fid for fid, f in dict.items(now) if type(f) is not _Raw]
    new = [fid for fid in read if fid not in old and fid not in roots]
    if len(now) - len(new) != len(old) + len(roots):
        return None  # a seeded file is gone
    seed_users: dict[str, Any] = seed.get("users", {})
    users_now = state.users
    met = [(k, u) for k, u in dict.items(users_now) if type(u) is not _Raw]
    new_users = [k for k, _ in met if k not in seed_users]
    if len(users_now) - len(new_users) != len(seed_users):
        return None  # a seeded user is gone
    if any(u.rootId != seed_users[k].get("rootId", "") for k, u in met if k in seed_users):
        return None  # a seeded user's My Drive made since: its place among the roots is theirs

    seed_changes: list[Any] = seed["changes"]
    logged = {c.fileId for c in state.changes[len(seed_changes):]}
    marked = ctx.changed
    fresh = set(new)
    rebuilt: list[str] = []
    shifted: list[str] = list(new)  # rebuilt files a path through them would differ for
    for fid in read:
        if fid in fresh:
            rebuilt.append(fid)
        elif fid in logged or ("file", fid) in marked:
            v, f = old.get(fid) or roots[fid], dict.__getitem__(now, fid)
            if v["name"] != f.name or v["parents"][:1] != f.parents[:1]:
                shifted.append(fid)
            rebuilt.append(fid)
    if shifted and not derived(seed, "google.parents", _parents).isdisjoint(shifted):
        # a seeded file's path may run through a shifted one (the paths of rebuilt files are
        # worked out afresh, and a file whose parents changed is rebuilt: a call marked it)
        return None

    paths: dict[str, str] = {}
    files = dict(old)
    roots_out = dict(roots)
    for fid in rebuilt:
        v = whole.file_view(now[fid], whole.path_of(fid, now, paths))
        if fid in roots_out:
            roots_out[fid] = v
        else:
            files[fid] = v  # a seeded file keeps its place, a new one comes after, in the world's order
    users = dict(seed_users)
    for k, u in met:
        users[k] = msgspec.to_builtins(u)
    for k in new_users:  # a new user's My Drive, after the seed's, in the users' order
        root = users_now[k].rootId
        if root in files:
            roots_out[root] = files.pop(root)
    return whole.assemble(state, files, seed_changes, seed_users, users, roots_out)
