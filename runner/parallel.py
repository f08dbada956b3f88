"""Running shards in local worker processes, each with its own uvloop, merged into one run."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Sequence

import msgspec

from .interrupt import Stop
from .records import ENCODER, Trajectory
from .shard import Shard, frames, tally

Append = Callable[[bytes], None]  # takes one or more complete trajectory lines
Count = Callable[[int, int, int], None]  # (trajectories, satisfied, errored) just recorded
LINE_LIMIT = 1 << 28
WORKER = (sys.executable, "-m", "dtu.runner.shard")  # the worker program: a Shard on stdin, frames on stdout


def lost(shard: Shard, got: set[int]) -> list[tuple[int, str, int]]:
    return [t for i, t in enumerate(shard.trials) if i not in got]


def dead_trajectory(name: str, sid: str, k: int, why: str, attempt: int) -> bytes:
    t = Trajectory(scenario=sid, agent=name, trial=k, seed=0, satisfied=False, score=0.0, checks=[], calls=[],
                   digest="", error=why, attempt=attempt)
    return ENCODER.encode(t) + b"\n"


class Workers:
    """The live worker processes of a run, so a stop can reach every one of them."""

    def __init__(self) -> None:
        self.procs: set[asyncio.subprocess.Process] = set()

    def send(self, sig: int) -> None:
        for proc in list(self.procs):
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(sig)

    def terminate(self) -> None:  # the first stop: workers cancel their trials and send what finished
        self.send(signal.SIGTERM)

    def kill(self) -> None:  # a hard exit
        self.send(signal.SIGKILL)


async def run_process(shard: Shard, append: Append, workers: Workers | None = None,
                      progress: Count | None = None,
                      command: Sequence[str] = WORKER) -> tuple[int, str, set[int]]:
    """One worker process for one shard; returns its exit code, stderr tail and the trials it reported
    (indices into `shard.trials`). A frame cut short by the worker's death is dropped.

    The worker runs in its own session: a Ctrl-C at the terminal reaches the parent only, which
    stops workers with SIGTERM."""
    proc = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, limit=LINE_LIMIT, start_new_session=True)
    workers = workers or Workers()
    workers.procs.add(proc)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    got: set[int] = set()
    err = asyncio.ensure_future(proc.stderr.read())
    try:
        proc.stdin.write(ENCODER.encode(shard))
        with contextlib.suppress(ConnectionError):
            await proc.stdin.drain()
        proc.stdin.close()
        pending = bytearray()
        while chunk := await proc.stdout.read(1 << 20):
            pending += chunk
            heads, lines, cut = frames(pending)
            if not heads:
                continue
            del pending[:cut]
            for head in heads:
                got.update(head.trials)
            append(lines)  # every complete frame's lines, in one write
            if progress is not None:
                progress(*tally(heads))
        rc = await proc.wait()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    finally:
        workers.procs.discard(proc)
    tail = (await err)[-2000:].decode(errors="replace")
    return rc, tail, got


async def run_workers(shards: Sequence[Shard], names: Sequence[str], append: Append, stop: Stop | None = None,
                      progress: Count | None = None, command: Sequence[str] = WORKER) -> None:
    """Run every shard in its own process at once. A shard whose process dies has its unreported
    trials retried once in a fresh process (attempt 2); a second death records them as errored.
    When `stop` is requested, every worker gets SIGTERM, and their unfinished trials are neither
    retried nor recorded (a resume runs them). `command` starts a worker (bench/synthetic.py is
    another program that speaks the same protocol)."""
    stop = stop or Stop()
    workers = Workers()

    async def one(shard: Shard) -> None:
        if stop.requested:
            return
        rc, tail, got = await run_process(shard, append, workers, progress, command)
        missing = lost(shard, got)
        if not missing or stop.requested:
            return
        why = f"worker exited with {rc}: {tail.strip().splitlines()[-1] if tail.strip() else 'no message'}"
        if shard.attempt == 1:
            print(f"dtu: {why}; retrying its {len(missing)} unfinished trials", file=sys.stderr)
            await one(msgspec.structs.replace(shard, trials=missing, attempt=2))
            return
        for a, sid, k in missing:
            append(dead_trajectory(names[a], sid, k, why, shard.attempt))
        if progress is not None:
            progress(len(missing), 0, len(missing))

    with stop.on_request(asyncio.get_running_loop(), workers.terminate), stop.on_exit(workers.kill):
        async with asyncio.TaskGroup() as tg:
            for shard in shards:
                tg.create_task(one(shard))
