"""What the bubblewrap sandbox costs a program agent: the same command agent, the same scenario and
trials, without the sandbox (the --no-sandbox path), in bwrap on the host's network (what
`llm=real` gets) and in bwrap with its private network (the default), measured in one run.

Then what starting a program costs dtu's event loop as dtu's memory grows (`bench_spawn`), the
way dtu started programs before (uvloop's subprocesses: libuv forks dtu) and the way it does now
(agents/spawn.py: vfork; the sandbox's private network made by a helper process), on dtu's loop,
from this process while it holds a ballast of small objects."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import resource
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from dtu.agents import netns, spawn
from dtu.agents import sandbox as box
from dtu.agents.command import CommandAgent, spawn_private
from dtu.runner.engine import RunOptions, prepare, run_all, run_async
from dtu.runner.records import Trajectory
from dtu.runner.scenario import BUNDLED, Loaded, load_file

ROOT = Path(__file__).resolve().parents[1]
PY = shlex.quote(sys.executable)
# A program that starts and exits, and one that also makes a Slack call with the standard library.
PROGRAMS = {
    "true": "true",
    "python, 1 call": PY + " -c " + shlex.quote(
        "import os, urllib.request; urllib.request.urlopen(urllib.request.Request("
        "os.environ['SLACK_API_URL'] + 'auth.test', data=b'', "
        "headers={'Authorization': 'Bearer ' + os.environ['DTU_TOKEN']})).read()"),
}


# mode: (sandbox, agent options); llm=real keeps the host's network (no ANTHROPIC_* is set here)
MODES = {"off": (False, ""), "bwrap": (True, "llm=real,"), "bwrap+net": (True, "")}


def measure(loaded: Loaded, command: str, mode: str, trials: int, jobs: int) -> tuple[float, float]:
    """(trials per second, mean wall milliseconds per trial) for one run of `trials` trials."""
    got: list[Trajectory] = []
    sandbox, options = MODES[mode]
    opts = RunOptions(trials=trials, concurrency=jobs, timeout=120, sandbox=sandbox, launch_dir=str(ROOT))
    agent = CommandAgent(f"{options}jobs={jobs} -- {command}")
    with contextlib.redirect_stderr(io.StringIO()):  # the --no-sandbox warning, once per run
        t0 = time.perf_counter()
        asyncio.run(run_all([agent], prepare([loaded], 0), opts, got.append))
        wall = time.perf_counter() - t0
    bad = [t.error for t in got if t.error is not None]
    if bad:
        raise RuntimeError(f"bench sandbox: {len(bad)} trials failed: {bad[0]}")
    return trials / wall, sum(t.wall_ms for t in got) / len(got)


def bench_sandbox(trials: int = 40, rounds: int = 3) -> None:
    loaded = load_file(BUNDLED / "slack" / "launch-channel.yaml")
    print(f"\n{'command agent, sandbox vs none':<24}{'jobs':>5}{'off/s':>8}{'bwrap/s':>9}{'+net/s':>8}{'ratio':>7}"
          f"{'off ms':>8}{'bwrap ms':>10}{'+net ms':>9}{'+ms':>6}")
    for label, command in PROGRAMS.items():
        for jobs in (1, 4):
            best: dict[str, tuple[float, float]] = {}
            for _ in range(rounds):  # alternate, keep each mode's best round
                for mode in MODES:
                    rate, ms = measure(loaded, command, mode, trials, jobs)
                    if mode not in best or rate > best[mode][0]:
                        best[mode] = (rate, ms)
            (off, off_ms), (box, box_ms), (net, net_ms) = best["off"], best["bwrap"], best["bwrap+net"]
            print(f"{label:<24}{jobs:>5}{off:>8.1f}{box:>9.1f}{net:>8.1f}{net / off:>7.2f}{off_ms:>8.1f}"
                  f"{box_ms:>10.1f}{net_ms:>9.1f}{net_ms - off_ms:>6.1f}", flush=True)


def bench_spawn(starts: int = 20, ballast: tuple[int, ...] = (0, 1_000_000, 4_000_000)) -> list[dict[str, float]]:
    """Starting `true` and reaping it, on dtu's own loop (uvloop), as this process holds more
    objects: what dtu's CPU a start is (`time.process_time`: the copy of its page tables a fork
    makes is in it, and the event loop serves nothing meanwhile) and the whole start's wall time.

    Two ways, each the way dtu started programs before and the way it does now (agents/spawn.py):
    - `--no-sandbox`: uvloop's subprocess (libuv forks) against `spawn.start` (vfork), both with
      the command line `sandbox.unsandboxed` gives (setpriv sets the death signal);
    - the default sandbox, bwrap with its private network: uvloop's subprocess with the preexec
      function that makes the network namespace (a fork) against the helper making it
      (`netns.Maker`) and `spawn.start` starting nsenter and bwrap (vfork)."""
    line, preexec = box.unsandboxed("exec true")
    private = netns.maker() is not None
    bwrap = box.probe()
    pipes = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
             "start_new_session": True}

    async def free_old() -> None:
        proc = await asyncio.create_subprocess_exec(*line, preexec_fn=preexec, **pipes)
        await proc.wait()

    async def free_now() -> None:
        await (await spawn.start(*line, preexec_fn=preexec, **pipes)).wait()

    async def boxed_old(argv: list[str], work: str) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with parent:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *argv, cwd=work, preexec_fn=netns.enter(8080, child.fileno(), share=True),
                    pass_fds=(child.fileno(),), **pipes)
            finally:
                child.close()
            listening, ns_fd = netns.receive_all(parent)
        listening.close()
        if ns_fd is not None:
            os.close(ns_fd)
        await proc.wait()

    async def boxed_now(argv: list[str], work: str) -> None:
        proc, listening, ns_fd = await spawn_private(argv, work, pipes, 8080)
        listening.close()
        if ns_fd is not None:
            os.close(ns_fd)
        await proc.wait()

    async def timed(start: Callable[[], Awaitable[None]]) -> tuple[float, float]:
        cpu, t0 = time.process_time(), time.perf_counter()
        for _ in range(starts):
            await start()
        return (time.process_time() - cpu) * 1000 / starts, (time.perf_counter() - t0) * 1000 / starts

    print(f"\n{'start and reap true':<30}{'RSS MB':>7}{'before: dtu ms':>16}{'wall':>7}{'now: dtu ms':>13}"
          f"{'wall':>7}{'dtu ratio':>10}")
    rows = []
    held: list[dict[str, int]] = []
    with tempfile.TemporaryDirectory(prefix="dtu-bench-") as work:
        argv = box.argv(box.layout(None, "true"), work, work, "true", *bwrap)
        ways: list[tuple[str, Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]] = [
            ("--no-sandbox", free_old, free_now)]
        if private:
            ways.append(("sandbox, private network", lambda: boxed_old(argv, work), lambda: boxed_now(argv, work)))
        for n in ballast:
            held.extend({"i": i} for i in range(n - len(held)))
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            for label, old, now in ways:
                (b_cpu, b_wall), (n_cpu, n_wall) = run_async(timed(old)), run_async(timed(now))
                rows.append({"way": label, "rss_mb": rss, "before_cpu_ms": b_cpu, "now_cpu_ms": n_cpu})
                print(f"{label:<30}{rss:>7,.0f}{b_cpu:>16.2f}{b_wall:>7.2f}{n_cpu:>13.2f}{n_wall:>7.2f}"
                      f"{b_cpu / n_cpu:>10.1f}", flush=True)
    if not private:
        print("(no sandbox with a private network here: no nsenter, setpriv or user namespaces)")
    return rows
