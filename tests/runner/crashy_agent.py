"""A plugin agent whose process dies once: the first time it reaches trial 3 it exits the whole
process (as an out-of-memory kill would), leaving a marker so the retry gets through."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from dtu.agents.scripted import ScriptedAgent
from dtu.runner.agent import Task
from dtu.runner.scenario import Step
from dtu.twins.core import World


class Crashy:
    oracle: Literal[True] = True

    def __init__(self) -> None:
        self.name = "crashy"
        self.inner = ScriptedAgent()

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        marker = Path(os.environ["DTU_TEST_MARKER"])
        if task.trial == 3 and not marker.exists():
            marker.write_text("died once")
            os._exit(9)
        return await self.inner.run(task, world, plan)


def make(arg: str = "") -> Crashy:
    return Crashy()
