"""The terminal report, made to fit 80 columns (a CI log) as well as a wide terminal.

Satisfaction per scenario, worst first, with intervals: the `limit` worst, then a count of the
rest (`wide=True` shows every row); full scenario ids, wrapped and never cut. Then per agent: the
overall interval and how it was computed, pass^k, the worst few tags, errored trials apart, and a
loud banner when the figure does not mean what it seems (a twin model, no sandbox). Then the A/B
comparisons: who A and B are, significant changes first, each verdict with its reason.

Everything that came from an agent or a scenario file is printed as plain text, never as markup."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .compare import Comparison, ScenarioDelta, fmt_p, side
from .stats import BOOTSTRAP, POOLED, AgentStats, ScenarioStats, Summary

WORST = 15  # scenario rows shown unless wide
TAGS = 5  # tags shown per agent unless wide
ERRORS = 5  # errored trials listed unless wide
REST = 10  # comparison rows shown after the significant ones unless wide
BAR_MIN_WIDTH = 110  # the interval bar column needs a wide terminal

_METHOD = {BOOTSTRAP: "cluster bootstrap", POOLED: "pooled Wilson"}


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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _rest(values: list[float], what: str) -> str:
    lo, hi = min(values), max(values)
    at = f"at {lo:.3f}" if lo == hi else f"between {lo:.3f} and {hi:.3f}"
    return f"… and {len(values)} more {what}{at}; --wide shows all"


def _grid(console: Console, title: str | None, header: list[tuple[str, str]], rows: list[tuple[Text, list[Text]]],
          label: str) -> None:
    """Rows of cells under a header, as a table when every label fits on its row, else stacked:
    each label (a scenario id: never cut) on a line of its own above its row's cells."""
    widths = [max([len(h), *(cells[i].cell_len for _, cells in rows)]) for i, (h, _) in enumerate(header)]
    longest = max((t.cell_len for t, _ in rows), default=0)
    last = min(widths[-1], 24) if header[-1][1] == "fill" else widths[-1]  # a "fill" column wraps
    if console.width >= max(longest, len(label)) + 2 + sum(widths[:-1]) + 2 * (len(widths) - 1) + last:
        table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left", show_edge=False)
        table.add_column(label, overflow="fold", min_width=min(longest, 12))
        for h, justify in header:
            table.add_column(h, justify="right" if justify == "right" else "left", overflow="fold",
                             no_wrap=justify != "fill")
        for t, cells in rows:
            table.add_row(t, *cells)
        console.print(table)
        return

    def line(cells: list[Text]) -> Text:
        out = Text("    ")
        for i, (c, w, (_, justify)) in enumerate(zip(cells, widths, header, strict=True)):
            pad = " " * (w - c.cell_len) if i < len(cells) - 1 or justify == "right" else ""
            out.append("  " if i else "")
            if i == len(cells) - 1 and justify == "fill" and out.cell_len + c.cell_len > console.width:
                # the last cell wraps under itself, not under the row's first column
                hang = out.cell_len
                parts = c.wrap(console, max(12, console.width - hang), overflow="fold")
                out.append_text(Text("\n" + " " * hang).join(parts))
                break
            out.append_text(Text.assemble(pad, c) if justify == "right" else Text.assemble(c, pad))
        return out

    if title:
        console.print(Text(title, style="italic"))
    console.print(Text(label, style="bold"))
    console.print(line([Text(h, style="bold") for h, _ in header]), overflow="fold")
    console.rule(style="dim")
    for t, cells in rows:
        console.print(t, overflow="fold", highlight=False)
        console.print(line(cells), overflow="fold", highlight=False)


