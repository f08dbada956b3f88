"""Ray's overhead per shard, in one run: the same trials in one process, as `--workers 2`, and as
Ray tasks on a local Ray with as many CPUs, cut into more and more shards."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

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


def bench_ray(families: dict[str, list[Loaded]], trials: int = 20, counts: Sequence[int] = (2, 16, 64, 256)) -> None:
    loaded = [ld for lds in families.values() for ld in lds]
    total = trials * len(loaded)
    os.environ.setdefault("RAY_NUM_CPUS", str(CPUS))
    t0 = time.perf_counter()
    ray = init("local", CPUS)
    started = time.perf_counter() - t0
    t0 = time.perf_counter()
    timed("ray", shards_of(loaded, 1, CPUS))  # Ray starts its worker processes, each prepares the library
    first = time.perf_counter() - t0
    # Ray's own cost of a task that carries a shard's bytes and does nothing with them
    payload = ENCODER.encode(shards_of(loaded, trials, 64)[0])
    def size(data: bytes) -> int:  # nested, so Ray ships it by value to workers that cannot import bench
        return len(data)

    noop = ray.remote(num_cpus=1)(size)
    ray.get([noop.remote(payload) for _ in range(CPUS)])
    t0 = time.perf_counter()
    ray.get([noop.remote(payload) for _ in range(200)])
    per_task = (time.perf_counter() - t0) / 200
    one = min(timed("process", shards_of(loaded, trials, 1)) for _ in range(2))
    workers = min(timed("workers", shards_of(loaded, trials, CPUS)) for _ in range(2))
    print(f"\nray: local, {CPUS} CPUs; ray.init {started:.1f} s; first tasks (worker start, library prepared once "
          f"per worker) {first:.1f} s; a no-op task with a shard's {len(payload) / 1000:.0f} KB: "
          f"{per_task * 1000:.2f} ms")
    print(f"{total:,} trajectories (whole library x {trials}): one process {one:.2f} s ({total / one:,.0f}/s, "
          f"prepared), --workers {CPUS} {workers:.2f} s ({total / workers:,.0f}/s, process start included)")
    print(f"{'ray shards':<12}{'seconds':>9}{'traj/s':>9}{'/ workers':>11}{'/ one process':>15}")
    walls = []
    for s in counts:
        wall = min(timed("ray", shards_of(loaded, trials, s)) for _ in range(2))
        walls.append(wall)
        print(f"{s:<12}{wall:>9.2f}{total / wall:>9,.0f}{workers / wall:>10.2f}x{one / wall:>14.2f}x", flush=True)
    # the slope of the wall time against the number of shards, times the CPUs that run them
    n = len(counts)
    mx, my = sum(counts) / n, sum(walls) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(counts, walls, strict=True)) / sum((x - mx) ** 2 for x in counts)
    print(f"Ray's overhead per shard (slope over {', '.join(map(str, counts))} shards x {CPUS} CPUs): "
          f"{slope * CPUS * 1000:.1f} ms")
    ray.shutdown()
