"""Okta's lookup of a user by login or short name in a lazily restored world (the seed's login
index, `common._find_lazily`) finds the user a scan of every user in the world's order finds,
whatever the world changed: logins changed to another user's, users made with a login the seed
has, users deleted."""

from __future__ import annotations

import random
from typing import Any

import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.core.lazy import LazyMap, peek_items
from dtu.twins.okta.common import find_user
from dtu.twins.okta.state import User
from dtu.twins.registry import TWINS

from ..views import restore_as

START = 1_705_000_000.0
NAMES = ["ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jon"]
SEED: dict[str, Any] = {"okta": {"org": "acme", "users": [
    {"id": f"00u{i:017d}", "login": f"{n}@{dom}", "firstName": n.title(), "lastName": "X"}
    for i, (n, dom) in enumerate((n, dom) for dom in ("acme.test", "other.test") for n in NAMES)]}}


def scanned(users: dict[str, User], low: str) -> str | None:
    """The user id a scan in the world's order finds: by login, then by the login's short name."""
    for uid, u in peek_items(users):
        if str(u.profile.get("login", "")).lower() == low:
            return uid
    if "@" not in low:
        for uid, u in peek_items(users):
            if str(u.profile.get("login", "")).lower().split("@")[0] == low:
                return uid
    return None


@pytest.mark.parametrize("seed", range(40))
def test_the_lazy_lookup_finds_what_a_scan_finds(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    restore_as(True, monkeypatch)
    rng = random.Random(seed)
    world = World(SeedImage(TWINS, SEED, 1, START), seed + 2)
    state = world.ctx("okta").state
    users = state.users
    assert type(users) is LazyMap
    ids = list(users)
    logins = [f"{n}@{dom}" for dom in ("acme.test", "other.test") for n in NAMES] + ["zed@acme.test"]
    for step in range(12):
        what = rng.random()
        if what < 0.4:  # a user's login changed, often to one another user has
            u = users[rng.choice(list(users))]
            u.profile["login"] = rng.choice(logins).upper() if rng.random() < 0.3 else rng.choice(logins)
        elif what < 0.6:  # a user made since, with a login the seed may have
            uid = f"00unew{seed:04d}{step:010d}"
            users[uid] = User(id=uid, status="ACTIVE", created="", last_updated="", status_changed="",
                              profile={"login": rng.choice(logins)})
        elif what < 0.7 and len(users) > 1:  # a user gone
            del users[rng.choice(list(users))]
        elif what < 0.8:
            _ = users.get(rng.choice(ids))  # read, unchanged
        for ref in logins + NAMES + ["zed", "nobody", "ANN@ACME.TEST"]:
            low = ref.lower()
            want = scanned(users, low)
            got = find_user(state, ref)
            assert (got.id if got is not None else None) == want, (step, ref)
            if got is not None:
                assert got is dict.get(users, got.id), "the world's own user, not the seed's shared one"
