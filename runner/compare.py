"""Comparing two agents (or two versions of one) scenario by scenario, from their summaries.

Per scenario: the difference in satisfaction (B - A) with a Newcombe hybrid score interval and
Fisher's exact p (two-sided; Holm-adjusted across scenarios for the verdict). Overall: the
difference in mean satisfaction with a paired bootstrap over the scenarios both ran (scenarios
resampled together, trials within each resampled for each side). A regression is significant
when its adjusted p is below alpha, or when the overall interval lies below zero. Every row
carries the reason for its verdict, naming the correction that decided it; `ordered` lists the
significant changes first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec
import numpy as np

from .stats import BOOTSTRAP_SEED, RESAMPLES, ScenarioStats, Summary, wilson


def newcombe(k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for p2 - p1 from two independent Wilson intervals."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, confidence)
    l2, u2 = wilson(k2, n2, confidence)
    d = p2 - p1
    lo = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    hi = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return (max(-1.0, lo), min(1.0, hi))


def holm(ps: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (monotone, capped at 1)."""
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    out = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


def paired_bootstrap(a: Sequence[ScenarioStats], b: Sequence[ScenarioStats], resamples: int = RESAMPLES,
                     seed: int = BOOTSTRAP_SEED, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of mean(B) - mean(A) over scenarios resampled in pairs."""
    if not a:
        return (-1.0, 1.0)
    ca = np.array([s.satisfied for s in a])
    na = np.array([s.trials for s in a])
    cb = np.array([s.satisfied for s in b])
    nb = np.array([s.trials for s in b])
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(a), size=(resamples, len(a)))
    da = rng.binomial(na[pick], ca[pick] / na[pick]) / na[pick]
    db = rng.binomial(nb[pick], cb[pick] / nb[pick]) / nb[pick]
    diffs = (db - da).mean(axis=1)
    alpha = (1.0 - confidence) / 2
    lo, hi = np.quantile(diffs, [alpha, 1.0 - alpha])
    return (float(lo), float(hi))


class ScenarioDelta(msgspec.Struct):
    scenario: str
    a_satisfied: int
    a_trials: int
    b_satisfied: int
    b_trials: int
    a: float
    b: float
    diff: float
    ci_low: float
    ci_high: float
    p: float
    p_adjusted: float
    verdict: str  # "regression" | "improvement" | "same"
    reason: str = ""  # why the verdict, e.g. "not significant after Holm over 107 scenarios (p = ...)"


class Comparison(msgspec.Struct):
    a: str  # "<run>:<agent>", or the agent's name within one run
    b: str
    alpha: float
    scenarios: list[ScenarioDelta]
    a_mean: float
    b_mean: float
    diff: float
    ci_low: float
    ci_high: float
    regressions: list[str]
    improvements: list[str]
    only_a: list[str] = []
    only_b: list[str] = []
    significant_regression: bool = False
    a_run: str = ""
    a_agent: str = ""
    b_run: str = ""
    b_agent: str = ""
    test: str = "fisher-exact"  # the per-scenario test (two-sided)
    correction: str = "holm"  # how p was adjusted across the `tests` scenarios compared
    tests: int = 0
    common: int = 0  # scenarios both sides ran


def fmt_p(x: float) -> str:
    return f"{x:.2g}" if x < 0.001 else f"{x:.3f}".rstrip("0").rstrip(".") if x < 1 else "1"


def reason(diff: float, p: float, p_adjusted: float, alpha: float, tests: int, ci: tuple[float, float],
           confidence: float) -> str:
    """Why a scenario's verdict is what it is, naming the test and the correction that decided it."""
    where = f"after Holm over {tests} scenario{'s' if tests != 1 else ''}"
    if diff == 0:
        return f"no difference (p = {fmt_p(p)})"
    if p_adjusted < alpha:
        return f"significant {where} (p = {fmt_p(p)}, adjusted {fmt_p(p_adjusted)} < {alpha:g})"
    if p >= alpha:
        return f"not significant (Fisher p = {fmt_p(p)} ≥ {alpha:g})"
    out = f"not significant {where} (p = {fmt_p(p)}, adjusted {fmt_p(p_adjusted)} ≥ {alpha:g})"
    if ci[1] < 0 or ci[0] > 0:
        out += f"; the {confidence:.0%} interval [{ci[0]:+.2f}, {ci[1]:+.2f}] excludes 0 but is for this scenario alone"
    return out


def ordered(c: Comparison) -> list[ScenarioDelta]:
    """Significant regressions (most certain first), then significant improvements, then the rest by Δ."""
    rank = {"regression": 0, "improvement": 1}
    return sorted(c.scenarios, key=lambda r: (rank.get(r.verdict, 2), r.p_adjusted if r.verdict in rank else 0.0,
                                              r.diff if r.verdict != "improvement" else -r.diff, r.p, r.scenario))


def compare(a: Sequence[ScenarioStats], b: Sequence[ScenarioStats], alpha: float = 0.05,
            label_a: str = "A", label_b: str = "B", resamples: int = RESAMPLES,
            seed: int = BOOTSTRAP_SEED, *, run_a: str = "", run_b: str = "") -> Comparison:
    """B against A over the scenarios both ran (A is the baseline).

    With no scenario in common the comparison is empty (`common == 0`): there is nothing to
    compare, and `dtu compare` says so and exits 2."""
    by_a = {s.scenario: s for s in a}
    by_b = {s.scenario: s for s in b}
    common = sorted(set(by_a) & set(by_b))
    pairs = [(by_a[sid], by_b[sid]) for sid in common]
    from scipy.stats import fisher_exact  # imported when needed, as in stats.wilson

    ps = [float(fisher_exact([[x.satisfied, x.trials - x.satisfied],
                              [y.satisfied, y.trials - y.satisfied]])[1]) for x, y in pairs]
    adj = holm(ps)
    rows: list[ScenarioDelta] = []
    for (x, y), p, pa in zip(pairs, ps, adj, strict=True):
        lo, hi = newcombe(x.satisfied, x.trials, y.satisfied, y.trials, 1.0 - alpha)
        d = y.satisfaction - x.satisfaction
        verdict = "same" if pa >= alpha or d == 0 else "regression" if d < 0 else "improvement"
        rows.append(ScenarioDelta(x.scenario, x.satisfied, x.trials, y.satisfied, y.trials, x.satisfaction,
                                  y.satisfaction, d, lo, hi, p, pa, verdict,
                                  reason(d, p, pa, alpha, len(pairs), (lo, hi), 1.0 - alpha)))
    rows.sort(key=lambda r: (r.diff, r.p, r.scenario))
    a_mean = sum(x.satisfaction for x, _ in pairs) / len(pairs) if pairs else 0.0
    b_mean = sum(y.satisfaction for _, y in pairs) / len(pairs) if pairs else 0.0
    lo, hi = paired_bootstrap([x for x, _ in pairs], [y for _, y in pairs], resamples, seed, 1.0 - alpha)
    regressions = [r.scenario for r in rows if r.verdict == "regression"]
    out = Comparison(
        a=label_a, b=label_b, alpha=alpha, scenarios=rows, a_mean=a_mean, b_mean=b_mean, diff=b_mean - a_mean,
        ci_low=lo, ci_high=hi, regressions=regressions,
        improvements=[r.scenario for r in rows if r.verdict == "improvement"],
        only_a=sorted(set(by_a) - set(by_b)), only_b=sorted(set(by_b) - set(by_a)),
        significant_regression=bool(regressions) or (bool(pairs) and hi < 0),
        a_run=run_a, a_agent=_agent_of(a), b_run=run_b, b_agent=_agent_of(b), tests=len(pairs), common=len(pairs),
    )
    out.scenarios = ordered(out)
    return out


def _agent_of(stats: Sequence[ScenarioStats]) -> str:
    names = sorted({s.agent for s in stats})
    return names[0] if len(names) == 1 else ""


def side(c: Comparison, which: str) -> str:
    """Who side A or B of a comparison is: "run R, agent X" (or the label when nothing more is known)."""
    run, agent, label = (c.a_run, c.a_agent, c.a) if which == "a" else (c.b_run, c.b_agent, c.b)
    parts = ([f"run {run}"] if run else []) + ([f"agent {agent}"] if agent else [])
    return ", ".join(parts) or label


def baseline_of(specs: Sequence[str], names: Sequence[str]) -> str | None:
    """The agent name the first `--agent` spec of a run gave (`noisy:skip=0.2` -> noisy), if it can tell."""
    if not specs:
        return None
    first = specs[0]
    for n in names:
        if first == n or first.startswith(n + ":") or f"name={n}" in first:
            return n
    return None


def within(summary: Summary, baseline: str | None = None, alpha: float = 0.05) -> list[Comparison]:
    """Every other agent of a run against its baseline (the first agent unless named)."""
    names = [x.agent for x in summary.agents]
    if len(names) < 2:
        return []
    base = baseline if baseline in names else names[0]
    return [compare(summary.for_agent(base), summary.for_agent(other), alpha, base, other,
                    summary.resamples, summary.bootstrap_seed, run_a=summary.run_id, run_b=summary.run_id)
            for other in names if other != base]
