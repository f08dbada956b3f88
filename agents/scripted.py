"""The scripted agent: plays the scenario's reference plan through door 1. The fastest path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from dtu.runner.agent import Task
from dtu.runner.plan import args_for, compiled, play, save
from dtu.runner.scenario import Step
from dtu.twins.core import World


class ScriptedAgent:
    """Plays the reference plan step by step. A yardstick: its satisfaction should be 1.0."""

    oracle: Literal[True] = True

    def __init__(self, name: str = "scripted") -> None:
        self.name = name

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        env: dict[str, Any] = {}
        for step in compiled(plan):
            if step.calls and step.when is None:  # the hot path: a plain call
                body = world.dispatch(step.twin, step.op, args_for(step, env)).body
            else:
                body = await play(step, world, env)
            if step.saves and body is not None:
                save(step, body, env)
        return None
