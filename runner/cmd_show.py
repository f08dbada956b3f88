"""`dtu show RUN`: a trajectory, readably (or the list of those that match)."""

from __future__ import annotations

import argparse
from typing import Any

import msgspec
from rich.console import Console
from rich.table import Table

from .errors import DtuError
from .records import Trajectory
from .report_files import open_run

_ENC = msgspec.json.Encoder(order="deterministic")


def register(sub: Any) -> None:
    p = sub.add_parser("show", help="print a trajectory of a run (or list the matching ones)")
    p.add_argument("run", metavar="RUN", help="a run folder")
    p.add_argument("--scenario", default=None, help="scenario id")
    p.add_argument("--trial", type=int, default=None, help="trial number")
    p.add_argument("--agent", default=None, help="agent name (when the run has several)")
    p.add_argument("--failed", action="store_true", help="only unsatisfied trajectories")
    p.add_argument("--full", action="store_true", help="do not shorten long arguments and responses")
    p.set_defaults(func=main)


def select(trajectories: Any, scenario: str | None, trial: int | None, agent: str | None,
           failed: bool = False) -> list[Trajectory]:
    return [t for t in trajectories
            if (scenario is None or t.scenario == scenario) and (trial is None or t.trial == trial)
            and (agent is None or t.agent == agent) and not (failed and t.satisfied)]


def _json(x: Any, full: bool, limit: int = 600) -> str:
    s = msgspec.json.format(_ENC.encode(x), indent=2).decode()
    return s if full or len(s) <= limit else s[: limit - 3] + "..."


def print_trajectory(t: Trajectory, console: Console, full: bool = False) -> None:
    verdict = "[green]satisfied[/]" if t.satisfied else "[red]unsatisfied[/]"
    console.rule(f"{t.agent}/{t.scenario}/{t.trial}")
    console.print(f"{verdict}  score {t.score:.2f}  seed {t.seed}  digest {t.digest}  {t.wall_ms:.1f} ms"
                  + (f"  attempt {t.attempt}" if t.attempt > 1 else ""), highlight=False)
    if t.error:
        console.print(f"[red]error:[/] {t.error}", highlight=False)
    if t.judge:
        if "error" in t.judge:
            console.print(f"judge: [red]error[/] {t.judge['error']}", highlight=False)
        else:
            console.print(f"judge: p={float(t.judge['probability']):.2f} {t.judge.get('reason', '')}"
                          + (" (cached)" if t.judge.get("cached") else ""), highlight=False)
    checks = Table(title="checks", show_header=True)
    checks.add_column("check")
    checks.add_column("result")
    checks.add_column("found")
    for r in t.checks:
        checks.add_row(r.id, "[green]pass[/]" if r.passed else "[red]fail[/]", r.actual or "")
    console.print(checks)
    console.print(f"[bold]calls[/] ({len(t.calls)})")
    for i, c in enumerate(t.calls):
        bad = c.status >= 400 or (isinstance(c.body, dict) and c.body.get("ok") is False)
        colour = "red" if bad else "green"
        console.print(f"[bold]{i}.[/] {c.twin} [cyan]{c.op}[/] → [{colour}]{c.status}[/]  t={c.t:g}"
                      + (f"  [yellow]fault {c.fault}[/]" if c.fault else ""), highlight=False)
        console.print("   args: " + _json(c.args, full).replace("\n", "\n   "), highlight=False, markup=False)
        console.print("   response: " + _json(c.body, full).replace("\n", "\n   "), highlight=False, markup=False)


def main(args: argparse.Namespace) -> int:
    rd = open_run(args.run)
    found = select(rd.trajectories(), args.scenario, args.trial, args.agent, args.failed)
    if not found:
        raise DtuError(f"no trajectory in {args.run} matches (scenario={args.scenario}, trial={args.trial}, "
                       f"agent={args.agent}); `dtu show {args.run}` lists them")
    console = Console()
    if len(found) == 1:
        print_trajectory(found[0], console, args.full)
        return 0
    table = Table(title=f"{len(found)} trajectories (pick one with --scenario/--trial/--agent)")
    for col in ("agent", "scenario", "trial", "satisfied", "score", "calls", "failing checks / error"):
        table.add_column(col)
    for t in sorted(found, key=lambda t: (t.agent, t.scenario, t.trial)):
        why = t.error or ", ".join(c.id for c in t.checks if not c.passed)
        table.add_row(t.agent, t.scenario, str(t.trial), "[green]yes[/]" if t.satisfied else "[red]no[/]",
                      f"{t.score:.2f}", str(len(t.calls)), why)
    console.print(table)
    return 0
