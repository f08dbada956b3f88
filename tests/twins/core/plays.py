"""Every bundled scenario played in a fresh world, exactly (trial 0) or noisily (trial 1)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from dtu.agents.noisy import NoisyAgent
from dtu.runner.engine import Prepared
from dtu.runner.scenario import BUNDLED, load_all
from dtu.twins.core import World
from dtu.twins.registry import TWINS

LOADED = load_all([BUNDLED])
NOISY = NoisyAgent("skip=0.2,corrupt=0.3,repeat=0.3")
EXACT = NoisyAgent("skip=0,corrupt=0,repeat=0")


def play(ld: Any, trial: int) -> tuple[Prepared, Any, World]:
    """The prepared scenario, the trial's variant (None without vars) and the world it was played in."""
    p = Prepared(ld, 0, TWINS)
    seed = trial + 1
    variant = p.variant(seed) if p.scenario.vars else None
    plan = variant.reference if variant is not None else p.scenario.reference
    world = p.world(seed)
    with contextlib.suppress(Exception):  # a corrupted call may make a plan's own query fail
        asyncio.run((NOISY if trial else EXACT).run(p.task(trial, seed, variant), world, plan))
    return p, variant, world
