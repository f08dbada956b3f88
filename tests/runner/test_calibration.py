"""Calibration: over many seeded runs of a noisy agent whose satisfaction is known exactly, the
95% Wilson interval covers the true satisfaction in about 95% of them.

The agent plays the reference plan but skips each required step with probability P_SKIP, drawn
from the task seed; each check depends on exactly one required step, so a scenario with m
required steps has an expected satisfaction of (1 - P_SKIP) ** m."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pytest
from scipy.stats import binom, binomtest

from dtu.runner.engine import RunOptions, prepare, run_async, run_trial
from dtu.runner.records import Trajectory
from dtu.runner.scenario import Step, load_file
from dtu.runner.stats import summarize
from dtu.twins.core import World

P_SKIP = 0.1
TRIALS = 20
RUNS = 250
STEPS = {"calib-one": 1, "calib-three": 3}


class LocalNoisy:
    """Skips each required step with probability p, from a generator seeded by the task seed."""

    oracle: Literal[True] = True

    def __init__(self, p: float) -> None:
        self.name = "local-noisy"
        self.p = p

    async def run(self, task: Any, world: World, plan: Sequence[Step]) -> None:
        rng = random.Random(task.seed)
        for step in plan:
            if step.required and rng.random() < self.p:
                continue
            world.dispatch(step.twin, step.op, step.args)


def scenario_text(sid: str, m: int) -> str:
    steps = "\n".join(
        f"  - {{twin: slack, op: chat.postMessage, args: {{channel: C0GENERAL1, text: 'note {i}'}}, required: true}}"
        for i in range(m))
    checks = "\n".join(
        f"  - {{id: note-{i}, query: \"slack.channels.C0GENERAL1.messages[?text=='note {i}']\", op: exists}}"
        for i in range(m))
    return f"""id: {sid}
title: Post {m} notes
intent: Post the notes to #general.
tags: [slack, calibration]
seed:
  slack:
    me: dana
    users:
      - {{id: U0DANA0001, name: dana, real_name: Dana Scully, email: dana@acme.test}}
    channels:
      - {{id: C0GENERAL1, name: general, general: true, members: [dana]}}
reference:
{steps}
checks:
{checks}
"""


def wilson_coverage(p: float, n: int) -> float:
    """The exact probability that the 95% Wilson interval from n trials covers p."""
    return float(sum(binom.pmf(k, n, p) for k in range(n + 1)
                     if (ci := binomtest(k, n).proportion_ci(0.95, method="wilson")).low <= p <= ci.high))


def test_wilson_interval_covers_the_known_satisfaction_about_95_percent(tmp_path: Path) -> None:
    loaded = []
    for sid, m in STEPS.items():
        f = tmp_path / f"{sid}.yaml"
        f.write_text(scenario_text(sid, m))
        loaded.append(load_file(f))
    expected = {sid: (1 - P_SKIP) ** m for sid, m in STEPS.items()}
    for sid, e in expected.items():  # the test's premise: at these (p, n) Wilson is close to nominal
        assert 0.93 <= wilson_coverage(e, TRIALS) <= 0.97, sid
    covered, total, means = coverage(LocalNoisy(P_SKIP), loaded, expected, RUNS)
    assert total == RUNS * len(STEPS)
    # The agent really has the satisfaction we computed (mean over all runs, 5000 trials each).
    for sid, mean in means.items():
        assert abs(mean - expected[sid]) < 0.02, sid
    lo, hi = binom.ppf(0.0005, total, 0.95), binom.ppf(0.9995, total, 0.95)
    assert lo <= covered <= hi, f"coverage {covered}/{total} outside the 99.9% band [{lo:.0f}, {hi:.0f}]"


def coverage(agent: Any, loaded: list[Any], expected: dict[str, float], runs: int) -> tuple[int, int, dict[str, float]]:
    async def all_runs() -> list[list[Trajectory]]:
        out = []
        for r in range(runs):  # run_trial directly: run_all's per-run set-up is not what is measured here
            opts = RunOptions(trials=TRIALS, seed=r)
            out.append([await run_trial(agent, p, k, opts) for p in prepare(loaded, r) for k in range(TRIALS)])
        return out

    covered = total = 0
    sums = dict.fromkeys(expected, 0.0)
    for r, ts in enumerate(run_async(all_runs())):
        for sc in summarize(f"run{r}", ts, resamples=10).scenarios:
            total += 1
            covered += sc.ci_low <= expected[sc.scenario] <= sc.ci_high
            sums[sc.scenario] += sc.satisfaction / runs
    return covered, total, sums


def test_the_noisy_agent_is_calibrated_against_its_own_expected_satisfaction(tmp_path: Path) -> None:
    """The same property for agents/noisy.py (skip, corrupt and repeat faults), with the expected
    satisfaction its own `expected_satisfaction` computes from the plan."""
    noisy = pytest.importorskip("dtu.agents.noisy", reason="agents/noisy.py has not landed")
    loaded = []
    for sid, m in STEPS.items():
        f = tmp_path / f"{sid}.yaml"
        f.write_text(scenario_text(sid, m))
        loaded.append(load_file(f))
    rates = {"skip": 0.1, "corrupt": 0.1, "repeat": 0.1}
    agent = noisy.NoisyAgent(",".join(f"{k}={v}" for k, v in rates.items()))
    expected = {ld.id: noisy.expected_satisfaction(ld.scenario.reference, **rates) for ld in loaded}
    assert expected["calib-one"] == pytest.approx(0.81) and expected["calib-three"] == pytest.approx(0.81 ** 3)
    runs = 150
    covered, total, means = coverage(agent, loaded, expected, runs)
    for sid, mean in means.items():
        assert abs(mean - expected[sid]) < 0.03, sid
    lo, hi = binom.ppf(0.0005, total, 0.95), binom.ppf(0.9995, total, 0.95)
    assert lo <= covered <= hi, f"coverage {covered}/{total} outside the 99.9% band [{lo:.0f}, {hi:.0f}]"
