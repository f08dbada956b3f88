"""The noisy agent: the reference plan with seeded faults of its own, and its expected satisfaction.

Spec: `noisy:skip=0.1,corrupt=0.05,repeat=0.1` (each optional; `name=` renames the agent).
For every step of the plan, in order, with randomness from the task seed (so trials differ and
a rerun is identical): the step is skipped with probability `skip`; a kept step with arguments
has one argument (picked by the seed) replaced by a wrong value with probability `corrupt`
(strings become "dtu-corrupted", numbers -1, booleans flip, lists and objects empty); a kept
step is played twice in a row with probability `repeat`. A repeat's answer is not `save`d.

The schedule is shared with the Anthropic twin's `dtu-noisy` model (twins/anthropic/noise.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from dtu.runner.agent import Task
from dtu.runner.errors import DtuError
from dtu.runner.plan import args_for, compiled, play, save
from dtu.runner.scenario import Step
from dtu.twins.anthropic.noise import Noise, corrupt, schedule
from dtu.twins.core import World

from . import spec

__all__ = ["NoisyAgent", "expected_satisfaction", "needed_steps"]

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")
DEFAULTS: dict[str, Any] = {"skip": 0.1, "corrupt": 0.05, "repeat": 0.1, "name": "noisy"}


class NoisyAgent:
    """An oracle with seeded faults: a yardstick whose satisfaction is known in advance."""

    oracle: Literal[True] = True

    def __init__(self, arg: str = "") -> None:
        o = spec.parse("noisy", arg, DEFAULTS)
        for k in ("skip", "corrupt", "repeat"):
            if not 0.0 <= o[k] <= 1.0:
                raise DtuError(f"--agent noisy:{arg}: {k} must be within [0, 1]")
        self.noise = Noise(skip=o["skip"], corrupt=o["corrupt"], repeat=o["repeat"])
        self.name: str = o["name"]

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        steps = compiled(plan)
        seed = task.seed
        actions = schedule([bool(s.args) for s in steps], seed, self.noise)
        env: dict[str, Any] = {}
        saved: set[int] = set()
        for i, bad in actions:
            step = steps[i]
            args = args_for(step, env)
            if bad:
                args = corrupt(args, seed, i)
            if step.calls and step.when is None:
                body = world.dispatch(step.twin, step.op, args).body
            else:
                body = await play(step, world, env, args)
            if step.saves and i not in saved and body is not None:
                saved.add(i)
                save(step, body, env)
        played = [i for i, _ in actions]
        return {"skipped": [i for i in range(len(steps)) if i not in played],
                "corrupted": sorted({i for i, bad in actions if bad}),
                "repeated": sorted({i for i in played if played.count(i) > 1})}


def _vars(x: Any) -> set[str]:
    if isinstance(x, str):
        return set(_VAR.findall(x))
    if isinstance(x, dict):
        return set().union(*(_vars(v) for v in x.values())) if x else set()
    if isinstance(x, list):
        return set().union(*(_vars(v) for v in x)) if x else set()
    return set()


def needed_steps(plan: Sequence[Step]) -> list[int]:
    """The steps satisfaction depends on, in the model: the required ones (every step when none
    is marked required) and, transitively, the latest earlier step that `save`s a variable a
    needed step's arguments use."""
    required = {i for i, s in enumerate(plan) if s.required} or set(range(len(plan)))
    needed: set[int] = set()
    pending: set[str] = set()
    for i in range(len(plan) - 1, -1, -1):
        step = plan[i]
        provides = set(step.save) & pending
        if i in required or provides:
            needed.add(i)
            pending -= set(step.save)
            pending |= _vars(step.args)
    return sorted(needed)


def expected_satisfaction(plan: Sequence[Step], skip: float, corrupt: float, repeat: float = 0.0) -> float:
    """The noisy agent's expected satisfaction on a scenario, in this model:

        P = prod over needed steps i of (1 - skip) * (1 - corrupt if step i has arguments else 1)

    The model: the trial is satisfied exactly when every needed step (`needed_steps`) is played
    uncorrupted; a skipped or corrupted needed step counts as failed; every other step, and
    every repeat, is harmless. `repeat` does not enter the formula.

    Exact when the scenario behaves as the model says: (a) a corrupted needed step always fails
    a check (true when each of its arguments matters: a wrong channel, name, user or text),
    (b) playing a step twice cannot fail a check (the second call errors, as a second create does,
    or is idempotent; a check counting messages would break this), (c) skipping or corrupting a
    step outside the needed set cannot fail a check, and (d) the plan satisfies the scenario and
    a needed step's effect cannot come from another step. Otherwise it is an approximation: (a)
    failing makes the true value higher, (b) or (c) failing makes it lower."""
    p = 1.0
    for i in needed_steps(plan):
        p *= (1.0 - skip) * ((1.0 - corrupt) if plan[i].args else 1.0)
    return p