def _scenario_rows(summary: Summary, rows: list[ScenarioStats], console: Console) -> None:
    multi = len(summary.agents) > 1
    bar = console.width >= BAR_MIN_WIDTH
    errored = any(s.errored for s in rows)
    header = [("satisfied", "right"), ("rate", "right"), ("95% CI", "right")]
    header += [("0 ─── interval ─── 1", "left")] if bar else []
    header += [("err", "right")] if errored else []
    header += [("failing checks", "fill")]
    out: list[tuple[Text, list[Text]]] = []
    for s in rows:
        failing = ", ".join(f"{k}×{v}" for k, v in sorted(s.failed_checks.items(), key=lambda kv: -kv[1])[:3])
        cells = [Text(f"{s.satisfied}/{s.trials}"), Text(f"{s.satisfaction:.3f}", style=_colour(s.satisfaction)),
                 Text(f"[{s.ci_low:.3f}, {s.ci_high:.3f}]")]
        cells += [Text(_bar(s.ci_low, s.satisfaction, s.ci_high))] if bar else []
        cells += [Text(str(s.errored) if s.errored else "", style="red")] if errored else []
        cells.append(Text(failing))
        out.append((Text(s.scenario) + (Text(f"  ({s.agent})", style="cyan") if multi else Text()), cells))
    title = f"dtu run {summary.run_id}" + ("" if summary.complete else " (partial)") + ": scenarios, worst first"
    _grid(console, title, header, out, "scenario" + (" (agent)" if multi else ""))


def _agent_lines(a: AgentStats, console: Console, wide: bool) -> None:
    method = _METHOD.get(a.interval, "cluster bootstrap, widened to pooled Wilson")
    flags = "".join(f" [bold reverse red] {f} [/]" for f, on in (("TWIN MODEL", a.model in ("twin", "mixed")),
                                                                  ("NO SANDBOX", a.sandbox in ("off", "mixed"))) if on)
    console.print(f"[bold]{escape(a.agent)}[/]{flags}: satisfaction [{_colour(a.satisfaction)}]{a.satisfaction:.3f}[/], "
                  f"95% CI [{a.ci_low:.3f}, {a.ci_high:.3f}] ({method}) over {_plural(a.scenarios, 'scenario')}; "
                  f"{a.satisfied}/{a.trials} trajectories satisfied"
                  + (f"; [red]{a.errored} errored[/] (counted unsatisfied)" if a.errored else ""), highlight=False)
    if a.interval != BOOTSTRAP and a.interval_note:
        console.print(Text("  " + a.interval_note, style="yellow"))
    if a.pass_hat_k:
        console.print(f"  pass^k (k=1,2,4,…): {_passk(a.pass_hat_k)}", highlight=False)
    if len(a.by_tag) > 1:
        tags = sorted(a.by_tag, key=lambda t: (t.satisfaction, t.ci_high, t.tag))
        shown = tags if wide else tags[:TAGS]
        line = "  by tag" + ("" if len(shown) == len(tags) else f" (worst {len(shown)} of {len(tags)})") + ": "
        line += ", ".join(f"{t.tag} {t.satisfaction:.2f} [{t.ci_low:.2f}, {t.ci_high:.2f}]" for t in shown)
        if len(shown) < len(tags):
            line += "; " + _rest([t.satisfaction for t in tags[len(shown):]], "tags ")
        console.print(Text(line), highlight=False)


def banner(a: AgentStats, console: Console) -> None:
    """A loud box for what an agent's figure does not mean (a twin model, no sandbox)."""
    if a.notes:
        body = Text("\n".join(f"⚠ {n}" for n in a.notes), style="bold")
        console.print(Panel(body, title=Text(f"agent {a.agent}"), border_style="bold red", title_align="left"))


