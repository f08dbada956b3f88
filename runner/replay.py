"""Replay: re-execute a trajectory's recorded calls in a fresh world and compare final states.

A world is rebuilt from the run's manifest (the scenario file and the run seed) and the
trajectory's own world seed. Each recorded call is dispatched again, in order; a call that
failed by an injected fault fails again the same way, and the clock follows the recording
(latency faults included). Twins are deterministic, so the final state digest must match."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from dtu.twins.core import Call, Env, TwinError, World
from dtu.twins.core.ops import Operation
from dtu.twins.core.twin import Twin

from .engine import Prepared, prepare
from .errors import DtuError
from .hub import BASE
from .life_actions import find_user
from .records import Manifest, Trajectory
from .scenario import Loaded, load_file


class _Recorded(TwinError):
    """An injected fault as recorded: the same status and body."""

    def __init__(self, call: Call) -> None:
        super().__init__(call.fault or "fault", status=call.status)
        self._body = call.body

    def body(self) -> Any:
        return self._body


class _Playback:
    """A fault hook that plays back the recording: its clock and its injected faults."""

    def __init__(self, calls: Sequence[Call]) -> None:
        self.calls = calls

    def before(self, env: Env, twin: Twin[Any], op: Operation, index: int) -> TwinError | None:
        if index >= len(self.calls):
            return None
        rec = self.calls[index]
        env.now = rec.t
        if rec.fault is not None and rec.fault != "internal":
            return _Recorded(rec)
        return None


def max_steps_of(manifest: Manifest) -> int | None:
    """The run's --max-steps, from the arguments it was started with."""
    args = list(manifest.arguments)
    for i, a in enumerate(args):
        if a == "--max-steps" and i + 1 < len(args):
            return int(args[i + 1])
        if a.startswith("--max-steps="):
            return int(a.partition("=")[2])
    return None


def replay(p: Prepared, t: Trajectory, max_steps: int | None = None,
           after: Callable[[int, World], None] | None = None) -> World:
    """A fresh world for the trajectory's seed with its calls dispatched again, in order;
    `after(i, world)` is called after the i-th call (and with -1 before the first).

    A run made over HTTP (a command agent) is replayed with the fixed base URL served worlds
    build their links on (the door answered with its own address in its place), so the calls
    answer byte for byte as recorded."""
    # an oracle's in-process twin played the plan its world held (agents/anthropic_agent.py)
    plan = p.reference_of(t.seed) if t.info.get("model_kind") == "oracle-twin" else None
    world = p.world(t.seed, max_steps=max_steps, faults=_Playback([c for c in t.calls if c.actor is None]),
                    oracle_plan=plan)
    # People's calls are in the log with their actor: they are played as recorded, not decided again.
    world.life = None
    world.listeners = []
    people = {person.email: person for person in p.scenario.people}
    if served_over_http(t):
        world.env.base_url = BASE
    if after is not None:
        after(-1, world)
    for i, c in enumerate(t.calls):
        if c.actor is None:
            world.dispatch(c.twin, c.op, c.args)
        elif c.actor in people and c.twin in world.twins and c.op in world.twins[c.twin].ops.ops:
            world.act(c.actor, c.twin, c.op, c.args, find_user(world, c.twin, people[c.actor]), c.t)
        else:  # what no call changes: an event delivery, a person's click
            world.calls.append(c)
            world.env.now = max(world.env.now, c.t)
        if after is not None:
            after(i, world)
    return world


def served_over_http(t: Trajectory) -> bool:
    """Whether the trajectory's world was served by the HTTP door: its answers name its base URL."""
    marker = BASE.encode()
    return any(marker in _ENC.encode(c.body) for c in t.calls)


_ENC = msgspec.json.Encoder()


def first_difference(recorded: Sequence[Call], replayed: Sequence[Call]) -> str | None:
    """Where two call logs first differ (status or body), said for a person; None when equal."""
    enc = msgspec.json.Encoder(order="deterministic")
    for i, (a, b) in enumerate(zip(recorded, replayed, strict=False)):
        # as plain data: a body read back from the run folder and a live one (a Raw) compare alike
        x, y = enc.encode(msgspec.to_builtins(a.answer)), enc.encode(msgspec.to_builtins(b.answer))
        if a.status != b.status or x != y:
            return (f"call {i} ({a.twin} {a.op}) answered differently: recorded {a.status} "
                    f"{_short(x)}, replayed {b.status} {_short(y)}")
    if len(recorded) != len(replayed):
        return f"recorded {len(recorded)} calls, replayed {len(replayed)}"
    return None


def _short(b: bytes, limit: int = 160) -> str:
    s = b.decode()
    return s if len(s) <= limit else s[: limit - 3] + "..."


class RunWorlds:
    """The scenarios of a run, rebuilt from its manifest, prepared on demand."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.paths = {s.id: s for s in manifest.scenarios}
        self._prepared: dict[str, Prepared] = {}
        self.changed: set[str] = set()
        self.max_steps = max_steps_of(manifest)

    def loaded(self, scenario_id: str) -> Loaded:
        d = self.paths.get(scenario_id)
        if d is None:
            raise DtuError(f"scenario {scenario_id!r} is not in run {self.manifest.run_id}; "
                           f"it has: {', '.join(sorted(self.paths))}")
        try:
            ld = load_file(d.path)
        except Exception as e:
            raise DtuError(f"cannot load scenario {scenario_id!r} from {d.path}: {e}") from None
        if ld.digest != d.sha256:
            self.changed.add(scenario_id)
        return ld

    def prepared(self, scenario_id: str) -> Prepared:
        p = self._prepared.get(scenario_id)
        if p is None:
            p = self._prepared[scenario_id] = prepare([self.loaded(scenario_id)], self.manifest.seed)[0]
        return p

    def replay(self, t: Trajectory, after: Callable[[int, World], None] | None = None) -> World:
        return replay(self.prepared(t.scenario), t, self.max_steps, after)
