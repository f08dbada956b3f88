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
from dtu.twins.core import World
from dtu.twins.registry import TWINS


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n * 1e6)
    return best


def bench_world(families: dict[str, list[Loaded]], n: int = 20000) -> None:
    print(f"\n{'world creation':<30}{'snapshot':>10}{'restore us':>12}{'deepcopy us':>13}{'orjson us':>11}")
    for family, loaded in families.items():
        ld = loaded[0]
        p = Prepared(ld, 0, TWINS)
        names = p.twin_names
        world = p.world(1)
        states = {name: world.ctx(name).state for name in names}
        size = sum(len(p.image.snapshot(name)) for name in names)

        def restore() -> None:
            w = World(p.image, 1)
            for name in names:
                w.ctx(name)

        builtins = {k: msgspec.to_builtins(v) for k, v in states.items()}
        blob = orjson.dumps(builtins)
        print(f"{family + ' (' + ld.id + ')':<30.30}{size:>9}B{per_call_us(restore, n):>12.1f}"
              f"{per_call_us(lambda: copy.deepcopy(states), n // 4):>13.1f}"
              f"{per_call_us(lambda: orjson.loads(blob), n):>11.1f}")
