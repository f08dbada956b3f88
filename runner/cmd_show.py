"""`dtu show RUN`: a trajectory explained (or the list of those that match).

One trajectory: the verdict, what drove the agent (a real model or a twin, sandboxed or not), the
intent it was given, each check with its query, what it expected and what it found, each call
(twin, operation, arguments, status, a short response, the world time in ISO 8601), the agent's
stdout and stderr tails and its error. The intent and the check definitions come from the
scenario file the run's manifest names. Everything the agent wrote is printed as plain text with
its control characters made visible, so a hostile agent cannot restyle or rewrite the terminal."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Any

import msgspec
from rich.console import Console
from rich.text import Text

from .checks import call_ok
from .errors import DtuError
from .records import Trajectory
from .report_files import open_run
from .results import RunDir
from .scenario import Check, Scenario
from .stats import NO_SANDBOX_NOTE, TWIN_NOTE

_ENC = msgspec.json.Encoder(order="deterministic")
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TAIL_LINES = 20
SHORT = 300  # characters of arguments and responses shown without --full
EPOCH_MIN = 1e8  # world times at or above this are Unix seconds; below, seconds since the world began


def register(sub: Any) -> None:
    p = sub.add_parser("show", help="explain a trajectory of a run (or list the matching ones)")
    p.add_argument("run", metavar="RUN", help="a run folder")
    p.add_argument("--scenario", default=None, help="scenario id")
    p.add_argument("--trial", type=int, default=None, help="trial number")
    p.add_argument("--agent", default=None, help="agent name (when the run has several)")
    p.add_argument("--failed", action="store_true", help="only unsatisfied trajectories")
    p.add_argument("--full", action="store_true",
                   help="do not shorten arguments, responses and the agent's output tails")
    p.set_defaults(func=main)


def select(trajectories: Any, scenario: str | None, trial: int | None, agent: str | None,
           failed: bool = False) -> list[Trajectory]:
    return [t for t in trajectories
            if (scenario is None or t.scenario == scenario) and (trial is None or t.trial == trial)
            and (agent is None or t.agent == agent) and not (failed and t.satisfied)]


def clean(s: str) -> str:
    """Text from an agent, safe for a terminal: escape sequences and control characters shown as
    `\\x1b`-style escapes (newlines and tabs kept)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), s)


