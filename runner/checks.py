"""Declarative checks, compiled once per scenario per run and evaluated over a final world."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jmespath.exceptions
import msgspec

from dtu.twins.core import World

from .jmes import compile_query
from .scenario import Check, Scenario


class CheckResult(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    passed: bool
    actual: str | None = None  # what the query found, when the check failed


def _nonempty(x: Any) -> bool:
    return x is not None and x != [] and x != {} and x != ""


def _contains(x: Any, v: Any) -> bool:
    if isinstance(x, str):
        return isinstance(v, str) and v in x
    if isinstance(x, list | dict):
        return v in x
    return False


def _count(x: Any) -> int:
    if x is None:
        return 0
    if isinstance(x, list | dict | str):
        return len(x)
    return 1


def _matcher(check: Check) -> Callable[[Any], bool]:
    v = check.value
    match check.op:
        case "equals":
            return lambda x: x == v
        case "not_equals":
            return lambda x: x != v
        case "contains":
            return lambda x: _contains(x, v)
        case "not_contains":
            return lambda x: not _contains(x, v)
        case "exists":
            return _nonempty
        case "absent":
            return lambda x: not _nonempty(x)
        case "count":
            return lambda x: _count(x) == v
        case "at_least":
            return lambda x: _count(x) >= v
        case "at_most" | "at_most_calls":
            return lambda x: _count(x) <= v
        case "matches":
            rx = re.compile(str(v))
            return lambda x: x is not None and rx.search(x if isinstance(x, str) else str(x)) is not None
    raise ValueError(check.op)


def _mentions(query: str, name: str) -> bool:
    """Whether a JMESPath query may read the top-level key `name` (a conservative word match)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}\b", query) is not None


def call_ok(status: int, body: Any) -> bool:
    return status < 400 and not (type(body) is dict and body.get("ok") is False)


class CompiledChecks:
    """A scenario's checks, with queries compiled once."""

    __slots__ = ("_queries", "_wanted", "items", "needs_calls")

    def __init__(self, scenario: Scenario) -> None:
        self.items = [(c.id, compile_query(c.query), _matcher(c)) for c in scenario.checks]
        self.needs_calls = any(_mentions(c.query, "calls") for c in scenario.checks)
        self._wanted: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._queries = [c.query for c in scenario.checks]

    def wanted(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """The twins among `names` that some query names: only their views are built."""
        hit = self._wanted.get(names)
        if hit is None:
            hit = self._wanted[names] = tuple(n for n in names if any(_mentions(q, n) for q in self._queries))
        return hit

    def root(self, world: World) -> dict[str, Any]:
        seeded = world.image.seeded
        touched = world.touched()
        names = seeded if all(n in seeded for n in touched) else seeded + tuple(n for n in touched if n not in seeded)
        root = world.view(self.wanted(names))
        if self.needs_calls:
            root["calls"] = [
                {"twin": c.twin, "op": c.op, "args": c.args, "status": c.status, "ok": call_ok(c.status, c.body)}
                for c in world.calls
            ]
        return root

    def evaluate(self, world: World) -> list[CheckResult]:
        root = self.root(world)
        out = []
        for cid, query, ok in self.items:
            try:
                found = query(root)
                passed = bool(ok(found))
            except (TypeError, jmespath.exceptions.JMESPathError) as e:
                found, passed = f"error: {e}", False
            out.append(CheckResult(cid, True) if passed else CheckResult(cid, False, _short(found)))
        return out


def _short(x: Any, limit: int = 200) -> str:
    s = msgspec.json.encode(x).decode() if not isinstance(x, str) else repr(x)
    return s if len(s) <= limit else s[: limit - 3] + "..."
