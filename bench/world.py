"""World creation cost: restore from the seed snapshot, next to deepcopy and orjson round trips."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import msgspec
import orjson

from dtu.runner.engine import Prepared
from dtu.runner.scenario import Loaded
from dtu.twins.core import SeedImage, World
from dtu.twins.core.lazy import loaded
from dtu.twins.registry import TWINS


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n * 1e6)
    return best


def generated_org(users: int = 500) -> Loaded:
    """A scenario seeded with a generated organisation of `users` people across every twin."""
    from dtu.runner.scenario import Check, Scenario

    sc = Scenario(id=f"generated-{users}", title="generated org", intent="-",
                  checks=[Check(query="okta.users", op="exists", id="c")],
                  seed={"generate": {"org": "acme", "users": users}})
    return Loaded(sc, "<generated>", "", "")


def bench_world(families: dict[str, list[Loaded]], n: int = 20000) -> None:
    print(f"\n{'world creation':<30}{'snapshot':>10}{'restore us':>12}{'deepcopy us':>13}{'orjson us':>11}")
    rows = [(family, loaded[0], n) for family, loaded in families.items()]
    rows.append(("generated", generated_org(500), 200))
    for family, ld, n in rows:
        t0 = time.perf_counter()
        p = Prepared(ld, 0, TWINS)
        build_ms = (time.perf_counter() - t0) * 1000
        names = p.twin_names
        world = p.world(1)
        states = {name: world.ctx(name).state for name in names}
        size = sum(len(p.image.snapshot(name)) for name in names)

        def restore(image: SeedImage = p.image, names: tuple[str, ...] = names) -> None:
            w = World(image, 1)
            for name in names:
                w.ctx(name)

        builtins = {k: msgspec.to_builtins(loaded(v)) for k, v in states.items()}
        blob = orjson.dumps(builtins, option=orjson.OPT_NON_STR_KEYS)  # Jira's boards and sprints: int keys
        print(f"{family + ' (' + ld.id + ')':<30.30}{size:>9}B{per_call_us(restore, n):>12.1f}"
              f"{per_call_us(lambda s=states: copy.deepcopy(s), max(1, n // 4)):>13.1f}"  # type: ignore[misc]
              f"{per_call_us(lambda b=blob: orjson.loads(b), n):>11.1f}"  # type: ignore[misc]
              f"   (seed built once in {build_ms:.0f} ms)")
