"""Finished worlds are freed by refcounting alone: a world, its twins' states and its call log
form no reference cycles."""

from __future__ import annotations

import gc

import pytest

from dtu.runner.engine import Prepared
from dtu.runner.plan import args_for, compiled, save
from dtu.runner.scenario import BUNDLED, load_all
from dtu.twins.registry import TWINS

LOADED = load_all([BUNDLED])


@pytest.mark.parametrize("ld", LOADED, ids=[ld.id for ld in LOADED])
def test_played_world_leaves_no_cycles(ld: object) -> None:
    p = Prepared(ld, 0, TWINS)  # type: ignore[arg-type]
    steps = compiled(p.scenario.reference)

    def play(trial: int) -> None:
        world = p.world(trial)
        env: dict[str, object] = {}
        for step in steps:
            body = world.dispatch(step.twin, step.op, args_for(step, env)).body
            if step.saves:
                save(step, body, env)
        p.checks.evaluate(world)
        world.digest()

    play(0)  # warm-up: libraries build their one-time caches (msgspec type info, lru caches)
    gc.collect()
    gc.disable()
    try:
        for trial in range(1, 6):
            play(trial)
        assert gc.collect() == 0, "a finished world left objects only the cycle collector can free"
    finally:
        gc.enable()
