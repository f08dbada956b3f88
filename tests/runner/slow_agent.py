"""A plugin agent that plays the reference plan slowly, so a test can interrupt a run mid-way."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Literal

from dtu.agents.scripted import ScriptedAgent
from dtu.runner.agent import Task
from dtu.runner.scenario import Step
from dtu.twins.core import World


class Slow:
    oracle: Literal[True] = True

    def __init__(self, delay: float) -> None:
        self.name = "slow"
        self.delay = delay
        self.inner = ScriptedAgent()

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        await asyncio.sleep(self.delay)
        return await self.inner.run(task, world, plan)


def make(arg: str = "0.05") -> Slow:
    return Slow(float(arg or "0.05"))
