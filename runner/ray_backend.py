"""Running shards as Ray tasks (`dtu run --ray auto|local|ADDRESS`), with backpressure and the same merge.

Each task runs the async engine on its worker over one shard and returns its trajectory lines.
At most `2 x cluster CPUs` tasks are in flight; Ray retries a task whose worker died once. A
stop cancels the tasks in flight (their trials are left for `dtu run --resume`)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from .errors import DtuError
from .interrupt import Stop
from .parallel import Count
from .shard import Setup, Shard, frames, tally

Append = Callable[[bytes], None]
POLL = 0.25  # seconds between looks at the stop request while tasks run
CANCEL_GRACE = 5.0  # seconds a cancelled task gets to stop its agents before it is killed


Trials = list[tuple[int, str, int]]
_RUN: dict[str, tuple[Shard, Setup]] = {}  # the last run this Ray worker process ran a shard of


def _run_of(ray: Any, ref: Any) -> tuple[Shard, Setup]:
    """A run's shared shard (all but its trials) and its Setup, fetched and built once per Ray
    worker process: the scenarios' texts are ~0.5 MB for the library, and loading and preparing
    them costs far more than a task's trials (about 2 s)."""
    from .shard import SHARD

    if ref.hex() not in _RUN:
        _RUN.clear()  # one run's at a time: a long-lived cluster worker serves many runs
        shard = SHARD.decode(ray.get(ref))
        _RUN[ref.hex()] = shard, Setup(shard)
    return _RUN[ref.hex()]


def _run_shard_task(run: list[Any], trials: bytes) -> bytes:
    """The body of a Ray task: its run (`run[0]`, an object ref, left unresolved so a worker that
    has it already does not fetch it again) and its trials; runs them on a fresh loop and returns
    their lines as one frame."""
    import ray

    from .engine import run_async
    from .shard import Framer, run_shard

    common, setup = _run_of(ray, run[0])
    framer = Framer()
    run_async(run_shard(msgspec.structs.replace(common, trials=msgspec.json.decode(trials, type=Trials)),
                        framer.add, setup=setup))
    return framer.take()


def _no_cluster(address: str, e: Exception) -> DtuError:
    where = "no running Ray cluster was found" if address == "auto" else f"cannot connect to Ray at {address}"
    return DtuError(f"--ray {address}: {where} ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}). "
                    "Start a cluster first (`ray start --head`, then --ray auto, or set RAY_ADDRESS), pass a "
                    "cluster's address (--ray HOST:6379 or --ray ray://HOST:10001), or use --ray local to "
                    "start Ray inside this process")


def init(address: str, num_cpus: int | None = None) -> Any:
    """Ray, connected to `address` ("auto": a running cluster; "local": a fresh instance here)."""
    try:
        import ray
    except ImportError:
        raise DtuError('--ray needs Ray: pip install "dtu[ray]"') from None
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                  "ignore_reinit_error": True}
        if address == "local":  # a fresh local instance, sized by RAY_NUM_CPUS or the machine
            kwargs["num_cpus"] = num_cpus or int(os.environ.get("RAY_NUM_CPUS", "0")) or os.cpu_count()
        else:
            kwargs["address"] = address
        try:
            ray.init(**kwargs)
        except (ConnectionError, TimeoutError, ValueError, RuntimeError) as e:
            raise _no_cluster(address, e) from None
    return ray


def run_ray(shards: Sequence[Shard], append: Append, address: str = "auto", in_flight: int | None = None,
            stop: Stop | None = None, progress: Count | None = None) -> None:
    """Submit shards as tasks, keep a bounded number in flight, append lines as tasks finish."""
    from .records import ENCODER

    stop = stop or Stop()
    ray = init(address)
    task = ray.remote(max_retries=1, num_cpus=1)(_run_shard_task)
    limit = in_flight or max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
    runs: dict[bytes, Any] = {}  # each run's shared shard, put in the object store once

    def submit(shard: Shard) -> Any:
        common = ENCODER.encode(msgspec.structs.replace(shard, trials=[]))
        if common not in runs:
            runs[common] = ray.put(common)
        return task.remote([runs[common]], ENCODER.encode(shard.trials))

    todo = list(shards)
    running: list[Any] = []
    while (todo or running) and not stop.requested:
        while todo and len(running) < limit:
            running.append(submit(todo.pop(0)))
        done, running = ray.wait(running, num_returns=1, timeout=POLL)
        for ref in done:
            heads, lines, _ = frames(ray.get(ref))
            if lines:
                append(lines)
            if progress is not None:
                progress(*tally(heads))
    if running:
        _cancel(ray, running)


def _cancel(ray: Any, refs: list[Any]) -> None:
    """Cancel tasks in flight: first gently (the task's loop cancels its trials, so program agents
    kill their process trees), then by force for those still running after the grace."""
    for ref in refs:
        with contextlib.suppress(Exception):
            ray.cancel(ref, force=False)
    _, left = ray.wait(refs, num_returns=len(refs), timeout=CANCEL_GRACE)
    for ref in left:
        with contextlib.suppress(Exception):
            ray.cancel(ref, force=True)
