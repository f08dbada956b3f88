"""Reads of a seed's own state answered from what another world of the seed got (twins/core/answers.py):
exactly what computing them gives, for every bundled scenario, and never another world's objects."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from dtu.twins.core import Ctx, Meter, NoParams, Registry, Twin, answers
from dtu.twins.core.world import SeedImage, World
from dtu.twins.slack.errors import ERRORS

from .plays import LOADED, play


def _play(ld: Any, trial: int) -> tuple[bytes, ...]:
    p, variant, world = play(ld, trial)
    enc = msgspec.json.encode
    calls = enc([(c.twin, c.op, c.args, c.status, c.body, c.t, c.fault) for c in world.calls])
    checks = enc((variant.checks if variant is not None else p.checks).evaluate(world))
    return calls, enc(world.view(world.touched())), world.digest().encode(), checks


@pytest.mark.parametrize("ld", LOADED, ids=[ld.id for ld in LOADED])
def test_kept_answers_are_what_computing_them_gives(ld: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """For the plan and a noisy agent: computed every time, then with the answers kept by a first
    world (which computes them) and recalled by a second, the calls and their answers, the views,
    the digest and the checks are the same."""
    for trial in range(2):
        with monkeypatch.context() as m:
            m.setattr(answers, "recall", lambda k, now: False)
            computed = _play(ld, trial)
        answers.forget()
        first, second = _play(ld, trial), _play(ld, trial)
        for part, a, b, c in zip(("calls", "views", "digest", "checks"), computed, first, second, strict=True):
            assert a == b == c, f"trial {trial}: {part} differ"


# -- a twin of its own, to see what is kept and what is not -------------------------------------


class Item(msgspec.Struct):
    name: str
    tags: list[str] = []


class State(msgspec.Struct):
    items: dict[str, Item] = {}
    reads: int = 0


ops = Registry("t")
COMPUTED: list[str] = []


@ops.op("items.list", "GET", "/items")
def items_list(ctx: Ctx[State], p: NoParams) -> dict[str, Any]:
    COMPUTED.append("items.list")
    return {"items": [{"id": k, "name": v.name, "tags": v.tags} for k, v in ctx.state.items.items()],
            "by": ctx.actor}


@ops.op("items.age", "GET", "/age")
def items_age(ctx: Ctx[State], p: NoParams) -> dict[str, Any]:
    COMPUTED.append("items.age")
    return {"now": ctx.env.now, "n": len(ctx.state.items)}


@ops.op("items.token", "GET", "/token")
def items_token(ctx: Ctx[State], p: NoParams) -> dict[str, Any]:
    COMPUTED.append("items.token")
    return {"token": ctx.env.token(8)}


@ops.op("items.pair", "GET", "/pair")
def items_pair(ctx: Ctx[State], p: NoParams) -> dict[str, Any]:
    COMPUTED.append("items.pair")
    return {"pair": ("a", "b")}  # a tuple: decoded, it would be a list


@ops.op("items.counted", "GET", "/counted")
def items_counted(ctx: Ctx[State], p: NoParams) -> dict[str, Any]:
    COMPUTED.append("items.counted")
    ctx.state.reads += 1  # a read that changes the state, as Okta's rate window does
    return {"reads": ctx.state.reads}


class Rename(msgspec.Struct):
    id: str
    name: str


@ops.op("items.rename", "POST", "/rename")
def items_rename(ctx: Ctx[State], p: Rename) -> dict[str, Any]:
    ctx.state.items[p.id].name = p.name
    return {"ok": True}


def _build(data: Any, env: Any) -> State:
    return State(items={k: Item(v, ["x"]) for k, v in (data or {}).items()})


TWIN: Twin[State] = Twin(name="t", state_type=State, ops=ops, errors=ERRORS, build=_build, actor=lambda s: "owner")
IMAGE = SeedImage({"t": TWIN}, {"t": {"a": "Apple", "b": "Banana"}}, 7, 1_700_000_000.0)


def _world(seed: int = 1) -> World:
    return World(IMAGE, seed)


@pytest.fixture(autouse=True)
def _fresh() -> None:
    answers.forget()
    COMPUTED.clear()


def test_a_seed_read_is_computed_once_and_each_world_gets_its_own_objects() -> None:
    a, b = _world(1), _world(2)
    first = a.dispatch("t", "items.list", {})
    first.body["items"][0]["tags"].append("mine")  # what one world does to its answer stays there
    second = b.dispatch("t", "items.list", {})
    assert COMPUTED == ["items.list"]
    assert second.body == {"items": [{"id": "a", "name": "Apple", "tags": ["x"]},
                                     {"id": "b", "name": "Banana", "tags": ["x"]}], "by": "owner"}
    assert second.body is not first.body
    assert "t" not in b._ctx and b.touched() == ("t",)  # answered without restoring the state
    assert b.calls[-1].body is second.body and b.steps == 1


def test_the_acting_user_and_the_arguments_are_part_of_the_key() -> None:
    _world(1).dispatch("t", "items.list", {})
    got = _world(2).dispatch("t", "items.list", {}, actor="someone")
    assert got.body["by"] == "someone"
    assert COMPUTED == ["items.list", "items.list"]


def test_a_world_that_wrote_reads_its_own_state() -> None:
    a, b = _world(1), _world(2)
    a.dispatch("t", "items.list", {})
    b.dispatch("t", "items.rename", {"id": "a", "name": "Apricot"})
    assert b.dispatch("t", "items.list", {}).body["items"][0]["name"] == "Apricot"
    assert _world(3).dispatch("t", "items.list", {}).body["items"][0]["name"] == "Apple"


def test_a_read_of_the_clock_is_kept_for_its_time_only() -> None:
    one = [_world(s).dispatch("t", "items.age", {}).body for s in (1, 2)]
    assert one[0] == one[1] and COMPUTED == ["items.age"]
    w = _world(3)
    w.env.now += 5
    assert w.dispatch("t", "items.age", {}).body["now"] == one[0]["now"] + 5
    assert COMPUTED == ["items.age", "items.age"]


@pytest.mark.parametrize("op", ["items.token", "items.pair", "items.counted"])
def test_reads_that_use_the_world_do_not_round_trip_or_change_the_state_are_never_kept(op: str) -> None:
    worlds = [_world(s) for s in (1, 2, 3)]
    bodies = [w.dispatch("t", op, {}).body for w in worlds]
    assert len(COMPUTED) == 3 and set(COMPUTED) == {op}
    if op == "items.token":
        assert len({b["token"] for b in bodies}) == 3  # each world's own ids
    if op == "items.pair":
        assert all(type(b["pair"]) is tuple for b in bodies)
    if op == "items.counted":
        assert all(b == {"reads": 1} for b in bodies)
        assert all(w.ctx("t").state.reads == 1 for w in worlds)  # each world counted its own read


def test_a_bad_request_or_an_unknown_twin_is_not_answered_from_the_seed() -> None:
    w = _world(1)
    assert w.dispatch("t", "items.nope", {}).status >= 400
    assert w.touched() == ("t",) and "t" not in w._ctx  # called, so used, though nothing was restored
    with pytest.raises(KeyError, match="unknown twin"):
        w.dispatch("nope", "items.list", {})
    assert COMPUTED == []


def test_forgetting_keeps_within_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answers, "MOST", 4)
    for actor in ("u1", "u2", "u3", "u4", "u5"):
        _world(1).dispatch("t", "items.list", {}, actor=actor)
    assert len(answers._KEPT) <= 4


# -- a metered twin: every call counts in its state, reads answered from the seed included ----------


class Window(msgspec.Struct):
    used: int = 0
    last: float = 0.0


class Metered(msgspec.Struct):
    items: dict[str, Item] = {}
    window: Window = msgspec.field(default_factory=Window)


LIMIT = 3


def _tick(w: Window, now: float) -> Any:
    w.used += 1
    w.last = now
    return ERRORS.rate_limited(30.0) if w.used > LIMIT else None


def _put(s: Metered, w: Window) -> None:
    s.window = w


mops = Registry("m")


@mops.op("items.list", "GET", "/items")
def metered_list(ctx: Ctx[Metered], p: NoParams) -> dict[str, Any]:
    COMPUTED.append("m.items.list")
    return {"items": sorted(ctx.state.items)}


@mops.op("items.rename", "POST", "/rename")
def metered_rename(ctx: Ctx[Metered], p: Rename) -> dict[str, Any]:
    ctx.state.items[p.id].name = p.name
    return {"ok": True}


METERED: Twin[Metered] = Twin(name="m", state_type=Metered, ops=mops, errors=ERRORS,
                              build=lambda data, env: Metered(items={"a": Item("Apple")}),
                              meter=Meter(of=lambda s: s.window, put=_put, tick=_tick))
MIMAGE = SeedImage({"m": METERED}, {"m": {}}, 7, 1_700_000_000.0)


def test_a_metered_read_is_kept_and_still_counted_in_its_world() -> None:
    first = World(MIMAGE, 1)
    assert first.dispatch("m", "items.list", {}).body == {"items": ["a"]}
    assert first.ctx("m").state.window.used == 1  # computed on the restored state, counted there
    w = World(MIMAGE, 2)
    for _ in range(2):
        assert w.dispatch("m", "items.list", {}).body == {"items": ["a"]}
    assert COMPUTED == ["m.items.list"] and "m" not in w._ctx  # answered from the seed, not restored
    assert w.dispatch("m", "items.rename", {"id": "a", "name": "Apricot"}).status == 200
    assert w.ctx("m").state.window == Window(used=3, last=w.env.now)  # the state took the world's count
    assert w.dispatch("m", "items.list", {}).status == 429  # the fourth call of the window
    assert MIMAGE.meter("m") == Window()  # the seed's own meter is never counted in


def test_a_metered_read_past_the_limit_is_refused_without_restoring() -> None:
    World(MIMAGE, 1).dispatch("m", "items.list", {})
    w = World(MIMAGE, 2)
    got = [w.dispatch("m", "items.list", {}).status for _ in range(LIMIT + 1)]
    assert got == [200] * LIMIT + [429] and "m" not in w._ctx
    assert w.ctx("m").state.window.used == LIMIT + 1  # refused calls count too
    assert w.digest() == World(MIMAGE, 3).digest()  # reads alone leave the seed's state
