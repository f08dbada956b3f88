"""An in-process agent for admission tests: it waits like a model-driven agent and holds the loop
after each wait, as one parsing an answer does; it counts the trials it runs at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, Literal

from dtu.agents.scripted import ScriptedAgent
from dtu.runner.agent import Task
from dtu.runner.scenario import Step
from dtu.twins.core import World


class Counting:
    """Plays the plan after `turns` waits of `pause` seconds, holding the loop `burn` seconds
    after each (a model-driven agent parsing an answer); counts the trials running at once."""

    oracle: Literal[True] = True
    name = "counting"

    def __init__(self, burn: float, pause: float, turns: int = 4) -> None:
        self.burn, self.pause, self.turns = burn, pause, turns
        self.running = self.most = 0

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            for _ in range(self.turns):
                await asyncio.sleep(self.pause)
                end = time.perf_counter() + self.burn
                while time.perf_counter() < end:
                    pass
            return await ScriptedAgent().run(task, world, plan)
        finally:
            self.running -= 1


def make(arg: str = "0.002") -> Counting:
    """`tests.runner.busy_agent:make:BURN`: holds the loop BURN seconds after each of 4 waits of 50 ms."""
    return Counting(burn=float(arg or "0.002"), pause=0.05)
