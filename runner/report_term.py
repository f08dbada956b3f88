"""The terminal report: satisfaction per scenario, worst first, with intervals."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .stats import Summary


def print_summary(summary: Summary, console: Console | None = None, limit: int = 40) -> None:
    console = console or Console()
    table = Table(title=f"dtu run {summary.run_id}" + ("" if summary.complete else " (partial)"))
    multi = len(summary.agents) > 1
    if multi:
        table.add_column("agent")
    table.add_column("scenario")
    table.add_column("satisfied", justify="right")
    table.add_column("satisfaction", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("errored", justify="right")
    table.add_column("failing checks")
    rows = sorted(summary.scenarios, key=lambda s: (s.satisfaction, s.scenario))
    for s in rows[:limit]:
        colour = "green" if s.satisfaction >= 0.999 else "yellow" if s.satisfaction >= 0.5 else "red"
        failing = ", ".join(f"{k}×{v}" for k, v in sorted(s.failed_checks.items(), key=lambda kv: -kv[1])[:3])
        cells = [s.scenario, f"{s.satisfied}/{s.trials}", f"[{colour}]{s.satisfaction:.3f}[/]",
                 f"[{s.ci_low:.3f}, {s.ci_high:.3f}]", str(s.errored) if s.errored else "", failing]
        table.add_row(*([s.agent, *cells] if multi else cells))
    if len(rows) > limit:
        table.caption = f"{len(rows) - limit} more scenarios in summary.json"
    console.print(table)
    for a in summary.agents:
        console.print(f"[bold]{a.agent}[/]: satisfaction {a.satisfaction:.3f} over {a.scenarios} scenarios, "
                      f"{a.satisfied}/{a.trials} trajectories satisfied, 95% CI [{a.ci_low:.3f}, {a.ci_high:.3f}]"
                      + (f", {a.errored} errored" if a.errored else ""))