def print_summary(summary: Summary, console: Console | None = None, limit: int = WORST,
                  comparisons: list[Comparison] | None = None, *, wide: bool = False) -> None:
    """The run's statistics on the terminal: the `limit` worst scenarios (every one when `wide`)."""
    console = console or Console()
    rows = sorted(summary.scenarios, key=lambda s: (s.satisfaction, s.ci_high, s.scenario, s.agent))
    shown = rows if wide else rows[:limit]
    _scenario_rows(summary, shown, console)
    if len(shown) < len(rows):
        what = "scenario results " if len(summary.agents) > 1 else "scenarios "
        console.print(Text(_rest([s.satisfaction for s in rows[len(shown):]], what)), highlight=False)
    for a in summary.agents:
        _agent_lines(a, console, wide)
    if summary.errors:
        total = sum(a.errored for a in summary.agents)
        listed = summary.errors if wide else summary.errors[:ERRORS]
        more = "" if len(listed) == total else f" (first {len(listed)} of {total}" + (
            "; --wide lists more)" if len(listed) < len(summary.errors) else "; summary.json lists 200)")
        console.print(f"[red]errored trials[/]{more}:", highlight=False)
        for e in listed:
            console.print(Text(f"  {e.agent}/{e.scenario}/{e.trial}: {e.error}"), highlight=False)
    for a in summary.agents:
        banner(a, console)
    for c in comparisons or []:
        print_comparison(c, console, wide=wide)


def _delta_cells(d: ScenarioDelta) -> list[Text]:
    colour = "red" if d.verdict == "regression" else "green" if d.verdict == "improvement" else ""
    return [Text(f"{d.a_satisfied}/{d.a_trials}"), Text(f"{d.b_satisfied}/{d.b_trials}"),
            Text(f"{d.diff:+.2f}", style=colour), Text(f"[{d.ci_low:+.2f}, {d.ci_high:+.2f}]"), Text(fmt_p(d.p)),
            Text(fmt_p(d.p_adjusted)), Text(d.verdict, style=colour)]


def print_comparison(c: Comparison, console: Console | None = None, limit: int = REST, *,
                     wide: bool = False) -> None:
    """One A/B comparison: who A and B are, every significant change, then the rest (the `limit`
    largest drops unless `wide`), and the reason for each verdict that was close."""
    console = console or Console()
    console.print(Text(f"B vs A: {c.b} vs {c.a} (baseline)", style="bold"))
    console.print(Text(f"  A (baseline) = {side(c, 'a')}\n  B            = {side(c, 'b')}"), highlight=False)
    if not c.scenarios:
        console.print(Text("  no scenario in common: nothing to compare", style="red"))
        return
    significant = [d for d in c.scenarios if d.verdict != "same"]
    rest = [d for d in c.scenarios if d.verdict == "same"]
    shown_rest = rest if wide else rest[:limit]
    header = [(h, "right") for h in ("A", "B", "Δ", f"{1 - c.alpha:.0%} CI", "p", "Holm p")] + [("verdict", "left")]
    _grid(console, None, header, [(Text(d.scenario), _delta_cells(d)) for d in [*significant, *shown_rest]],
          "scenario")
    if len(shown_rest) < len(rest):
        hidden = [d.diff for d in rest[len(shown_rest):]]
        console.print(f"… and {len(hidden)} more with no significant change (Δ from {min(hidden):+.2f} to "
                      f"{max(hidden):+.2f}); --wide shows all", highlight=False)
    for d in [*significant, *shown_rest]:
        if d.verdict != "same" or d.p < c.alpha:
            console.print(Text(f"  {d.scenario}: {d.verdict} — {d.reason}"), highlight=False)
    console.print(f"  p: Fisher's exact test per scenario; Holm p: adjusted over {_plural(c.tests, 'scenario')} "
                  f"compared; a verdict needs Holm p < {c.alpha:g}", highlight=False, style="dim")
    console.print(f"mean satisfaction {c.a_mean:.3f} → {c.b_mean:.3f}: Δ {c.diff:+.3f}, "
                  f"{1 - c.alpha:.0%} CI [{c.ci_low:+.3f}, {c.ci_high:+.3f}] (paired bootstrap over "
                  f"{_plural(c.common, 'scenario')})", highlight=False)
    for label, ids in (("only in A", c.only_a), ("only in B", c.only_b)):
        if ids:
            console.print(Text(f"{label} (not compared): " + ", ".join(ids)), highlight=False)
    if c.significant_regression:
        console.print(f"[bold red]significant regression at alpha={c.alpha:g}[/]")
