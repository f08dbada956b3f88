"""Ray's overhead per shard, in one run: the same trials in one process, as `--workers 2`, and as
Ray tasks on a local Ray with as many CPUs, cut into more and more shards."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import msgspec

from dtu.runner.engine import run_async
from dtu.runner.parallel import run_workers
from dtu.runner.ray_backend import init, run_ray
from dtu.runner.records import ENCODER
from dtu.runner.scenario import Loaded
from dtu.runner.shard import Setup, Shard, run_shard, split

CPUS = 2


def shards_of(loaded: Sequence[Loaded], trials: int, n: int) -> list[Shard]:
    """`dtu run`'s shards (distribute.py): every scenario's text travels with a Ray shard."""
    return [Shard(scenarios=[ld.path for ld in loaded], agents=["scripted"], trials=part, seed=1, timeout=60,
                  concurrency=1000, texts=[ld.text for ld in loaded])
            for part in split(["scripted"], [ld.id for ld in loaded], trials, n)]


def timed(run: str, shards: Sequence[Shard]) -> float:
    """Seconds to run the shards' trials ("ray", "workers" or "process": one shard in this process,
    prepared beforehand); every trial must come back."""
    count = 0

    def append(lines: bytes) -> None:
        nonlocal count
        count += lines.count(b"\n")

    setup = Setup(shards[0]) if run == "process" else None
    t0 = time.perf_counter()
    if run == "ray":
        run_ray(shards, append, "local")
    elif run == "workers":
        run_async(run_workers(shards, ["scripted"], append))
    else:
        count = run_async(run_shard(shards[0], lambda i, t: None, setup=setup))
    wall = time.perf_counter() - t0
    if count != sum(len(s.trials) for s in shards):
        raise RuntimeError(f"bench: {run} returned {count} trajectories")
    return wall


def bench_ray(families: dict[str, list[Loaded]], trials: int = 20, tiny: int = 256) -> None:
    loaded = [ld for lds in families.values() for ld in lds]
    total = trials * len(loaded)
    os.environ.setdefault("RAY_NUM_CPUS", str(CPUS))
    t0 = time.perf_counter()
    ray = init("local", CPUS)
    started = time.perf_counter() - t0
    t0 = time.perf_counter()
    timed("ray", shards_of(loaded, 1, CPUS))  # Ray starts its worker processes, each prepares the library
    first = time.perf_counter() - t0
    # Ray's own cost of a task shaped as run_ray's (the run as an object ref, the shard's trials) that does nothing
    shard = shards_of(loaded, trials, 64)[0]
    run, part = [ray.put(ENCODER.encode(msgspec.structs.replace(shard, trials=[])))], ENCODER.encode(shard.trials)

    def size(refs: list[Any], data: bytes) -> int:  # nested, so Ray ships it by value to workers that cannot import bench
        return len(refs) + len(data)

    noop = ray.remote(num_cpus=1)(size)
    ray.get([noop.remote(run, part) for _ in range(CPUS)])
    t0 = time.perf_counter()
    ray.get([noop.remote(run, part) for _ in range(200)])
    per_task = (time.perf_counter() - t0) / 200
    # Per shard: one small scenario's `tiny` trials as `tiny` shards of one trial, and as CPUS shards, alternately
    small = [min(loaded, key=lambda ld: len(ld.text))]
    few, many = [], []
    for _ in range(3):
        few.append(timed("ray", shards_of(small, tiny, CPUS)))
        many.append(timed("ray", shards_of(small, tiny, tiny)))
    per_shard = (min(many) - min(few)) * CPUS / (tiny - CPUS)
    print(f"\nray: local, {CPUS} CPUs; ray.init {started:.1f} s; first tasks (worker start, library prepared once "
          f"per worker) {first:.1f} s; a no-op task: {per_task * 1000:.2f} ms")
    print(f"{small[0].id} x {tiny}: {CPUS} shards {min(few):.2f} s, {tiny} shards of one trial {min(many):.2f} s: "
          f"{per_shard * 1000:.1f} ms per shard ({per_shard / per_task:.1f}x a no-op task)")
    # The library, as `dtu run --workers 2` and as `dtu run --ray local --workers 2` deal it (8 shards a worker)
    print(f"{total:,} trajectories (whole library x {trials}; each Ray run fetches and prepares it once per worker):")
    print(f"{'':<34}{'seconds':>9}{'traj/s':>9}{'/ --workers':>13}")
    rows: dict[str, list[float]] = {"one process (prepared, no start)": [], f"--workers {CPUS}": [],
                                    f"ray, {CPUS} shards": [], f"ray, {8 * CPUS} shards": []}
    for _ in range(2):
        for label, (how, n) in zip(rows, [("process", 1), ("workers", CPUS), ("ray", CPUS), ("ray", 8 * CPUS)],
                                   strict=True):
            rows[label].append(timed(how, shards_of(loaded, trials, n)))
    base = min(rows[f"--workers {CPUS}"])
    for label, walls in rows.items():
        wall = min(walls)
        print(f"{label:<34}{wall:>9.2f}{total / wall:>9,.0f}{base / wall:>12.2f}x", flush=True)
    ray.shutdown()
