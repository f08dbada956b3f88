"""A Markdown summary, for GitHub Actions' step summary (GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import os
from pathlib import Path

from .compare import Comparison, side
from .stats import BOOTSTRAP, POOLED, Summary

_METHOD = {BOOTSTRAP: "cluster bootstrap", POOLED: "pooled Wilson"}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def markdown(summary: Summary, comparisons: list[Comparison] | None = None, limit: int = 30) -> str:
    out = [f"## dtu run `{summary.run_id}`" + ("" if summary.complete else " (partial)"), ""]
    for a in summary.agents:
        for n in a.notes:
            out += ["> [!WARNING]", f"> **{a.agent}**: {n}", ""]
    out += ["| agent | satisfaction | 95% CI | scenarios | trajectories satisfied | errored | model | sandbox |",
            "| --- | ---: | --- | ---: | ---: | ---: | --- | --- |"]
    for a in summary.agents:
        method = _METHOD.get(a.interval, "cluster bootstrap, widened to pooled Wilson")
        out.append(f"| {a.agent} | {_pct(a.satisfaction)} | {_pct(a.ci_low)} – {_pct(a.ci_high)} ({method}) | "
                   f"{a.scenarios} | {a.satisfied}/{a.trials} | {a.errored} | {a.model or '–'} | {a.sandbox or '–'} |")
    rows = sorted(summary.scenarios, key=lambda s: (s.satisfaction, s.scenario))
    out += ["", "### Scenarios, worst first", "",
            "| agent | scenario | satisfied | satisfaction | 95% CI | failing checks |",
            "| --- | --- | ---: | ---: | --- | --- |"]
    for s in rows[:limit]:
        failing = ", ".join(f"`{k}`×{v}" for k, v in sorted(s.failed_checks.items(), key=lambda kv: -kv[1])[:3])
        out.append(f"| {s.agent} | `{s.scenario}` | {s.satisfied}/{s.trials} | {_pct(s.satisfaction)} | "
                   f"{_pct(s.ci_low)} – {_pct(s.ci_high)} | {failing} |")
    if len(rows) > limit:
        out.append(f"\n{len(rows) - limit} more scenarios in summary.json.")
    for c in comparisons or []:
        out += ["", f"### {c.b} vs {c.a}", "", f"A (baseline) = {side(c, 'a')}; B = {side(c, 'b')}.", ""]
        if not c.scenarios:
            out.append("No scenario in common: nothing to compare.")
            continue
        out += [f"Mean satisfaction {_pct(c.a_mean)} → {_pct(c.b_mean)} "
                f"(Δ {100 * c.diff:+.1f} pts, {_pct(1 - c.alpha)} CI {100 * c.ci_low:+.1f} to {100 * c.ci_high:+.1f}).",
                ""]
        if c.regressions:
            out.append("**Regressions:** " + ", ".join(f"`{r}`" for r in c.regressions))
        if c.improvements:
            out.append("**Improvements:** " + ", ".join(f"`{r}`" for r in c.improvements))
        close = [d for d in c.scenarios if d.verdict != "same" or d.p < c.alpha]
        out += [f"- `{d.scenario}`: {d.verdict} — {d.reason}" for d in close[:limit]]
    if summary.errors:
        out += ["", f"### Errored trials ({sum(a.errored for a in summary.agents)})", ""]
        out += [f"- `{e.agent}/{e.scenario}/{e.trial}`: {e.error}" for e in summary.errors[:10]]
    return "\n".join(out) + "\n"


def write_step_summary(summary: Summary, comparisons: list[Comparison] | None = None) -> bool:
    """Append the summary to $GITHUB_STEP_SUMMARY when it is set; say whether it was."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    with open(Path(target), "a", encoding="utf-8") as f:
        f.write(markdown(summary, comparisons))
    return True
