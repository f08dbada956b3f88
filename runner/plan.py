"""Playing a reference plan: `${name}` substitution and `save` queries, compiled once per plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jmespath.exceptions

from dtu.twins.core import World
from dtu.twins.core.memo import Bounded, text_cache
from dtu.twins.core.template import VAR

from .checks import calls_view, events_view, people_view
from .jmes import compile_query
from .life_spec import seconds
from .loadcheck import roots
from .scenario import Step

DEFAULT_WAIT = 86_400.0  # how long a `wait_for` step waits without a `timeout` or a deadline


@text_cache(4096)
def lenient(query: str) -> Callable[[Any], Any]:
    """A plan's query; one that cannot be evaluated over what it reads (a function given the wrong
    type, in a world a noisy agent's corrupted calls left) finds nothing, as a check's query fails.
    Compiled once per text: an oracle that plays a plan step by step asks for it at every step."""
    q = compile_query(query)

    def ask(doc: Any) -> Any:
        try:
            return q(doc)
        except (TypeError, jmespath.exceptions.JMESPathError):
            return None

    return ask


class Compiled:
    """One step, ready to play: whether its args need substitution, and its save queries."""

    __slots__ = ("args", "build", "op", "saves", "step", "templated", "timeout", "twin", "wait", "wait_for",
                 "wait_needs", "when", "when_needs")

    def __init__(self, step: Step) -> None:
        self.step = step
        self.twin = step.twin
        self.op = step.op
        self.args = step.args
        self.templated = _has_var(step.args)
        self.build = _builder(step.args)
        self.saves = [(name, lenient(q)) for name, q in step.save.items()]
        self.wait = seconds(step.wait) if step.wait is not None else None
        self.wait_for = lenient(step.wait_for) if step.wait_for else None
        self.timeout = seconds(step.timeout) if step.timeout is not None else None
        self.when = lenient(step.when) if step.when else None
        # the parts of the world those queries read: only they are built while the step waits
        self.when_needs = needs(step.when) if step.when else frozenset()
        self.wait_needs = needs(step.wait_for).union(*(needs(q) for q in step.save.values())) \
            if step.wait_for else frozenset()

    @property
    def calls(self) -> bool:
        """Whether the step is a call (not a wait)."""
        return self.wait is None and self.wait_for is None


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


async def play(step: Compiled, world: World, env: dict[str, Any], args: Any = None) -> Any:
    """Play one step: a call (its body), a wait, or nothing when its `when` finds nothing.
    `args` overrides the step's own (a noisy agent's corrupted copy)."""
    if step.when is not None and not found(step.when(world_root(world, step.when_needs))):
        return None
    if step.wait is not None:
        await world.sleep(step.wait)
        return None
    if step.wait_for is not None:
        query, needs = step.wait_for, step.wait_needs
        timeout = step.timeout if step.timeout is not None else (
            world.deadline - world.env.now if world.deadline is not None else DEFAULT_WAIT)
        await world.wait_for(lambda w: found(query(world_root(w, needs))), timeout)
        return world_root(world, needs) if step.saves else None
    return world.dispatch(step.twin, step.op, args if args is not None else args_for(step, env)).body


def holds(query: str, world: World) -> bool:
    """Whether a step's `when` finds something in the world now (as `play` asks it)."""
    return found(lenient(query)(world_root(world, needs(query))))


@text_cache(4096)
def needs(query: str) -> frozenset[str]:
    """The parts of the world root a plan's query reads (`world_root` builds only those)."""
    return frozenset(roots(query))


def found(x: Any) -> bool:
    return x is not None and x != [] and x != {} and x != "" and x is not False


def world_root(world: World, needs: frozenset[str] | None = None) -> dict[str, Any]:
    """What a plan's `wait_for` and `when` queries read: the same root as checks (only the parts
    named in `needs`, when given)."""
    key = (world.image.seeded, world.touched(), needs)
    names = _NAMES.get(key)
    if names is None:
        seeded = world.image.seeded
        names = seeded + tuple(n for n in world.touched() if n not in seeded)
        if needs is not None:
            names = tuple(n for n in names if n in needs)
        _NAMES.keep(key, names)
    root = world.polled_view(names)
    if needs is None or "calls" in needs:
        root["calls"] = calls_view(world)
    if needs is None or "events" in needs:
        root["events"] = events_view(world)
    if needs is None or "people" in needs:
        root["people"] = people_view(world)
    return root


# (seeded, touched, needs) -> the twins whose views a root holds: the same few per scenario
_NAMES: Bounded[tuple[tuple[str, ...], tuple[str, ...], frozenset[str] | None], tuple[str, ...]] = Bounded(4096)
