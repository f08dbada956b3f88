"""`dtu lint`: proves each scenario is usable before any agent runs it.

For every file: it decodes; names (twins, operations, queries, operators) exist; the seed builds
(every reference in it resolves); the reference plan, played in a fresh world, satisfies every
check; doing nothing fails at least one check; and so does deleting any one step marked
`required`. (Loading already proved `vars` find someone in the first trials.) Findings name the file,
line and field, with a one-line fix."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import msgspec

from dtu.twins.core import World

from . import loadcheck, yamlsrc
from .agent import Task
from .engine import Prepared, RunOptions, run_trial
from .errors import ScenarioError
from .life import Life
from .plan import compiled, play, save
from .scenario import Loaded, Step, discover, load_file

Level = Literal["error", "warning"]


class Finding(msgspec.Struct, frozen=True):
    level: Level
    path: str
    line: int | None
    field: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.level}: {self.field + ': ' if self.field else ''}{self.message}"
        return text + (f" (fix: {self.fix})" if self.fix else "")


class _Plan:
    """Plays a given plan (the reference, or the reference less one step) as an oracle agent."""

    oracle: Literal[True] = True

    def __init__(self, name: str, plan: Sequence[Step] | None = None) -> None:
        self.name = name
        self.plan = plan

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None:
        env: dict[str, Any] = {}
        for step in compiled(self.plan if self.plan is not None else plan):
            body = await play(step, world, env)
            if step.saves and body is not None:
                save(step, body, env)
        fired = getattr(world.life, "fired", None)
        if fired is None:
            return None
        aliases = getattr(world.life, "aliases", {})  # generated people, named as the scenario names them
        named = {(aliases[k.partition("#")[0]] + "#" + k.partition("#")[2]) if k.partition("#")[0] in aliases else k: v
                 for k, v in fired.items()}
        return {"fired": {k: list(v) for k, v in named.items()}}


def _line(ld: Loaded, field: str) -> int | None:
    return yamlsrc.line_of(ld.text, "$." + field)


def _failing_calls(calls: Iterable[Any]) -> list[str]:
    from .checks import call_ok

    return [f"{c.twin} {c.op} -> {c.status} {_short(c.answer)}" for c in calls if not call_ok(c.status, c.body)]


def _short(body: Any) -> str:
    s = msgspec.json.encode(body).decode()
    return s if len(s) < 160 else s[:157] + "..."


def lint_loaded(ld: Loaded) -> list[Finding]:
    out: list[Finding] = []
    sc = ld.scenario

    def err(field: str, message: str, fix: str = "", level: Level = "error") -> None:
        out.append(Finding(level, ld.path, _line(ld, field), field, message, fix))

    try:
        p = Prepared(ld, 0, _twins())
    except (ValueError, KeyError, TypeError, msgspec.ValidationError) as e:
        # the loader built the seed already; the field comes from the builder's message
        se = loadcheck.seed_error(e, "", {}, lambda f, m, fix="": ScenarioError(ld.path, None, f, m, fix))
        err(se.field, se.message, se.fix)
        return out
    opts = RunOptions(trials=1, timeout=30)
    if not sc.reference:
        err("reference", "no reference plan: lint cannot prove the checks can pass",
            "add the steps a satisfied user would expect")
        return out
    draws = _draws(p)
    fired: set[str] = set()
    for force in draws:
        p.force = force
        _lint_draw(ld, p, opts, force, err, fired)
    p.force = None
    if p.live:
        for person in sc.people:
            for i in range(len(person.acts)):
                if Life.key(person, i) not in fired:
                    field = f"people[{sc.people.index(person)}].acts[{i}]"
                    err(field, f"{Life.key(person, i)} never fires when the reference plan is played",
                        "make its `when:` match what happens (or its `at:` fall before the deadline)")
    return out


def _draws(p: Prepared) -> list[dict[str, str] | None]:
    """The people's draws lint plays: the seed's own, then each outcome of each act forced."""
    out: list[dict[str, str] | None] = [None]
    for person in p.scenario.people:
        for i, act in enumerate(person.acts):
            outcomes = [o.id or str(j) for j, o in enumerate(act.outcomes())]
            if act.chance < 1.0:
                outcomes.append("(none)")
            if len(outcomes) > 1:
                out += [{Life.key(person, i): o} for o in outcomes]
    return out


def _lint_draw(ld: Loaded, p: Prepared, opts: RunOptions, force: dict[str, str] | None, err: Any,
               fired: set[str]) -> None:
    sc = ld.scenario
    label = "" if force is None else " when " + ", ".join(f"{k} draws {v}" for k, v in force.items())
    ref = asyncio.run(run_trial(_Plan("reference"), p, 0, opts))
    fired.update(k for k, v in (ref.info.get("fired") or {}).items() if any(o != "(none)" for o in v))
    if ref.error:
        err("reference", f"the reference plan crashed{label}: {ref.error}", "fix the step it names")
    for c in ref.checks:
        if not c.passed:
            i = next(i for i, ch in enumerate(sc.checks) if ch.id == c.id)
            bad = _failing_calls(ref.calls)
            err(f"checks[{i}]", f"check {c.id!r} fails after the reference plan{label} (found {c.actual})"
                + (f"; failing calls: {'; '.join(bad[:3])}" if bad else ""),
                "fix the check's query/value or the reference plan")
    if force is None:
        mine = [c for c in ref.calls if c.actor is None]
        for j, call in enumerate(mine):
            if _failing_calls([call]) and j < len(sc.reference):
                err(f"reference[{j}]", f"step answers an error: {_failing_calls([call])[0]}",
                    "check the step's arguments", level="warning")
    nothing = asyncio.run(run_trial(_Plan("nothing", []), p, 0, opts))
    if nothing.satisfied:
        err("checks", f"doing nothing satisfies every check{label}: the scenario cannot fail",
            "add a check on the state the story changes")
    if force is not None:
        return
    for j, step in enumerate(sc.reference):
        if not step.required:
            continue
        less = [s for k, s in enumerate(sc.reference) if k != j]
        t = asyncio.run(run_trial(_Plan(f"without-{j}", less), p, 0, opts))
        if t.satisfied:
            err(f"reference[{j}]", "marked required, but the checks pass without it",
                "add a check that this step's effect is there, or drop `required`")


def _twins() -> Any:
    from dtu.twins.registry import TWINS

    return TWINS


def lint_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[str, str] = {}
    for f in discover(paths):
        try:
            ld = load_file(f)
        except ScenarioError as e:
            findings.append(Finding("error", e.path, e.line, e.field, e.message, e.fix))
            continue
        if ld.id in seen:
            findings.append(Finding("error", ld.path, _line(ld, "id"), "id",
                                    f"duplicate scenario id {ld.id!r} (also in {seen[ld.id]})",
                                    "give each scenario its own id"))
            continue
        seen[ld.id] = ld.path
        findings += lint_loaded(ld)
    return findings
