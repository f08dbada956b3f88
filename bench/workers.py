"""Scaling across processes: the same trials in one worker process and in two, in one run."""

from __future__ import annotations

import time
from collections.abc import Sequence

from dtu.runner.engine import run_async
from dtu.runner.parallel import run_workers
from dtu.runner.scenario import Loaded
from dtu.runner.shard import Shard, split


def rate(loaded: Sequence[Loaded], trials: int, workers: int) -> float:
    deal = split(["scripted"], [ld.id for ld in loaded], trials, workers)
    shards = [Shard(scenarios=[ld.path for ld in loaded], agents=["scripted"], trials=part, seed=1,
                    timeout=60, concurrency=1000) for part in deal]
    count = 0

    def sink(lines: bytes) -> None:
        nonlocal count
        count += lines.count(b"\n")

    t0 = time.perf_counter()
    run_async(run_workers(shards, ["scripted"], sink))
    return count / (time.perf_counter() - t0)


def bench_workers(families: dict[str, list[Loaded]], trials: int = 800) -> None:
    loaded = [ld for lds in families.values() for ld in lds]
    total = trials * len(loaded)
    one = max(rate(loaded, trials, 1) for _ in range(2))
    two = max(rate(loaded, trials, 2) for _ in range(2))
    print(f"\n{'workers (whole library)':<30}{'trajectories':>13}{'1 worker/s':>12}{'2 workers/s':>13}{'speed-up':>10}")
    print(f"{'':<30}{total:>13,}{one:>12,.0f}{two:>13,.0f}{two / one:>9.2f}x")
