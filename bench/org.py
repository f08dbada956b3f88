"""Trajectories per second of the bundled generated-organisation scenarios as the organisation grows,
with worlds restored lazily (the default) and whole, in the same run."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from dtu.runner.scenario import Loaded
from dtu.twins.core import twin as twin_module

from .engine import rate

SIZES = (60, 500, 2000)


def resized(loaded: Sequence[Loaded], users: int) -> list[Loaded]:
    """The generated-organisation scenarios among `loaded`, each with an organisation of `users`."""
    out = []
    for ld in loaded:
        gen = ld.scenario.seed.get("generate")
        if not isinstance(gen, dict):
            continue
        seed = {**ld.scenario.seed, "generate": {**gen, "users": users}}
        out.append(msgspec.structs.replace(ld, scenario=msgspec.structs.replace(ld.scenario, seed=seed)))
    return out


def bench_org(families: dict[str, list[Loaded]], trials: int = 3000, sizes: Sequence[int] = SIZES) -> None:
    every = [ld for lds in families.values() for ld in lds]
    print(f"\n{'generated organisation':<24}{'scenarios':>10}{'lazy traj/s':>13}{'whole traj/s':>14}{'lazy/whole':>12}")
    for users in sizes:
        loaded = resized(every, users)
        if not loaded:
            print("no generated-organisation scenario among these families")
            return
        per = max(1, trials // len(loaded))
        lazy = rate(loaded, per, 1000, repeat=2)
        kept = twin_module.LAZY_FROM
        twin_module.LAZY_FROM = float("inf")  # type: ignore[assignment]
        try:
            whole = rate(loaded, per, 1000, repeat=2)
        finally:
            twin_module.LAZY_FROM = kept
        print(f"{f'{users:,} users':<24}{len(loaded):>10}{lazy:>13,.0f}{whole:>14,.0f}{lazy / whole:>12.2f}", flush=True)
