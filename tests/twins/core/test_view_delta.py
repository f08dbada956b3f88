"""A twin's incremental view (`Twin.view_delta`) equals its full view after any trajectory: the
bundled library played by the scripted agent and by the noisy one (skipped, repeated and corrupted
calls), and the seed image's shared view is never mutated by a world."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import msgspec
import pytest

from dtu.agents.noisy import NoisyAgent
from dtu.runner.engine import Prepared
from dtu.runner.scenario import BUNDLED, load_all
from dtu.twins.registry import TWINS

LOADED = load_all([BUNDLED])
NOISY = NoisyAgent("skip=0.2,corrupt=0.3,repeat=0.3")
EXACT = NoisyAgent("skip=0,corrupt=0,repeat=0")


def full_views(world: Any) -> dict[str, Any]:
    return {name: world.twins[name].view(world.ctx(name).state) for name in world.touched()}


@pytest.mark.parametrize("ld", LOADED, ids=[ld.id for ld in LOADED])
def test_incremental_view_equals_full_view(ld: object) -> None:
    p = Prepared(ld, 0, TWINS)  # type: ignore[arg-type]
    seeds = {name: msgspec.json.encode(p.image.view(name)) for name in p.image.seeded}
    for trial in range(3):
        seed = trial + 1
        variant = p.variant(seed) if p.scenario.vars else None
        plan = variant.reference if variant is not None else p.scenario.reference
        world = p.world(seed)
        agent = NOISY if trial else EXACT
        with contextlib.suppress(Exception):  # a corrupted call may make a plan's own query fail
            asyncio.run(agent.run(p.task(trial, seed, variant), world, plan))
        delta = world.view(world.touched())
        assert msgspec.json.encode(delta) == msgspec.json.encode(full_views(world)), f"trial {trial}"
    for name, before in seeds.items():  # worlds share the image's view: none may have changed it
        assert msgspec.json.encode(p.image.view(name)) == before, f"{name}: a world mutated the seed's view"


def test_the_incremental_views_are_in_use() -> None:
    """The test above compares something: Jira and Google build their views incrementally."""
    assert {name for name, twin in TWINS.items() if twin.view_delta is not None} >= {"jira", "google"}
