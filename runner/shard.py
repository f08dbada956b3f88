"""Shards: a run's trials split across processes (`--workers N`) or Ray tasks (`--ray`).

A shard is plain data (scenario paths, agent specs, options, trial keys), so it travels to a
local process or a Ray worker alike. A worker streams encoded trajectories back, one line each;
the parent writes them as they come, so a dead worker loses only its in-flight trials, which are
retried once elsewhere (attempt 2) and recorded as such."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from dtu.twins.core.faults import parse_plan

from . import persona
from .agents_loader import resolve
from .engine import Prepared, RunOptions, prepare, run_all
from .interrupt import Stop, handle_signals
from .scenario import load_file, load_text

TrialKey = tuple[str, str, int]  # (agent spec, scenario id, trial)


class Shard(msgspec.Struct, frozen=True):
    scenarios: list[str]  # scenario file paths (as named in records)
    agents: list[str]  # agent specs
    trials: list[tuple[int, str, int]]  # (agent index, scenario id, trial)
    seed: int
    timeout: float
    concurrency: int
    max_steps: int | None = None
    attempt: int = 1
    out_dir: str = ""
    faults: Any = None  # the run's --faults plan, as data
    texts: list[str] = []  # the scenario files' texts, so a worker on another machine needs no files
    # The run's sandbox settings for program agents (RunOptions.sandbox, mounts, launch_dir, hidden).
    sandbox: bool = True
    mounts: list[str] = []
    launch_dir: str = ""
    hidden: list[str] = []

    def options(self) -> RunOptions:
        """The engine options this shard's trials run with."""
        return RunOptions(trials=0, concurrency=self.concurrency, seed=self.seed, timeout=self.timeout,
                          max_steps=self.max_steps, out_dir=self.out_dir,
                          faults=parse_plan(self.faults) if self.faults is not None else None,
                          sandbox=self.sandbox, mounts=tuple(self.mounts), launch_dir=self.launch_dir,
                          hidden=tuple(self.hidden))


class Key(msgspec.Struct):
    """The identifying fields of a trajectory line (and its verdict), decoded without the rest."""

    agent: str
    scenario: str
    trial: int
    satisfied: bool = False
    error: str | None = None


KEY = msgspec.json.Decoder(Key)
SHARD = msgspec.json.Decoder(Shard)


def tally(block: bytes) -> tuple[int, int, int]:
    """(trajectories, satisfied, errored) in a block of complete trajectory lines."""
    n = sat = err = 0
    for line in block.splitlines():
        key = KEY.decode(line)
        n += 1
        sat += key.satisfied
        err += key.error is not None
    return n, sat, err


def split(agents: Sequence[str], scenario_ids: Sequence[str], trials: int, n: int,
          skip: set[tuple[str, str, int]] | None = None, names: Sequence[str] | None = None) -> list[list[tuple[int, str, int]]]:
    """Deal the trials round-robin into n shards, so each shard gets every scenario's share."""
    shards: list[list[tuple[int, str, int]]] = [[] for _ in range(n)]
    i = 0
    for a in range(len(agents)):
        for sid in scenario_ids:
            for k in range(trials):
                if skip and names and (names[a], sid, k) in skip:
                    continue
                shards[i % n].append((a, sid, k))
                i += 1
    return [s for s in shards if s]


async def run_shard(shard: Shard, emit: Callable[[bytes], None], stop: Stop | None = None) -> int:
    """Run a shard's trials on this process's loop; emit each encoded trajectory line. When `stop`
    is requested, running trials are cancelled and no more start (see `run_all`)."""
    from .records import ENCODER, Trajectory

    loaded = ([load_text(p, t) for p, t in zip(shard.scenarios, shard.texts, strict=True)] if shard.texts
              else [load_file(p) for p in shard.scenarios])
    prepared: dict[str, Prepared] = {p.scenario.id: p for p in prepare(loaded, shard.seed)}
    persona.attach(prepared.values(), shard.out_dir or None)  # as `dtu run` does (runner/persona.py)
    agents = [resolve(spec) for spec in shard.agents]
    todo = [(agents[a], prepared[sid], k) for a, sid, k in shard.trials]

    def sink(t: Trajectory) -> None:
        if shard.attempt != 1:
            t.attempt = shard.attempt
        emit(ENCODER.encode(t) + b"\n")

    return await run_all(agents, list(prepared.values()), shard.options(), sink, todo=todo, stop=stop)


def worker_main() -> int:
    """`python -m dtu.runner.shard`: read a Shard (JSON) on stdin, stream trajectory lines on stdout.

    SIGTERM (or SIGINT) stops the shard as the first Ctrl-C stops a run: running trials are
    cancelled, finished ones are sent, the process exits 0; a second signal exits at once."""
    import asyncio

    from .engine import run_async

    shard = SHARD.decode(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    pending: list[bytes] = []

    def flush() -> None:
        out.write(b"".join(pending))
        out.flush()
        pending.clear()

    def emit(line: bytes) -> None:
        # Trials that finish in one turn of the loop go out in one write, flushed at once.
        if not pending:
            asyncio.get_running_loop().call_soon(flush)
        pending.append(line)

    with handle_signals(Stop()) as stop:
        run_async(run_shard(shard, emit, stop))
        flush()
    return 0


if __name__ == "__main__":
    sys.exit(worker_main())
