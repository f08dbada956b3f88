"""Lazy restore (twins/core/lazy.py): a world whose twins keep seed entities encoded until read
plays every bundled scenario exactly as one restored whole: the same answers, views and digest."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from dtu.twins.core import twin as twin_module
from dtu.twins.core.lazy import LazyMap, Restorer, is_raw, loaded
from dtu.twins.registry import TWINS

from .plays import LOADED, play


class Item(msgspec.Struct):
    name: str
    tags: list[str] = []


class State(msgspec.Struct, omit_defaults=True):
    me: str
    items: dict[str, Item] = {}
    counts: dict[str, int] = {}
    n: int = 0


def _state() -> tuple[Restorer, bytes, State]:
    whole = State("me", {"a": Item("A", ["x"]), "b": Item("B"), "c": Item("C")}, {"k": 1}, 3)
    return Restorer(State), msgspec.msgpack.encode(whole), whole


def test_only_collections_of_entities_are_lazy() -> None:
    r, snap, whole = _state()
    s = r.restore(snap)
    assert isinstance(s.items, LazyMap) and type(s.counts) is dict
    assert all(is_raw(v) for v in dict.values(s.items))
    assert s == whole  # comparing decodes


def test_reading_decodes_one_entity_and_keeps_it() -> None:
    r, snap, _ = _state()
    s = r.restore(snap)
    a = s.items["a"]
    assert a == Item("A", ["x"]) and s.items["a"] is a and s.items.get("a") is a
    assert is_raw(dict.__getitem__(s.items, "b"))
    a.tags.append("y")  # entities are the world's own: changing one changes the state
    assert s.items["a"].tags == ["x", "y"]
    assert s.items.get("zz") is None and s.items.get("zz", 5) == 5 and "b" in s.items and len(s.items) == 3


@pytest.mark.parametrize("read", [
    lambda m: list(m.values()), lambda m: list(m.items()), lambda m: m.copy(), lambda m: dict(m),
    lambda m: {**m}, lambda m: {} | m, lambda m: m | {}, lambda m: (d := {}, d.update(m), d)[2],
    lambda m: loaded(m), lambda m: [m.pop(k) for k in list(m)], lambda m: [m.setdefault(k) for k in list(m)],
    lambda m: [m.popitem() for _ in range(len(m))],
], ids=["values", "items", "copy", "dict", "unpack", "ror", "or", "update", "loaded", "pop", "setdefault", "popitem"])
def test_every_way_of_reading_values_decodes_them(read: Any) -> None:
    r, snap, _ = _state()
    got = read(r.restore(snap).items)
    assert "Raw" not in repr(got)
    assert msgspec.to_builtins(got)  # fails on an encoded value


def test_to_builtins_needs_loaded() -> None:
    r, snap, whole = _state()
    s = r.restore(snap)
    with pytest.raises(TypeError):
        msgspec.to_builtins(s)
    assert msgspec.to_builtins(loaded(s)) == msgspec.to_builtins(whole)


def test_snapshots_are_byte_for_byte_an_eager_restores() -> None:
    r, snap, _ = _state()
    s = r.restore(snap)
    assert msgspec.msgpack.encode(s) == snap  # nothing read: the seed's bytes
    s.items["b"].name = "B2"
    s.items["d"] = Item("D")
    del s.items["a"]
    eager = msgspec.msgpack.decode(snap, type=State)
    eager.items["b"].name = "B2"
    eager.items["d"] = Item("D")
    del eager.items["a"]
    assert msgspec.msgpack.encode(r.encodable(s)) == msgspec.msgpack.encode(eager)


def test_an_emptied_collection_is_omitted_like_an_empty_dict() -> None:
    r, snap, _ = _state()
    s = r.restore(snap)
    s.items.clear()
    eager = msgspec.msgpack.decode(snap, type=State)
    eager.items.clear()
    assert msgspec.msgpack.encode(r.encodable(s)) == msgspec.msgpack.encode(eager)
    assert msgspec.msgpack.encode(s) != msgspec.msgpack.encode(eager)  # what `encodable` is for


def _play(ld: Any, trial: int, lazy_from: float, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, ...]:
    monkeypatch.setattr(twin_module, "LAZY_FROM", lazy_from)
    _, _, world = play(ld, trial)
    enc = msgspec.json.encode
    calls = enc([(c.twin, c.op, c.status, c.body, c.t) for c in world.calls])
    delta = enc(world.view(world.touched()))
    digest = world.digest().encode()
    whole = enc({name: world.twins[name].view(world.ctx(name).state) for name in world.touched()})
    return calls, delta, digest, whole


@pytest.mark.parametrize("ld", LOADED, ids=[ld.id for ld in LOADED])
def test_a_lazy_world_plays_as_an_eager_one(ld: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every twin lazy, whatever its size: the calls' answers, the incremental views, the digest
    and the whole views are those of a world decoded whole, for the plan and for a noisy agent."""
    for trial in range(2):
        lazy = _play(ld, trial, 0, monkeypatch)
        eager = _play(ld, trial, float("inf"), monkeypatch)
        for part, a, b in zip(("calls", "views", "digest", "whole views"), lazy, eager, strict=True):
            assert a == b, f"trial {trial}: {part} differ"
        assert lazy[1] == lazy[3], f"trial {trial}: a lazy world's incremental views are not its whole views"


def test_lazy_twins() -> None:
    """The test above compares something: the services' twins restore lazily."""
    assert {name for name, t in TWINS.items() if t.lazy} == {"okta", "slack", "jira", "google"}
