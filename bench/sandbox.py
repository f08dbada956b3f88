"""What the bubblewrap sandbox costs a program agent: the same command agent, the same scenario and
trials, with the sandbox and without (the --no-sandbox path), measured in one run."""

from __future__ import annotations

import asyncio
import contextlib
import io
import shlex
import sys
import time
from pathlib import Path

from dtu.agents.command import CommandAgent
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


def measure(loaded: Loaded, command: str, sandbox: bool, trials: int, jobs: int) -> tuple[float, float]:
    """(trials per second, mean wall milliseconds per trial) for one run of `trials` trials."""
    got: list[Trajectory] = []
    opts = RunOptions(trials=trials, concurrency=jobs, timeout=120, sandbox=sandbox, launch_dir=str(ROOT))
    agent = CommandAgent(f"jobs={jobs} -- {command}")
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
    print(f"\n{'command agent, sandbox vs none':<30}{'jobs':>5}{'off/s':>8}{'bwrap/s':>9}{'ratio':>7}"
          f"{'off ms':>8}{'bwrap ms':>10}{'+ms':>7}")
    for label, command in PROGRAMS.items():
        for jobs in (1, 4):
            best: dict[bool, tuple[float, float]] = {}
            for _ in range(rounds):  # alternate, keep each mode's best round
                for sandbox in (False, True):
                    rate, ms = measure(loaded, command, sandbox, trials, jobs)
                    if sandbox not in best or rate > best[sandbox][0]:
                        best[sandbox] = (rate, ms)
            (off, off_ms), (on, on_ms) = best[False], best[True]
            print(f"{label:<30}{jobs:>5}{off:>8.1f}{on:>9.1f}{on / off:>7.2f}{off_ms:>8.1f}{on_ms:>10.1f}"
                  f"{on_ms - off_ms:>7.1f}", flush=True)
