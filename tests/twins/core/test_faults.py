"""Fault plans: vendor-shaped failures, deterministic from the world seed, recorded on the call."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.core.faults import parse_plan
from dtu.twins.registry import TWINS

SEED = {"slack": {"users": [{"id": "U0DANA0001", "name": "dana"}],
                  "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]}}
IMAGE = SeedImage(TWINS, SEED, 1, 1_700_000_000.0)


def post(world: World) -> tuple[int, object]:
    r = world.dispatch("slack", "chat.postMessage", {"channel": "C0GENERAL1", "text": "hi"})
    return r.status, r.body


def world(plan: object, seed: int = 7) -> World:
    return World(IMAGE, seed, faults=parse_plan(plan).world_faults(seed))


def test_rate_limited_in_slack_shape_and_recorded() -> None:
    w = world([{"twin": "slack", "op": "chat.*", "rate": 1.0, "error": "rate_limited", "retry_after": 7}])
    reply = w.dispatch("slack", "chat.postMessage", {"channel": "C0GENERAL1", "text": "hi"})
    assert reply.status == 429
    assert reply.body == {"ok": False, "error": "ratelimited"}
    assert reply.headers == {"Retry-After": "7"}
    assert w.calls[-1].fault == "ratelimited"
    # other operations are untouched by a chat.* rule
    assert w.dispatch("slack", "auth.test", {}).status == 200


def test_outage_window_fails_calls_n_to_m() -> None:
    w = world([{"twin": "slack", "op": "chat.postMessage", "outage": [2, 3], "error": "internal"}])
    statuses = [post(w)[0] for _ in range(5)]
    assert statuses == [200, 500, 500, 200, 200]
    assert w.calls[1].body == {"ok": False, "error": "internal_error"}


def test_same_seed_same_faults_other_seed_differs() -> None:
    plan = [{"twin": "*", "rate": 0.5}]
    runs = {seed: [post(world(plan, seed))[0] for _ in range(1)] for seed in range(64)}
    again = {seed: [post(world(plan, seed))[0] for _ in range(1)] for seed in range(64)}
    assert runs == again
    fails = sum(r[0] != 200 for r in runs.values())
    assert 12 <= fails <= 52  # about half of 64, far from none or all


def test_latency_and_timeout_cost_world_time_only() -> None:
    w = world([{"twin": "slack", "latency": {"kind": "fixed", "seconds": 2.5}}])
    t0 = w.env.now
    post(w)
    assert w.env.now == pytest.approx(t0 + 1.0 + 2.5)
    w2 = world([{"twin": "slack", "rate": 1.0, "error": "timeout", "timeout_seconds": 30}])
    t1 = w2.env.now
    status, _ = post(w2)
    assert status == 503 and w2.calls[-1].fault == "timeout"
    assert w2.env.now >= t1 + 30


def test_lognormal_latency_is_positive_and_seeded() -> None:
    plan = [{"latency": {"kind": "lognormal", "mu": 0.0, "sigma": 0.5}}]
    a, b = world(plan, 3), world(plan, 3)
    post(a)
    post(b)
    assert a.env.now == b.env.now > IMAGE.now + 1.0


def test_bad_plans_are_rejected() -> None:
    with pytest.raises(msgspec.ValidationError):
        parse_plan([{"twin": "slack", "rate": "often"}])
    with pytest.raises(ValueError):
        parse_plan([{"rate": 1.5}])
    with pytest.raises(ValueError):
        parse_plan([{"outage": [3, 1]}])


def test_door_one_call_answers_the_fault() -> None:
    w = world([{"twin": "slack", "rate": 1.0, "error": "unavailable"}])
    body = asyncio.run(w.call("slack", "auth.test", {}))
    assert body == {"ok": False, "error": "service_unavailable"}
