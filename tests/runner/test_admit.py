"""Admission by the event loop's lag (`RunOptions.max_lag`, `dtu run --max-lag`): trials that want
more CPU than the loop has run fewer at once than `--concurrency`, and every one still runs; trials
that leave the loop idle are not held back; a stop while trials wait for a slot loses nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, Literal

from dtu.agents.scripted import ScriptedAgent
from dtu.runner.agent import Task
from dtu.runner.engine import Prepared, RunOptions, run_all, run_async
from dtu.runner.interrupt import Stop
from dtu.runner.scenario import BUNDLED, Step, load_file
from dtu.twins.core import World
from dtu.twins.registry import TWINS

SCENARIO = BUNDLED / "slack" / "launch-channel.yaml"


class Counting:
    """Plays the plan after `turns` waits of `pause` seconds, holding the loop `burn` seconds
    after each (a model-driven agent parsing an answer); counts the trials running at once."""

    oracle: Literal[True] = True
    name = "counting"

    def __init__(self, burn: float, pause: float, turns: int = 4) -> None:
        self.burn, self.pause, self.turns = burn, pause, turns
        self.running = self.most = 0

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            for _ in range(self.turns):
                await asyncio.sleep(self.pause)
                end = time.perf_counter() + self.burn
                while time.perf_counter() < end:
                    pass
            return await ScriptedAgent().run(task, world, plan)
        finally:
            self.running -= 1


def run(agent: Counting, trials: int, concurrency: int, max_lag: float,
        stop: Stop | None = None, after: int = 0) -> tuple[list[Any], dict[str, Any]]:
    out: list[Any] = []
    admitted: dict[str, Any] = {}
    p = Prepared(load_file(SCENARIO), 0, TWINS)
    opts = RunOptions(trials=trials, concurrency=concurrency, seed=3, timeout=60, max_lag=max_lag)

    def sink(t: Any) -> None:
        out.append(t)
        if stop is not None and len(out) == after:
            stop.request()

    async def main() -> None:
        await run_all([agent], [p], opts, sink, stop=stop, admitted=admitted)
        assert asyncio.all_tasks() == {asyncio.current_task()}  # no worker or probe left behind

    run_async(main())
    return out, admitted


def test_trials_that_saturate_the_loop_run_fewer_at_once_and_all_finish() -> None:
    # 300 trials each holding the loop 2 ms every 50 ms: ~25 at once fill the loop
    hungry = Counting(burn=0.002, pause=0.05)
    out, admitted = run(hungry, 300, 300, max_lag=0.05)
    assert len(out) == 300 and all(t.satisfied for t in out)
    assert admitted["cuts"] >= 1
    assert hungry.most == admitted["peak_in_flight"] < 150

    unbounded = Counting(burn=0.002, pause=0.05)
    out, admitted = run(unbounded, 300, 300, max_lag=0)
    assert len(out) == 300 and admitted == {}
    assert unbounded.most == 300


def test_trials_that_leave_the_loop_idle_are_not_held_back() -> None:
    idle = Counting(burn=0.0, pause=0.1, turns=3)
    out, admitted = run(idle, 600, 300, max_lag=0.05)
    assert len(out) == 600 and all(t.satisfied for t in out)
    assert admitted["cuts"] == 0
    assert idle.most == admitted["peak_in_flight"] > 150  # grown from 64 towards --concurrency


def test_a_stop_while_trials_wait_for_a_slot_ends_the_run_cleanly() -> None:
    hungry = Counting(burn=0.002, pause=0.05)
    stop = Stop()
    out, admitted = run(hungry, 300, 300, max_lag=0.05, stop=stop, after=20)
    assert 20 <= len(out) < 300  # the running trials were cancelled; the waiting ones never started
    assert hungry.running == 0 and admitted["peak_in_flight"] < 300
