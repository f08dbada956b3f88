"""The noisy agent: seeded faults, determinism, and an expected satisfaction that holds."""

from __future__ import annotations

import math

import pytest

from dtu.agents.noisy import NoisyAgent, expected_satisfaction, needed_steps
from dtu.runner.errors import DtuError
from dtu.runner.scenario import Step

from .conftest import launch, run


def test_expected_satisfaction_matches_observed() -> None:
    ld = launch()
    n = 1500
    agent = NoisyAgent("skip=0.1,corrupt=0.05,repeat=0.1")
    trajs = run([agent], [ld], trials=n, concurrency=50)
    observed = sum(t.satisfied for t in trajs) / n
    expected = expected_satisfaction(ld.scenario.reference, 0.1, 0.05, 0.1)
    assert expected == pytest.approx((0.9 * 0.95) ** 4)
    sd = math.sqrt(expected * (1 - expected) / n)
    assert abs(observed - expected) < 4 * sd, (observed, expected)
    assert any(t.info["repeated"] for t in trajs) and any(t.info["corrupted"] for t in trajs)


def test_no_noise_is_the_reference_and_runs_repeat_exactly() -> None:
    ld = launch()
    clean = run([NoisyAgent("skip=0,corrupt=0,repeat=0")], [ld], trials=5)
    assert all(t.satisfied for t in clean)
    a = run([NoisyAgent("skip=0.3,corrupt=0.2,repeat=0.3")], [ld], trials=20)
    b = run([NoisyAgent("skip=0.3,corrupt=0.2,repeat=0.3")], [ld], trials=20)
    assert [t.digest for t in a] == [t.digest for t in b]
    assert len({t.digest for t in a}) > 1  # trials differ


def test_needed_steps_follow_saved_variables() -> None:
    plan = [
        Step(twin="slack", op="users.list", save={"uid": "members[0].id"}),
        Step(twin="slack", op="conversations.list"),
        Step(twin="slack", op="conversations.create", args={"name": "x"}, save={"cid": "channel.id"}),
        Step(twin="slack", op="conversations.invite", args={"channel": "${cid}", "users": "${uid}"},
             required=True),
    ]
    assert needed_steps(plan) == [0, 2, 3]
    assert expected_satisfaction(plan, 0.1, 0.5) == pytest.approx(0.9 * (0.9 * 0.5) * (0.9 * 0.5))
    unmarked = [Step(twin="slack", op="auth.test"), Step(twin="slack", op="auth.test")]
    assert needed_steps(unmarked) == [0, 1]


def test_spec_errors() -> None:
    with pytest.raises(DtuError, match="bad option"):
        NoisyAgent("skp=0.1")
    with pytest.raises(DtuError, match="within"):
        NoisyAgent("skip=2")
    assert NoisyAgent("name=n2").name == "n2"
