"""Declarative checks, compiled once per scenario per run and evaluated over a final world."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jmespath.exceptions
import msgspec

from dtu.twins.core import World

from .jmes import Shared
from .scenario import Check, Scenario


class CheckResult(msgspec.Struct, omit_defaults=True, gc=False):
    id: str
    passed: bool
    actual: str | None = None  # what the query found, when the check failed


def _nonempty(x: Any) -> bool:
    return x is not None and x != [] and x != {} and x != ""


def _applies(x: Any) -> bool:
    """Whether a check's `when:` found something (`false` is nothing, as in a plan's `when`)."""
    return _nonempty(x) and x is not False


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


def _within(limit: float) -> Callable[[Any], bool]:
    def ok(x: Any) -> bool:
        if not isinstance(x, list) or len(x) != 2 or not all(isinstance(t, int | float) for t in x):
            return False
        return bool(0 <= x[1] - x[0] <= limit)

    return ok


def _matcher(check: Check) -> Callable[[Any], bool]:
    v = check.value
    match check.op:
        case "within":
            from .life_spec import seconds

            return _within(seconds(v))
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
    """Whether a call succeeded: a status below 400, and not Slack's `"ok": false` (`body` as logged:
    a `msgspec.Raw` the HTTP door kept is decoded to be read)."""
    if status >= 400:
        return False
    if type(body) is msgspec.Raw:
        body = msgspec.json.decode(body)
    return not (type(body) is dict and body.get("ok") is False)


class CompiledChecks:
    """A scenario's checks, with queries compiled once."""

    __slots__ = ("_queries", "_shared", "_wanted", "items", "needs_calls", "needs_events", "needs_people")

    def __init__(self, scenario: Scenario) -> None:
        self._queries = [c.query for c in scenario.checks] + [c.when for c in scenario.checks if c.when]
        self._shared = Shared(self._queries)  # what several checks read alike is read once per world
        q = self._shared.compile
        self.items = [(c.id, q(c.query), _matcher(c), q(c.when) if c.when else None) for c in scenario.checks]
        self.needs_calls = any(_mentions(q, "calls") for q in self._queries)
        self.needs_events = any(_mentions(q, "events") for q in self._queries)
        self.needs_people = any(_mentions(q, "people") for q in self._queries)
        self._wanted: dict[tuple[str, ...], tuple[str, ...]] = {}

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
        root = world.polled_view(self.wanted(names))
        if self.needs_calls:
            root["calls"] = calls_view(world)
        if self.needs_events:
            root["events"] = events_view(world)
        if self.needs_people:
            root["people"] = people_view(world)
        return root

    def evaluate(self, world: World) -> list[CheckResult]:
        root = self.root(world)
        try:
            return self._evaluate(root)
        finally:
            self._shared.clear()

    def _evaluate(self, root: dict[str, Any]) -> list[CheckResult]:
        out = []
        for cid, query, ok, when in self.items:
            try:
                if when is not None and not _applies(when(root)):
                    out.append(CheckResult(cid, True, "not applicable"))
                    continue
                found = query(root)
                passed = bool(ok(found))
            except (TypeError, jmespath.exceptions.JMESPathError) as e:
                found, passed = f"error: {e}", False
            out.append(CheckResult(cid, True) if passed else CheckResult(cid, False, _short(found)))
        return out


def calls_view(world: World) -> list[dict[str, Any]]:
    """The call log as checks see it: `actor` is "agent" or a person's email (or "dtu" for an
    event delivery), `t` world seconds since the trial began. Logs only grow: the entries seen
    by an earlier poll are kept and only the new ones are added."""
    seen: list[dict[str, Any]] | None = world.memo("calls")
    if seen is None:
        seen = []
        world.keep("calls", seen)
    t0 = world.started
    seen += [{"twin": c.twin, "op": c.op, "args": c.args, "status": c.status, "ok": call_ok(c.status, c.body),
              "actor": c.actor or "agent", "t": c.t - t0} for c in world.calls[len(seen):]]
    return list(seen)


def events_view(world: World) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] | None = world.memo("events")
    if seen is None:
        seen = []
        world.keep("events", seen)
    t0 = world.started
    seen += [{"twin": e.twin, "type": e.type, "t": e.t - t0, "by": e.by or "agent", "actor": e.actor,
              "to": list(e.to), "data": e.data} for e in world.events[len(seen):]]
    return list(seen)


def people_view(world: World) -> dict[str, dict[str, list[str]]]:
    """What each person's acts drew: {email: {act id: [outcome id, ...]}} ("(none)": did not act)."""
    fired = getattr(world.life, "fired", None) or {}
    out: dict[str, dict[str, list[str]]] = {}
    for key, outcomes in fired.items():
        email, _, act = key.partition("#")
        out.setdefault(email, {})[act] = list(outcomes)
    return out


def _short(x: Any, limit: int = 200) -> str:
    s = msgspec.json.encode(x).decode() if not isinstance(x, str) else repr(x)
    return s if len(s) <= limit else s[: limit - 3] + "..."
