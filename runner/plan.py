"""Playing a reference plan: `${name}` substitution and `save` queries, compiled once per plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dtu.twins.core.template import VAR

from .jmes import compile_query
from .scenario import Step


class Compiled:
    """One step, ready to play: whether its args need substitution, and its save queries."""

    __slots__ = ("args", "build", "op", "saves", "step", "templated", "twin")

    def __init__(self, step: Step) -> None:
        self.step = step
        self.twin = step.twin
        self.op = step.op
        self.args = step.args
        self.templated = _has_var(step.args)
        self.build = _builder(step.args)
        self.saves = [(name, compile_query(q)) for name, q in step.save.items()]


def _has_var(x: Any) -> bool:
    if isinstance(x, str):
        return "${" in x
    if isinstance(x, dict):
        return any(_has_var(v) for v in x.values())
    if isinstance(x, list):
        return any(_has_var(v) for v in x)
    return False


Build = Callable[[dict[str, Any]], Any]


def _builder(x: Any) -> Build:
    """A function of the saved variables that builds `x`, reusing its constant parts."""
    if not _has_var(x):
        return lambda env: x
    if isinstance(x, str):
        m = VAR.fullmatch(x)
        if m:
            name = m.group(1)
            return lambda env: env.get(name, x)
        return lambda env: VAR.sub(lambda m: str(env.get(m.group(1), m.group(0))), x)
    if isinstance(x, dict):
        parts = [(k, _builder(v)) for k, v in x.items()]
        return lambda env: {k: b(env) for k, b in parts}
    items = [_builder(v) for v in x]
    return lambda env: [b(env) for b in items]


_cache: dict[int, tuple[Sequence[Step], list[Compiled]]] = {}


def compiled(plan: Sequence[Step]) -> list[Compiled]:
    """The compiled form of a plan, cached for the life of the plan object."""
    hit = _cache.get(id(plan))
    if hit is not None and hit[0] is plan:
        return hit[1]
    steps = [Compiled(s) for s in plan]
    _cache[id(plan)] = (plan, steps)
    return steps


def args_for(step: Compiled, env: dict[str, Any]) -> dict[str, Any]:
    return step.build(env) if step.templated else step.args


def save(step: Compiled, body: Any, env: dict[str, Any]) -> None:
    for name, query in step.saves:
        env[name] = query(body)
