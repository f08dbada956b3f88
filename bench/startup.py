"""How long a `dtu` command takes to start: wall milliseconds, best of `rounds`, next to the
interpreter starting and doing nothing (`python -c pass`) in the same run. `dtu --version` is the
CLI's imports alone; `dtu lint` one bundled scenario, a command that computes no interval."""

from __future__ import annotations

import subprocess
import sys
import time

from dtu.runner.scenario import BUNDLED

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "dtu --version": [sys.executable, "-m", "dtu.runner", "--version"],
    "dtu lint (1 scenario)": [sys.executable, "-m", "dtu.runner", "lint", str(BUNDLED / "slack" / "launch-channel.yaml")],
}


def bench_startup(rounds: int = 7) -> None:
    print(f"\n{'dtu start-up':<24}{'ms':>8}{'x python':>10}")
    base = 0.0
    for label, argv in COMMANDS.items():
        best = float("inf")
        for _ in range(rounds):
            t0 = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
            best = min(best, time.perf_counter() - t0)
        base = base or best
        print(f"{label:<24}{best * 1000:>8.0f}{best / base:>10.1f}", flush=True)
