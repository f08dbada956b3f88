"""Running a run's trials as shards: local worker processes (`--workers N`) or Ray (`--ray`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .engine import RunOptions, run_async
from .interrupt import Stop
from .parallel import Count, run_workers
from .ray_backend import run_ray
from .results import RunDir
from .scenario import Loaded
from .shard import Shard, split


def execute_sharded(rd: RunDir, loaded: Sequence[Loaded], agents: Sequence[Any], specs: Sequence[str],
                    opts: RunOptions, workers: int, ray: str | None = None, quiet: bool = False,
                    stop: Stop | None = None, progress: Count | None = None) -> bool:
    """Run what is left of the run folder's trials in shards; return True if stopped early.

    Agents are rebuilt in each worker from their specs; trials are dealt round-robin, so each
    shard sees every scenario; worker lines are appended here as they arrive. The sandbox
    settings of `opts` travel with each shard. When `stop` is requested, worker processes are
    asked to stop (SIGTERM: they cancel their running trials and send what finished) and Ray
    tasks are cancelled; unfinished trials are left for `dtu run --resume`."""
    stop = stop or Stop()
    rd.repair()
    faults = rd.manifest().faults
    names = [a.name for a in agents]
    done = {t.key for t in rd.trajectories()}
    count = max(1, workers) * (8 if ray else 1)
    deal = split(list(specs), [ld.id for ld in loaded], opts.trials, count, done, names)
    shards = [Shard(scenarios=[ld.path for ld in loaded], agents=list(specs), trials=part, seed=opts.seed,
                    timeout=opts.timeout, concurrency=opts.concurrency, max_steps=opts.max_steps,
                    max_lag=opts.max_lag,
                    out_dir=opts.out_dir, faults=faults, texts=[ld.text for ld in loaded] if ray else [],
                    sandbox=opts.sandbox, mounts=list(opts.mounts), launch_dir=opts.launch_dir,
                    hidden=list(opts.hidden))
              for part in deal]
    rd.open()
    try:
        if ray:
            run_ray(shards, rd.append_raw, ray, stop=stop, progress=progress)
        else:
            run_async(run_workers(shards, names, rd.append_raw, stop=stop, progress=progress))
    finally:
        rd.close()
    return stop.requested