def when(t: float) -> str:
    """A world time, readably: ISO 8601 UTC for Unix seconds, else seconds since the world began."""
    if t >= EPOCH_MIN:
        try:
            stamp = dt.datetime.fromtimestamp(t, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return f"{t:.3f}"
        return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return f"+{t:.3f}s"


def _json(x: Any, full: bool, limit: int = SHORT) -> str:
    try:
        s = _ENC.encode(x).decode()
    except (TypeError, msgspec.EncodeError):
        s = repr(x)
    s = clean(s)
    return s if full or len(s) <= limit else s[: limit - 1] + "…"


def _tail(s: str, full: bool, lines: int = TAIL_LINES) -> tuple[str, int]:
    """The last `lines` lines of an output tail (all with `full`), and how many were left out."""
    rows = clean(s).rstrip("\n").splitlines()
    if full or len(rows) <= lines:
        return "\n".join(rows), 0
    return "\n".join(rows[-lines:]), len(rows) - lines


def expected(c: Check) -> str:
    """What a check wants of what its query finds, in words."""
    v = _ENC.encode(c.value).decode() if c.value is not None else ""
    return {
        "exists": "something (not null or empty)", "absent": "nothing (null or empty)",
        "equals": f"equal to {v}", "not_equals": f"anything but {v}", "contains": f"containing {v}",
        "not_contains": f"not containing {v}", "count": f"exactly {v} item(s)", "at_least": f"at least {v} item(s)",
        "at_most": f"at most {v} item(s)", "at_most_calls": f"at most {v} matching call(s)",
        "matches": f"matching the pattern {v}",
    }.get(c.op, f"{c.op} {v}".strip())


def scenario_of(rd: RunDir, scenario: str) -> tuple[Scenario | None, str]:
    """The scenario a run used, from the file its manifest names (paths resolved by the manifest's
    reader), and a note when it cannot be read or has changed since the run."""
    from .scenario import load_file

    try:
        entry = next((s for s in rd.manifest().scenarios if s.id == scenario), None)
    except (OSError, msgspec.DecodeError) as e:
        return None, f"the run's manifest cannot be read ({e})"
    if entry is None:
        return None, f"the run's manifest does not list scenario {scenario}"
    try:
        ld = load_file(entry.path)
    except (DtuError, OSError, ValueError) as e:
        return None, f"scenario file unavailable: {e}"
    note = "" if ld.digest == entry.sha256 else f"{entry.path} has changed since the run: intent and checks as they are now"
    return ld.scenario, note


def _section(console: Console, title: str) -> None:
    console.print()
    console.print(Text(title, style="bold underline"))


def _field(console: Console, name: str, value: str, indent: int = 4, style: str = "") -> None:
    """`name  value`, the value wrapped (folded where it has no spaces) under its own column."""
    pad = " " * indent
    body = Text(value, style=style)
    head = Text(f"{pad}{name:<9} ", style="dim")
    lines = body.wrap(console, max(20, console.width - len(head)), overflow="fold")
    for i, line in enumerate(lines):
        console.print(Text.assemble(head if i == 0 else " " * len(head), line), highlight=False, soft_wrap=False,
                      overflow="fold")


def _labels(t: Trajectory, console: Console) -> None:
    kind, box = t.info.get("model_kind"), t.info.get("sandbox")
    if kind is not None:
        twin = kind != "api"
        model = f" ({t.info['model']})" if t.info.get("model") else ""
        _field(console, "model", f"{kind}{model}" + (f": {TWIN_NOTE}" if twin else ": a real model"), 0,
               "bold red" if twin else "")
    if box is not None:
        _field(console, "sandbox", str(box) + (f": {NO_SANDBOX_NOTE}" if box == "off" else ""), 0,
               "bold red" if box == "off" else "")


def print_trajectory(t: Trajectory, console: Console, full: bool = False, scenario: Scenario | None = None,
                     note: str = "") -> None:
    """One trajectory, explained; `scenario` (when known) gives the intent and the checks' definitions."""
    console.rule(style="dim")
    console.print(Text(f"{t.agent}/{t.scenario}/{t.trial}", style="bold"), overflow="fold")
    verdict = Text("satisfied", style="bold green") if t.satisfied else Text("unsatisfied", style="bold red")
    mine = sum(c.actor is None for c in t.calls)
    others = len(t.calls) - mine
    counted = f"{mine} calls" + (f" (+{others} by people and dtu)" if others else "")
    console.print(Text.assemble(verdict, f" · score {t.score:.2f} · seed {t.seed} · {counted} · "
                                f"{t.wall_ms:.1f} ms" + (f" · attempt {t.attempt}" if t.attempt > 1 else "")
                                + f" · digest {t.digest}"), highlight=False, overflow="fold")
    _labels(t, console)
    if t.error:
        _field(console, "error", clean(t.error), 0, "red")
    if t.judge:
        if "error" in t.judge:
            _field(console, "judge", f"error {clean(str(t.judge['error']))}", 0, "red")
        else:
            _field(console, "judge", f"p={float(t.judge['probability']):.2f} {clean(str(t.judge.get('reason', '')))}"
                   + (" (cached)" if t.judge.get("cached") else ""), 0)
    if note:
        console.print(Text(f"note: {note}", style="yellow"), overflow="fold")

    _section(console, "Intent")
    if scenario is not None:
        console.print(Text(scenario.intent.strip()), overflow="fold", highlight=False)
    else:
        console.print(Text("(unknown: the scenario file could not be read)", style="dim"))

    failed = sum(not c.passed for c in t.checks)
    _section(console, f"Checks ({failed} of {len(t.checks)} failed)")
    defs = {c.id: c for c in scenario.checks} if scenario is not None else {}
    for r in t.checks:
        mark = Text("✓ pass", style="green") if r.passed else Text("✗ FAIL", style="bold red")
        console.print(Text.assemble("  ", mark, "  ", Text(r.id, style="bold")), overflow="fold")
        c = defs.get(r.id)
        if c is not None:
            if c.description:
                _field(console, "what", c.description)
            _field(console, "query", c.query)
            _field(console, "expects", expected(c))
        if r.passed and r.actual == "not applicable":
            _field(console, "found", "not applicable: its `when:` found nothing (another outcome)", style="dim")
        elif r.passed:
            _field(console, "found", "as expected")
        else:
            _field(console, "found", clean(r.actual) if r.actual is not None else "nothing recorded", style="red")

    _section(console, f"Calls ({len(t.calls)})")
    if not t.calls:
        console.print(Text("  (the agent made no call)", style="dim"))
    for i, call in enumerate(t.calls):
        bad = not call_ok(call.status, call.body)
        head = Text.assemble(f"  {i}. ", (call.twin, "bold"), " ", (call.op, "cyan"), " → ",
                             (str(call.status), "red" if bad else "green"), f"  at {when(call.t)}")
        if call.actor is not None:  # a person's call (their email), or an event delivery (dtu)
            head.append(f"  by {call.actor}", style="magenta")
        if call.fault:
            head.append(f"  fault {call.fault}", style="yellow")
        console.print(head, overflow="fold", highlight=False)
        _field(console, "args", _json(call.args, full), 6)
        _field(console, "response", _json(call.answer, full), 6, "red" if bad else "")

    for key, title in (("stdout_tail", "Agent stdout"), ("stderr_tail", "Agent stderr")):
        raw = t.info.get(key)
        if not isinstance(raw, str):
            continue
        text, cut = _tail(raw, full)
        _section(console, title + (f" (last {TAIL_LINES} lines; --full for all {cut + TAIL_LINES})" if cut else ""))
        console.print(Text(text or "(empty)", style="" if text else "dim"), overflow="fold", highlight=False)
    shown = {"stdout_tail", "stderr_tail", "model_kind", "sandbox", "model", "note"}
    rest = {k: v for k, v in sorted(t.info.items()) if k not in shown}
    if rest:
        _section(console, "Agent info")
        for k, v in rest.items():
            _field(console, k, _json(v, full, 200), 2)


def main(args: argparse.Namespace) -> int:
    rd = open_run(args.run)
    found = select(rd.trajectories(), args.scenario, args.trial, args.agent, args.failed)
    if not found:
        raise DtuError(f"no trajectory in {args.run} matches (scenario={args.scenario}, trial={args.trial}, "
                       f"agent={args.agent}); `dtu show {args.run}` lists them")
    console = Console()
    if len(found) == 1:
        scenario, note = scenario_of(rd, found[0].scenario)
        print_trajectory(found[0], console, args.full, scenario, note)
        return 0
    console.print(Text(f"{len(found)} trajectories; pick one with --scenario ID --trial N (and --agent A)",
                       style="bold"))
    for t in sorted(found, key=lambda t: (t.agent, t.scenario, t.trial)):
        why = clean(t.error) if t.error else ", ".join(c.id for c in t.checks if not c.passed)
        mark = Text("✓", style="green") if t.satisfied else Text("✗", style="red")
        console.print(Text.assemble(mark, f" {t.agent}/{t.scenario}/{t.trial}  score {t.score:.2f}  "
                                    f"{len(t.calls)} calls", (f"  {why}" if why else "", "red")),
                      overflow="fold", highlight=False)
    return 0
