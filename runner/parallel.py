"""Running shards in local worker processes, each with its own uvloop, merged into one run."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence

from .records import ENCODER, Trajectory
from .shard import KEY, Shard

Append = Callable[[bytes], None]  # takes one or more complete trajectory lines
LINE_LIMIT = 1 << 28


def lost(shard: Shard, names: Sequence[str], got: set[tuple[str, str, int]]) -> list[tuple[int, str, int]]:
    return [t for t in shard.trials if (names[t[0]], t[1], t[2]) not in got]


def dead_trajectory(name: str, sid: str, k: int, why: str, attempt: int) -> bytes:
    t = Trajectory(scenario=sid, agent=name, trial=k, seed=0, satisfied=False, score=0.0, checks=[], calls=[],
                   digest="", error=why, attempt=attempt)
    return ENCODER.encode(t) + b"\n"


async def run_process(shard: Shard, names: Sequence[str], append: Append) -> tuple[int, str, set[tuple[str, str, int]]]:
    """One worker process for one shard; returns its exit code, stderr tail and the trials it reported."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dtu.runner.shard", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, limit=LINE_LIMIT)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(ENCODER.encode(shard))
    await proc.stdin.drain()
    proc.stdin.close()
    got: set[tuple[str, str, int]] = set()
    err = asyncio.ensure_future(proc.stderr.read())
    try:
        pending = b""
        while True:
            chunk = await proc.stdout.read(1 << 20)
            if not chunk:
                break
            pending += chunk
            cut = pending.rfind(b"\n") + 1
            if not cut:
                continue
            block, pending = pending[:cut], pending[cut:]
            for line in block.splitlines():
                key = KEY.decode(line)
                got.add((key.agent, key.scenario, key.trial))
            append(block)  # every complete line received, in one write
        rc = await proc.wait()
    except asyncio.CancelledError:
        proc.kill()
        await proc.wait()
        raise
    tail = (await err)[-2000:].decode(errors="replace")
    return rc, tail, got


async def run_workers(shards: Sequence[Shard], names: Sequence[str], append: Append) -> None:
    """Run every shard in its own process at once. A shard whose process dies has its unreported
    trials retried once in a fresh process (attempt 2); a second death records them as errored."""

    async def one(shard: Shard) -> None:
        rc, tail, got = await run_process(shard, names, append)
        missing = lost(shard, names, got)
        if not missing:
            return
        why = f"worker exited with {rc}: {tail.strip().splitlines()[-1] if tail.strip() else 'no message'}"
        if shard.attempt == 1:
            print(f"dtu: {why}; retrying its {len(missing)} unfinished trials", file=sys.stderr)
            retry = Shard(scenarios=shard.scenarios, agents=shard.agents, trials=missing, seed=shard.seed,
                          timeout=shard.timeout, concurrency=shard.concurrency, max_steps=shard.max_steps,
                          attempt=2, out_dir=shard.out_dir, faults=shard.faults)
            await one(retry)
            return
        for a, sid, k in missing:
            append(dead_trajectory(names[a], sid, k, why, shard.attempt))

    async with asyncio.TaskGroup() as tg:
        for shard in shards:
            tg.create_task(one(shard))
