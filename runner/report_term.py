"""The terminal report: satisfaction per scenario, worst first, with intervals; then per agent
(cluster bootstrap interval, pass^k, by tag), errored trials apart, and A/B comparisons."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .compare import Comparison
from .stats import Summary


def _colour(x: float) -> str:
    return "green" if x >= 0.999 else "yellow" if x >= 0.5 else "red"


def _bar(lo: float, p: float, hi: float, width: int = 20) -> str:
    """A text interval bar: ─ outside, ━ inside the interval, ● at the estimate."""
    cells = []
    for i in range(width):
        x = (i + 0.5) / width
        if abs(x - p) <= 0.5 / width:
            cells.append("●")
        elif lo <= x <= hi:
            cells.append("━")
        else:
            cells.append("─")
    return "".join(cells)


def _passk(curve: list[float]) -> str:
    ks = [k for k in (1, 2, 4, 8, 16, 32) if k <= len(curve)]
    return " ".join(f"{curve[k - 1]:.2f}" for k in ks)


def print_summary(summary: Summary, console: Console | None = None, limit: int = 40,
                  comparisons: list[Comparison] | None = None) -> None:
    console = console or Console()
    table = Table(title=f"dtu run {summary.run_id}" + ("" if summary.complete else " (partial)"))
    multi = len(summary.agents) > 1
    if multi:
        table.add_column("agent")
    table.add_column("scenario")
    table.add_column("satisfied", justify="right")
    table.add_column("satisfaction", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("0 ─── interval ─── 1")
    table.add_column("errored", justify="right")
    table.add_column("failing checks")
    rows = sorted(summary.scenarios, key=lambda s: (s.satisfaction, s.ci_high, s.scenario))
    for s in rows[:limit]:
        failing = ", ".join(f"{k}×{v}" for k, v in sorted(s.failed_checks.items(), key=lambda kv: -kv[1])[:3])
        cells = [s.scenario, f"{s.satisfied}/{s.trials}", f"[{_colour(s.satisfaction)}]{s.satisfaction:.3f}[/]",
                 f"[{s.ci_low:.3f}, {s.ci_high:.3f}]", _bar(s.ci_low, s.satisfaction, s.ci_high),
                 f"[red]{s.errored}[/]" if s.errored else "", failing]
        table.add_row(*([s.agent, *cells] if multi else cells))
    if len(rows) > limit:
        table.caption = f"{len(rows) - limit} more scenarios in summary.json"
    console.print(table)
    for a in summary.agents:
        console.print(f"[bold]{a.agent}[/]: satisfaction [{_colour(a.satisfaction)}]{a.satisfaction:.3f}[/] "
                      f"over {a.scenarios} scenarios, 95% CI [{a.ci_low:.3f}, {a.ci_high:.3f}] (cluster bootstrap); "
                      f"{a.satisfied}/{a.trials} trajectories satisfied"
                      + (f"; [red]{a.errored} errored[/] (counted unsatisfied)" if a.errored else ""))
        if a.pass_hat_k:
            console.print(f"  pass^k (k=1,2,4,…): {_passk(a.pass_hat_k)}")
        if len(a.by_tag) > 1:
            console.print("  by tag: " + ", ".join(f"{t.tag} {t.satisfaction:.2f} [{t.ci_low:.2f}, {t.ci_high:.2f}]"
                                                   for t in a.by_tag))
    if summary.errors:
        console.print(f"[red]errored trials[/] (first {min(5, len(summary.errors))}):")
        for e in summary.errors[:5]:
            console.print(f"  {e.agent}/{e.scenario}/{e.trial}: {e.error}")
    for c in comparisons or []:
        print_comparison(c, console)


def print_comparison(c: Comparison, console: Console | None = None, limit: int = 40) -> None:
    console = console or Console()
    table = Table(title=f"{c.b} vs {c.a} (baseline)")
    for name, justify in (("scenario", "left"), ("A", "right"), ("B", "right"), ("Δ", "right"),
                          (f"{1 - c.alpha:.0%} CI (Newcombe)", "right"), ("Fisher p", "right"),
                          ("Holm p", "right"), ("verdict", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for d in c.scenarios[:limit]:
        colour = "red" if d.verdict == "regression" else "green" if d.verdict == "improvement" else "default"
        table.add_row(d.scenario, f"{d.a_satisfied}/{d.a_trials}", f"{d.b_satisfied}/{d.b_trials}",
                      f"[{colour}]{d.diff:+.3f}[/]", f"[{d.ci_low:+.3f}, {d.ci_high:+.3f}]", f"{d.p:.3g}",
                      f"{d.p_adjusted:.3g}", f"[{colour}]{d.verdict}[/]")
    console.print(table)
    console.print(f"mean satisfaction {c.a_mean:.3f} → {c.b_mean:.3f}: Δ {c.diff:+.3f}, "
                  f"{1 - c.alpha:.0%} CI [{c.ci_low:+.3f}, {c.ci_high:+.3f}] (paired bootstrap over scenarios)")
    if c.regressions:
        console.print("[red]regressions[/]: " + ", ".join(c.regressions))
    if c.improvements:
        console.print("[green]improvements[/]: " + ", ".join(c.improvements))
    for label, ids in (("only in A", c.only_a), ("only in B", c.only_b)):
        if ids:
            console.print(f"{label}: " + ", ".join(ids))
    if c.significant_regression:
        console.print(f"[bold red]significant regression at alpha={c.alpha:g}[/]")
