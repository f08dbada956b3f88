"""Shards: a run's trials split across processes (`--workers N`) or Ray tasks (`--ray`).

A shard is plain data (scenario paths, agent specs, options, trial keys), so it travels to a
local process or a Ray worker alike. A worker streams encoded trajectories back, one line each,
in frames (`Frame`: a header with the frame's size and tally, then its lines), and the parent
writes them as they come without parsing them. So a dead worker loses only its in-flight
trials, which are retried once elsewhere (attempt 2) and recorded as such."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from dtu.twins.core.faults import parse_plan

from . import persona
from .agents_loader import resolve
from .engine import Prepared, RunOptions, prepare, run_all
from .interrupt import Stop, handle_signals
from .records import ENCODER, Trajectory
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
    max_lag: float = 0.0
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
                          max_steps=self.max_steps, out_dir=self.out_dir, max_lag=self.max_lag,
                          faults=parse_plan(self.faults) if self.faults is not None else None,
                          sandbox=self.sandbox, mounts=tuple(self.mounts), launch_dir=self.launch_dir,
                          hidden=tuple(self.hidden))


class Frame(msgspec.Struct, array_like=True):
    """The header a worker writes (as one JSON line) before each block of trajectory lines: the
    block's size in bytes, its tally and which of the shard's trials it holds (indices into
    `Shard.trials`), so the parent forwards the block and counts it without parsing a line."""

    size: int
    satisfied: int
    errored: int
    trials: list[int]


FRAME = msgspec.json.Decoder(Frame)
SHARD = msgspec.json.Decoder(Shard)


class Framer:
    """Encodes a shard's trajectories into lines and frames them; `take()` returns the frame so far."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.frame = Frame(size=0, satisfied=0, errored=0, trials=[])

    def add(self, index: int, t: Trajectory) -> None:
        line = ENCODER.encode(t) + b"\n"
        self.lines.append(line)
        f = self.frame
        f.size += len(line)
        f.satisfied += t.satisfied
        f.errored += t.error is not None
        f.trials.append(index)

    def take(self) -> bytes:
        """The frame so far, header and lines; the next one starts empty."""
        out = b"".join([ENCODER.encode(self.frame), b"\n", *self.lines])
        self.lines = []
        self.frame = Frame(size=0, satisfied=0, errored=0, trials=[])
        return out


def frames(data: bytes | bytearray) -> tuple[list[Frame], bytes, int]:
    """The complete frames at the start of `data`: their headers, their lines (joined) and the
    offset where the rest (an incomplete frame) starts."""
    heads: list[Frame] = []
    bodies: list[memoryview] = []
    pos = 0
    with memoryview(data) as view:
        while (eol := data.find(b"\n", pos)) >= 0:
            head = FRAME.decode(view[pos:eol])
            end = eol + 1 + head.size
            if end > len(data):
                break
            heads.append(head)
            bodies.append(view[eol + 1:end])
            pos = end
        lines = b"".join(bodies)
        for b in bodies:
            b.release()
    return heads, lines, pos


def tally(heads: Sequence[Frame]) -> tuple[int, int, int]:
    """(trajectories, satisfied, errored) in these frames."""
    return sum(len(h.trials) for h in heads), sum(h.satisfied for h in heads), sum(h.errored for h in heads)


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


class Setup:
    """What a run's shards run on: its scenarios loaded and prepared (personas attached) and its
    options. Every field of a shard but its trials and attempt is the run's, so a process that
    runs several shards of one run (a Ray worker) can build this once."""

    def __init__(self, shard: Shard) -> None:
        loaded = ([load_text(p, t) for p, t in zip(shard.scenarios, shard.texts, strict=True)] if shard.texts
                  else [load_file(p) for p in shard.scenarios])
        self.prepared: dict[str, Prepared] = {p.scenario.id: p for p in prepare(loaded, shard.seed)}
        persona.attach(self.prepared.values(), shard.out_dir or None)  # as `dtu run` does (runner/persona.py)
        self.options = shard.options()


async def run_shard(shard: Shard, emit: Callable[[int, Trajectory], None], stop: Stop | None = None,
                    setup: Setup | None = None) -> int:
    """Run a shard's trials on this process's loop (on `setup`, built from the shard if not given);
    emit each trajectory with its index in `shard.trials`. When `stop` is requested, running
    trials are cancelled and no more start (see `run_all`)."""
    setup = setup or Setup(shard)
    prepared = setup.prepared
    agents = [resolve(spec) for spec in shard.agents]
    todo = [(agents[a], prepared[sid], k) for a, sid, k in shard.trials]
    index = {(agents[a].name, sid, k): i for i, (a, sid, k) in enumerate(shard.trials)}

    def sink(t: Trajectory) -> None:
        if shard.attempt != 1:
            t.attempt = shard.attempt
        emit(index[t.agent, t.scenario, t.trial], t)

    return await run_all(agents, list(prepared.values()), setup.options, sink, todo=todo, stop=stop)


def worker_main() -> int:
    """`python -m dtu.runner.shard`: read a Shard (JSON) on stdin, stream framed trajectory lines on
    stdout (`Frame`). Anything else the process prints goes to stderr, so it cannot break a frame.

    SIGTERM (or SIGINT) stops the shard as the first Ctrl-C stops a run: running trials are
    cancelled, finished ones are sent, the process exits 0; a second signal exits at once."""
    import asyncio

    from .engine import run_async

    shard = SHARD.decode(sys.stdin.buffer.read())
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    framer = Framer()

    def flush() -> None:
        out.write(framer.take())
        out.flush()

    def emit(index: int, t: Trajectory) -> None:
        # Trials that finish in one turn of the loop go out in one frame, written at once.
        if not framer.lines:
            asyncio.get_running_loop().call_soon(flush)
        framer.add(index, t)

    with handle_signals(Stop()) as stop:
        run_async(run_shard(shard, emit, stop))
        if framer.lines:
            flush()
    return 0


if __name__ == "__main__":
    sys.exit(worker_main())
