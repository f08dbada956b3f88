"""Finished worlds are freed by refcounting alone: a world, its twins' states and its call log
form no reference cycles."""

from __future__ import annotations

import gc
from collections.abc import Coroutine
from typing import Any

import pytest

from dtu.runner.engine import Prepared
from dtu.runner.plan import compiled, save
from dtu.runner.plan import play as play_step
from dtu.runner.scenario import BUNDLED, load_all
from dtu.twins.registry import TWINS

LOADED = load_all([BUNDLED])


def drive(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that only ever yields bare (asyncio.sleep(0)) to its end."""
    try:
        while True:
            coro.send(None)
    except StopIteration as e:
        return e.value


@pytest.mark.parametrize("ld", LOADED, ids=[ld.id for ld in LOADED])
def test_played_world_leaves_no_cycles(ld: object) -> None:
    p = Prepared(ld, 0, TWINS)  # type: ignore[arg-type]
    steps = compiled(p.scenario.reference)

    def play(trial: int) -> None:
        world = p.world(trial)
        env: dict[str, object] = {}
        for step in steps:  # driven by hand: a waiting step only yields, no event loop needed
            body = drive(play_step(step, world, env))
            if step.saves and body is not None:
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
