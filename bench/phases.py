"""Where an in-process trajectory's time goes, per family, next to the floor doing as many calls.

A family's rate is measured as `bench engine` measures it (best of three). Then one more run times
four phases of every trajectory with `perf_counter_ns` around the engine's own methods:

- calls: `World.dispatch`, the agent's calls (a person's acts that a call sets off run inside it);
- checks: `CompiledChecks.evaluate`, the state views the checks read and their queries;
- digest: `World.digest`, the final state's digest;
- world: `Prepared.world`, the world a trial starts in.

`rest` is the measured trajectory time less those four: the trial's task, its agent loop, its
result, the scheduler. The timers add about a µs a call, counted in the phase they time.
`allowed` is what a trajectory may cost at 0.25 of the floor, the issue's goal: four floors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from dtu.runner.checks import CompiledChecks
from dtu.runner.engine import Prepared
from dtu.runner.scenario import Loaded
from dtu.twins.core import World
from dtu.twins.registry import TWINS

from .engine import rate, steps_of
from .floor import FLOOR, floor_scenario

PHASES: tuple[tuple[str, type, str], ...] = (
    ("calls", World, "dispatch"), ("checks", CompiledChecks, "evaluate"),
    ("digest", World, "digest"), ("world", Prepared, "world"),
)


@contextmanager
def timed(acc: dict[str, int]) -> Iterator[None]:
    """Every phase's method wrapped to add its nanoseconds to `acc[phase]`, while inside."""
    saved = [(cls, name, cls.__dict__[name]) for _, cls, name in PHASES]
    for phase, cls, name in PHASES:
        setattr(cls, name, _timer(cls.__dict__[name], phase, acc))
    try:
        yield
    finally:
        for cls, name, fn in saved:
            setattr(cls, name, fn)


def _timer(fn: Callable[..., Any], phase: str, acc: dict[str, int]) -> Callable[..., Any]:
    clock = time.perf_counter_ns

    def run(*args: Any, **kwargs: Any) -> Any:
        t = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[phase] += clock() - t

    return run


def phases(loaded: Sequence[Loaded], trials: int, concurrency: int,
           twins: dict[str, Any] | None = None) -> dict[str, float]:
    """µs per trajectory: `total` (untimed, best of three), each phase, and `rest`."""
    total = 1e6 / rate(loaded, trials, concurrency, twins)
    acc = dict.fromkeys((p for p, _, _ in PHASES), 0)
    with timed(acc):
        rate(loaded, trials, concurrency, twins, repeat=1)
    n = trials * len(loaded)
    out = {"total": total, **{p: ns / 1e3 / n for p, ns in acc.items()}}
    out["rest"] = max(0.0, total - sum(out[p] for p, _, _ in PHASES))
    return out


def bench_phases(families: dict[str, list[Loaded]], concurrency: int, total: int) -> None:
    twins = dict(TWINS, floor=FLOOR)
    cols = ("total", *(p for p, _, _ in PHASES), "rest")
    print(f"\nwhere a trajectory's time goes, µs (--concurrency {concurrency}; `allowed`: 4 floors, "
          "the 0.25 goal)")
    print(f"{'family':<22}" + "".join(f"{c:>9}" for c in cols) + f"{'allowed':>9}")
    floors: dict[int, dict[str, float]] = {}
    for family, loaded in families.items():
        steps = steps_of(loaded)
        per = max(1, total // len(loaded))
        if steps not in floors:
            floors[steps] = phases([floor_scenario(steps)], per * len(loaded), concurrency, twins)
            _row(f"floor, {steps} calls", floors[steps], cols, None)
        _row(family, phases(loaded, per, concurrency, twins), cols, 4 * floors[steps]["total"])


def _row(label: str, r: dict[str, float], cols: tuple[str, ...], allowed: float | None) -> None:
    print(f"{label:<22}" + "".join(f"{r[c]:>9.1f}" for c in cols)
          + (f"{allowed:>9.1f}" if allowed is not None else ""), flush=True)
