"""What the bubblewrap sandbox costs a program agent: the same command agent, the same scenario and
trials, without the sandbox (the --no-sandbox path), in bwrap on the host's network (what
`llm=real` gets) and in bwrap with its private network (the default), measured in one run.

Then what starting a --no-sandbox program costs dtu's event loop as dtu's memory grows (`bench_spawn`):
the command line `sandbox.unsandboxed` gives (setpriv sets the death signal: Python starts it with
vfork) next to the same line started with a preexec function (what it was before: a fork, which
copies dtu's page tables), from this process while it holds a ballast of small objects; and the same
for the default sandbox's start (`bench_private_start`): its private network made by a helper
process, the sandbox started with vfork, against a fork of dtu making it in a preexec function."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dtu.agents import netns
from dtu.agents import sandbox as box
from dtu.agents.command import CommandAgent, spawn_private
from dtu.runner.engine import RunOptions, prepare, run_all
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


def bench_spawn(starts: int = 20, ballast: tuple[int, ...] = (0, 1_000_000, 4_000_000)) -> None:
    """Milliseconds to start and reap `true` (--no-sandbox's command line) with and without a preexec
    function, as this process holds more objects."""
    line, preexec = box.unsandboxed("exec true")
    if preexec is not None:
        print("\nbench spawn: no setpriv here; the --no-sandbox line needs a preexec function (a fork)")
        return
    print(f"\n{'--no-sandbox start':<24}{'RSS MB':>8}{'vfork ms':>10}{'fork ms':>9}{'ratio':>7}")
    held: list[dict[str, int]] = []
    for n in ballast:
        held.extend({"i": i} for i in range(n - len(held)))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        times = []
        for pre in (None, box.die_with_parent()):
            t0 = time.perf_counter()
            for _ in range(starts):
                subprocess.run(line, preexec_fn=pre, check=True, start_new_session=True)
            times.append((time.perf_counter() - t0) / starts * 1000)
        print(f"{'true':<24}{rss:>8,.0f}{times[0]:>10.2f}{times[1]:>9.2f}{times[1] / times[0]:>7.1f}", flush=True)



def bench_private_start(starts: int = 20, ballast: tuple[int, ...] = (0, 1_000_000, 4_000_000)) -> None:
    """Starting `true` in the default sandbox (bwrap, private network), started and reaped, as this
    process holds more objects: the namespace made by the helper (`netns.Maker`) and the sandbox
    started with vfork through nsenter, against the namespace made in a preexec function of a fork
    of dtu (what it was before). `dtu ms` is this process's CPU a start (the fork's copy of its page
    tables is in it: time the event loop cannot serve), `wall ms` the whole start and exit."""
    if netns.maker() is None:
        print("\nbench private start: no nsenter, setpriv or private network here")
        return
    bwrap = box.probe()
    pipes = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
             "start_new_session": True}

    async def start(argv: list[str], work: str) -> None:
        proc, listening, ns_fd = await spawn_private(argv, work, pipes, 8080)
        listening.close()
        if ns_fd is not None:
            os.close(ns_fd)
        await proc.wait()

    async def run(argv: list[str], work: str) -> tuple[float, float]:
        cpu, t0 = time.process_time(), time.perf_counter()
        for _ in range(starts):
            await start(argv, work)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu
        return cpu * 1000 / starts, wall * 1000 / starts

    print(f"\n{'sandbox start (private net)':<28}{'RSS MB':>7}{'dtu ms':>8}{'wall ms':>9}"
          f"{'fork: dtu ms':>14}{'wall ms':>9}{'dtu ratio':>10}")
    held: list[dict[str, int]] = []
    with tempfile.TemporaryDirectory(prefix="dtu-bench-") as work:
        argv = box.argv(box.layout(None, "true"), work, work, "true", *bwrap)
        for n in ballast:
            held.extend({"i": i} for i in range(n - len(held)))
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            now = asyncio.run(run(argv, work))
            kept = netns._MAKER[:]
            netns._MAKER[:] = [None]  # as before: a fork of dtu and a preexec function
            try:
                before = asyncio.run(run(argv, work))
            finally:
                netns._MAKER[:] = kept
            print(f"{'true':<28}{rss:>7,.0f}{now[0]:>8.2f}{now[1]:>9.2f}{before[0]:>14.2f}{before[1]:>9.2f}"
                  f"{before[0] / now[0]:>10.1f}", flush=True)
