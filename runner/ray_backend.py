"""Running shards as Ray tasks (`dtu run --ray auto|ADDRESS`), with backpressure and the same merge.

Each task runs the async engine on its worker over one shard and returns its trajectory lines.
At most `2 x cluster CPUs` tasks are in flight; Ray retries a task whose worker died once."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from .errors import DtuError
from .shard import Shard

Append = Callable[[bytes], None]


def _run_shard_task(payload: bytes) -> bytes:
    """The body of a Ray task: decode the shard, run it on a fresh loop, return the lines."""
    from .engine import run_async
    from .shard import SHARD, run_shard

    lines: list[bytes] = []
    run_async(run_shard(SHARD.decode(payload), lines.append))
    return b"".join(lines)


def init(address: str, num_cpus: int | None = None) -> Any:
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
        ray.init(**kwargs)
    return ray


def run_ray(shards: Sequence[Shard], append: Append, address: str = "auto", in_flight: int | None = None) -> None:
    """Submit shards as tasks, keep a bounded number in flight, append lines as tasks finish."""
    from .records import ENCODER

    ray = init(address)
    task = ray.remote(max_retries=1, num_cpus=1)(_run_shard_task)
    limit = in_flight or max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
    todo = list(shards)
    running: list[Any] = []
    while todo or running:
        while todo and len(running) < limit:
            running.append(task.remote(ENCODER.encode(todo.pop(0))))
        done, running = ray.wait(running, num_returns=1)
        for ref in done:
            data: bytes = ray.get(ref)
            if data:
                append(data)

