"""Plugin agents for the CI-gate tests (exit codes, signals, progress, sandbox settings).

`tests.runner.gate_agents:half` satisfies every other trial; `:flaky:N` crashes on every Nth
trial; `:broken` always crashes; `:spin:SECONDS` plays the plan after a blocking sleep (it never
suspends, as in-process agents do not); `:probe` reports the RunInfo it was opened with;
`:stubborn` sleeps through its first cancellation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, Literal

import msgspec

from dtu.agents.scripted import ScriptedAgent
from dtu.runner.agent import RunInfo, Task
from dtu.runner.scenario import Step
from dtu.twins.core import World


class Half:
    oracle: Literal[True] = True

    def __init__(self, name: str = "half") -> None:
        self.name = name
        self.inner = ScriptedAgent()

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        if task.trial % 2:
            return None  # does nothing: unsatisfied
        return await self.inner.run(task, world, plan)


class Flaky:
    oracle: Literal[True] = True

    def __init__(self, every: int, name: str = "flaky") -> None:
        self.name = name
        self.every = every
        self.inner = ScriptedAgent()

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        if task.trial % self.every == 0:
            raise RuntimeError("quota exceeded")
        return await self.inner.run(task, world, plan)


class Spin:
    oracle: Literal[True] = True

    def __init__(self, delay: float) -> None:
        self.name = "spin"
        self.delay = delay
        self.inner = ScriptedAgent()

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        time.sleep(self.delay)  # blocks the loop, as a busy in-process agent does
        return await self.inner.run(task, world, plan)


class Probe:
    oracle: Literal[True] = True

    def __init__(self) -> None:
        self.name = "probe"
        self.info: RunInfo | None = None
        self.inner = ScriptedAgent()

    async def open(self, info: RunInfo) -> None:
        self.info = info

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        await self.inner.run(task, world, plan)
        return {"run": msgspec.to_builtins(self.info)}


def half() -> Half:
    return Half()


def flaky(every: str = "3") -> Flaky:
    return Flaky(int(every))


def broken() -> Flaky:
    return Flaky(1, "broken")


def spin(delay: str = "0.01") -> Spin:
    return Spin(float(delay))


def probe() -> Probe:
    return Probe()


class Stubborn:
    """Sleeps through its first cancellation (as a badly written plugin might): only a second
    Ctrl-C ends the run."""

    oracle: Literal[True] = True

    def __init__(self) -> None:
        self.name = "stubborn"
        self.inner = ScriptedAgent()

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        if task.trial >= 4:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                await asyncio.sleep(3600)
        return await self.inner.run(task, world, plan)


def stubborn() -> Stubborn:
    return Stubborn()
