"""Trajectories per second with the scripted agent, next to the floor in the same run."""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from typing import Any

from dtu.agents.scripted import ScriptedAgent
from dtu.runner.engine import Prepared, RunOptions, run_all, run_async
from dtu.runner.scenario import Loaded
from dtu.twins.registry import TWINS

from .floor import FLOOR, floor_scenario


def rate(loaded: Sequence[Loaded], trials: int, concurrency: int, twins: dict[str, Any] | None = None,
         repeat: int = 3) -> float:
    """Best of `repeat` runs: trajectories per second, world creation and checks included."""
    twins = twins or TWINS
    prepared = [Prepared(ld, 0, twins) for ld in loaded]
    agent = ScriptedAgent()
    best = 0.0
    for _ in range(repeat):
        count = 0

        def sink(t: Any) -> None:
            nonlocal count
            if not t.satisfied:
                raise RuntimeError(f"bench: {t.scenario} trial {t.trial} not satisfied: {t.error or t.checks}")
            count += 1

        opts = RunOptions(trials=trials, concurrency=concurrency, seed=1, timeout=60)
        gc.collect()
        t0 = time.perf_counter()
        run_async(run_all([agent], prepared, opts, sink))
        dt = time.perf_counter() - t0
        best = max(best, count / dt)
    return best


def steps_of(loaded: Sequence[Loaded]) -> int:
    return round(sum(len(ld.scenario.reference) for ld in loaded) / len(loaded))


def bench(families: dict[str, list[Loaded]], concurrencies: Sequence[int], total: int) -> list[dict[str, Any]]:
    rows = []
    for family, loaded in families.items():
        steps = steps_of(loaded)
        floor = [floor_scenario(steps)]
        twins = dict(TWINS, floor=FLOOR)
        for c in concurrencies:
            per = max(1, total // len(loaded))
            real = rate(loaded, per, c, twins)
            base = rate(floor, per * len(loaded), c, twins)
            rows.append({"family": family, "steps": steps, "concurrency": c, "traj_per_s": real,
                         "floor_per_s": base, "ratio": real / base})
    return rows
