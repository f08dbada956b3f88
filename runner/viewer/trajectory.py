"""One trajectory, explained for the viewer: every call with its arguments and response, the
state change it made (a JSON Patch of the state view, found by replaying the calls in a fresh
world), the checks found against expected, and the final world for the twin views.

Replay is exact (twins are deterministic); when it does not reproduce the recording (the
scenario file changed since the run, say) the page says so and the diffs are what the replay
did, not necessarily what the agent saw."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import jsonpatch
import msgspec

from ..cmd_show import expected, when
from ..errors import DtuError
from ..records import Trajectory
from ..replay import first_difference
from .catalog import Run

MAX_OPS = 40  # patch operations shown per call
MAX_VALUE = 400  # characters of a value shown in a diff
_ENC = msgspec.json.Encoder(order="deterministic")


class Step(msgspec.Struct):
    index: int
    at: str
    actor: str
    twin: str
    op: str
    status: int
    fault: str | None
    args: str
    body: str
    diff: list[dict[str, str]]
    diff_more: int = 0


class CheckRow(msgspec.Struct):
    id: str
    passed: bool
    query: str
    expected: str
    found: str


class Explained(msgspec.Struct):
    steps: list[Step]
    checks: list[CheckRow]
    final: dict[str, Any]  # the replayed world's state view per twin
    replay_note: str = ""
    scenario_note: str = ""
    intent: str = ""
    title: str = ""


def _text(x: Any) -> str:
    try:
        return msgspec.json.format(_ENC.encode(msgspec.to_builtins(x)), indent=2).decode()
    except (TypeError, msgspec.EncodeError):
        return repr(x)


def _short(x: Any) -> str:
    s = x if isinstance(x, str) else _ENC.encode(x).decode()
    return s if len(s) <= MAX_VALUE else s[: MAX_VALUE - 1] + "…"


def _ops(before: Any, after: Any) -> tuple[list[dict[str, str]], int]:
    patch = jsonpatch.make_patch(before, after).patch
    rows = [{"op": p["op"], "path": p["path"], "value": _short(p["value"]) if "value" in p else
             (p.get("from", ""))} for p in patch[:MAX_OPS]]
    return rows, max(0, len(patch) - MAX_OPS)


def explain(run: Run, t: Trajectory) -> Explained:
    worlds = run.worlds()
    try:
        p = worlds.prepared(t.scenario)
    except DtuError as e:
        return Explained(steps=[_step(i, t, c, [], 0) for i, c in enumerate(t.calls)], checks=_plain_checks(t),
                         final={}, replay_note=f"cannot replay: {e}")
    views: list[Any] = []

    def after(i: int, world: Any) -> None:
        names = tuple(sorted(set(world.image.seeded) | set(world.touched())))
        views.append(msgspec.to_builtins(world.view(names)))

    world = worlds.replay(t, after)
    note = ""
    diverged = first_difference(t.calls, world.calls)
    if diverged is not None or world.digest(like=t.digest) != t.digest:
        note = ("the replay does not reproduce the recording" + (f": {diverged}" if diverged else "")
                + "; the state changes shown are the replay's")
    steps = []
    for i, c in enumerate(t.calls):
        prev = views[i] if i < len(views) else {}
        cur = views[i + 1] if i + 1 < len(views) else prev
        diff, more = _ops(prev, cur)
        steps.append(_step(i, t, c, diff, more))
    sc = p.loaded.scenario
    by_id = {c.id: c for c in sc.checks}
    checks = [CheckRow(r.id, r.passed, by_id[r.id].query if r.id in by_id else "",
                       expected(by_id[r.id]) if r.id in by_id else "",
                       "as expected" if r.passed else (r.actual if r.actual is not None else "nothing recorded"))
              for r in t.checks]
    changed = "the scenario file changed since the run: intent and checks as they are now" \
        if t.scenario in worlds.changed else ""
    return Explained(steps=steps, checks=checks, final=views[-1] if views else {}, replay_note=note,
                     scenario_note=changed, intent=sc.intent, title=sc.title)


def _step(i: int, t: Trajectory, c: Any, diff: list[dict[str, str]], more: int) -> Step:
    return Step(i, when(c.t), getattr(c, "actor", None) or t.agent, c.twin, c.op, c.status, c.fault,
                _text(c.args), _text(c.answer), diff, more)


def _plain_checks(t: Trajectory) -> list[CheckRow]:
    return [CheckRow(r.id, r.passed, "", "", "as expected" if r.passed else (r.actual or "nothing recorded"))
            for r in t.checks]


class Cache:
    """The last few explained trajectories (a trajectory page and its twin views share one replay)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str, str, int], Explained] = OrderedDict()

    def get(self, run: Run, t: Trajectory) -> Explained:
        key = (run.id, t.agent, t.scenario, t.trial)
        hit = self._items.get(key)
        if hit is None:
            hit = self._items[key] = explain(run, t)
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return hit
