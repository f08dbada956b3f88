"""Satisfaction statistics: per scenario and overall, with confidence intervals.

Per scenario (one agent): satisfied/trials with a Wilson 95% interval (scipy), the mean partial
score, pass^k and pass@k for every k up to the trial count, and per-check pass rates. Per agent:
the mean satisfaction over scenarios with an interval that is never narrower than the evidence
allows (`overall_interval`): a cluster bootstrap (scenarios resampled, then trials within each)
from MIN_CLUSTERS scenarios up, widened to the pooled Wilson interval where that is wider; the
pooled Wilson interval below that. The same per tag. Errored trials (agent crash, timeout) count
as unsatisfied and are also listed apart. Each agent also says what drove it: a real model or a
twin, sandboxed or not (`labels`). The schema of `summary.json` is in runner/SUMMARY.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import msgspec
import numpy as np

from .records import Trajectory

CONFIDENCE = 0.95
RESAMPLES = 1000
BOOTSTRAP_SEED = 0
MAX_ERRORS_LISTED = 200
MIN_CLUSTERS = 10  # fewer scenarios than this: no cluster bootstrap, the pooled Wilson interval

BOOTSTRAP = "cluster-bootstrap"
POOLED = "pooled-wilson"
WIDENED = "cluster-bootstrap+pooled-wilson"


def wilson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials ((0, 1) when n is 0)."""
    if n == 0:
        return (0.0, 1.0)
    from scipy.stats import binomtest  # scipy.stats takes ~0.45 s to import: only commands that need it pay

    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return (max(0.0, float(ci.low)), min(1.0, float(ci.high)))


def pass_hat_k(c: int, n: int) -> list[float]:
    """pass^k for k = 1..n: the chance that k trials drawn without replacement all succeed.

    tau-bench's unbiased estimator C(c, k) / C(n, k), as a running product (no big binomials)."""
    out: list[float] = []
    acc = 1.0
    for i in range(n):
        acc *= max(c - i, 0) / (n - i)
        out.append(acc)
    return out


def pass_at_k(c: int, n: int) -> list[float]:
    """pass@k for k = 1..n: the chance that at least one of k trials succeeds, 1 - C(n-c, k)/C(n, k)."""
    return [1.0 - f for f in pass_hat_k(n - c, n)]


def cluster_bootstrap(successes: Sequence[int], trials: Sequence[int], resamples: int = RESAMPLES,
                      seed: int = BOOTSTRAP_SEED, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """A percentile interval for the mean satisfaction over scenarios.

    Each resample draws scenarios with replacement, then each drawn scenario's trials with
    replacement. For pass/fail trials the second stage is exactly Binomial(n, c/n), so one
    vectorised draw of shape (resamples, scenarios) does both stages."""
    c = np.asarray(successes, dtype=np.int64)
    n = np.asarray(trials, dtype=np.int64)
    s = len(c)
    if s == 0 or int(n.min()) == 0:
        return (0.0, 1.0)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, s, size=(resamples, s))
    nn = n[pick]
    draws = rng.binomial(nn, c[pick] / nn) / nn
    means = draws.mean(axis=1)
    alpha = (1.0 - confidence) / 2
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return (float(lo), float(hi))


def overall_interval(successes: Sequence[int], trials: Sequence[int], resamples: int = RESAMPLES,
                     seed: int = BOOTSTRAP_SEED, confidence: float = CONFIDENCE,
                     min_clusters: int = MIN_CLUSTERS) -> tuple[float, float, str, str]:
    """The interval for the mean satisfaction over scenarios, its method, and a note saying why.

    A percentile bootstrap over few clusters is far too narrow (3 trials of 1 scenario, all
    satisfied, give [1, 1]), and over many clusters that all agree it collapses to a point. So:
    below `min_clusters` scenarios, the pooled Wilson interval of all trials (widened to the
    bootstrap's where that is wider); from there up, the cluster bootstrap, widened to the pooled
    Wilson interval where that is wider. Either way the interval holds the point estimate."""
    s = len(successes)
    if s == 0 or min(trials) == 0:
        return (0.0, 1.0, POOLED, "no trials")
    k, n = sum(successes), sum(trials)
    mean = sum(c / t for c, t in zip(successes, trials, strict=True)) / s
    blo, bhi = cluster_bootstrap(successes, trials, resamples, seed, confidence)
    wlo, whi = wilson(k, n, confidence)
    lo, hi = min(blo, wlo, mean), max(bhi, whi, mean)
    if s < min_clusters:
        note = f"too few scenarios ({s} < {min_clusters}) for a cluster bootstrap: pooled Wilson interval over {n} trials"
        if (lo, hi) != (min(wlo, mean), max(whi, mean)):
            note += ", widened to the spread between scenarios"
        return (lo, hi, POOLED, note)
    if (lo, hi) != (min(blo, mean), max(bhi, mean)):
        return (lo, hi, WIDENED, f"cluster bootstrap over {s} scenarios, widened to the pooled Wilson "
                                 f"interval over {n} trials (the scenarios barely vary)")
    return (lo, hi, BOOTSTRAP, f"cluster bootstrap over {s} scenarios")


TWIN_NOTE = "twin model: this satisfaction says nothing about a real model"
NO_SANDBOX_NOTE = "--no-sandbox: not a holdout; the agent could read the scenarios and their checks"
HOST_NETWORK_NOTE = ("sandbox on the host's network: the agent could reach local services and the internet "
                     "(llm=real, or no network namespace here)")


def labels(model_kinds: dict[str, int], sandboxes: dict[str, int],
           host_network: int = 0) -> tuple[str, str, list[str]]:
    """An agent's `model` and `sandbox` labels, and the notes they call for, from its trials' info.

    model: "api" (every trial used a real model), "twin" (every trial a twin: "twin" or "oracle-twin"),
    "mixed", or "" (no model: an in-process agent such as scripted or noisy).
    sandbox: "bwrap", "off", "mixed", or "" (not a program agent). `host_network` counts sandboxed
    trials that shared the host's network."""
    twins = sum(v for kind, v in model_kinds.items() if kind != "api")
    api = model_kinds.get("api", 0)
    model = "" if not model_kinds else "api" if not twins else "twin" if not api else "mixed"
    kinds = sorted(kind for kind in model_kinds if kind != "api")
    notes: list[str] = []
    if twins:
        notes.append(f"{TWIN_NOTE} ({', '.join(kinds)} in {twins} of {twins + api} trials)")
    off = sandboxes.get("off", 0)
    sandbox = "" if not sandboxes else next(iter(sandboxes)) if len(sandboxes) == 1 else "mixed"
    if off:
        notes.append(f"{NO_SANDBOX_NOTE} ({off} of {sum(sandboxes.values())} trials)")
    if host_network:
        notes.append(f"{HOST_NETWORK_NOTE} ({host_network} of {sum(sandboxes.values())} trials)")
    return model, sandbox, notes


class ErroredTrial(msgspec.Struct):
    agent: str
    scenario: str
    trial: int
    error: str


class ScenarioStats(msgspec.Struct):
    scenario: str
    agent: str
    trials: int
    satisfied: int
    errored: int
    satisfaction: float
    ci_low: float
    ci_high: float
    mean_score: float
    tags: list[str] = []
    failed_checks: dict[str, int] = {}
    check_rates: dict[str, float] = {}
    pass_hat_k: list[float] = []
    pass_at_k: list[float] = []
    judged: int = 0
    judge_mean: float | None = None


class TagStats(msgspec.Struct):
    tag: str
    scenarios: int
    trials: int
    satisfied: int
    satisfaction: float
    ci_low: float
    ci_high: float
    interval: str = BOOTSTRAP


class AgentStats(msgspec.Struct):
    agent: str
    scenarios: int
    trials: int
    satisfied: int
    errored: int
    satisfaction: float
    ci_low: float
    ci_high: float
    pass_hat_k: list[float] = []
    by_tag: list[TagStats] = []
    interval: str = BOOTSTRAP  # how ci_low/ci_high were computed: see overall_interval
    interval_note: str = ""
    model: str = ""  # "api" | "twin" | "mixed" | "" (no model)
    model_kinds: dict[str, int] = {}  # trials per info["model_kind"]
    sandbox: str = ""  # "bwrap" | "off" | "mixed" | "" (not a program agent)
    notes: list[str] = []  # what the figure does not mean: a twin model, no sandbox


class Summary(msgspec.Struct):
    run_id: str
    complete: bool
    agents: list[AgentStats]
    scenarios: list[ScenarioStats]
    errors: list[ErroredTrial] = []
    confidence: float = CONFIDENCE
    resamples: int = RESAMPLES
    bootstrap_seed: int = BOOTSTRAP_SEED
    schema: int = 3
    min_clusters: int = MIN_CLUSTERS

    def for_agent(self, agent: str) -> list[ScenarioStats]:
        return [s for s in self.scenarios if s.agent == agent]


class _Tally:
    """One (agent, scenario)'s counts, accumulated trajectory by trajectory (no trajectory kept)."""

    __slots__ = ("errored", "failed", "judged", "n", "order", "passed", "satisfied", "score")

    def __init__(self) -> None:
        self.n = self.satisfied = self.errored = 0
        self.score = 0.0
        self.passed: dict[str, int] = defaultdict(int)
        self.failed: dict[str, int] = defaultdict(int)
        self.order: dict[str, None] = {}
        self.judged: list[float] = []

    def add(self, t: Trajectory) -> None:
        self.n += 1
        self.satisfied += t.satisfied
        self.errored += t.error is not None
        self.score += t.score
        for c in t.checks:
            self.order.setdefault(c.id)
            if c.passed:
                self.passed[c.id] += 1
            else:
                self.failed[c.id] += 1
        if t.judge and "probability" in t.judge:
            self.judged.append(float(t.judge["probability"]))

    def stats(self, agent: str, scenario: str, tags: list[str]) -> ScenarioStats:
        n, k = self.n, self.satisfied
        lo, hi = wilson(k, n)
        return ScenarioStats(
            scenario=scenario, agent=agent, trials=n, satisfied=k, errored=self.errored,
            satisfaction=k / n, ci_low=lo, ci_high=hi, mean_score=self.score / n,
            tags=list(tags), failed_checks=dict(self.failed),
            check_rates={i: self.passed[i] / (self.passed[i] + self.failed[i]) for i in self.order},
            pass_hat_k=pass_hat_k(k, n), pass_at_k=pass_at_k(k, n), judged=len(self.judged),
            judge_mean=sum(self.judged) / len(self.judged) if self.judged else None,
        )


def scenario_stats(agent: str, scenario: str, ts: Iterable[Trajectory], tags: list[str]) -> ScenarioStats:
    tally = _Tally()
    for t in ts:
        tally.add(t)
    return tally.stats(agent, scenario, tags)


def _mean_curve(curves: list[list[float]]) -> list[float]:
    """The mean pass^k over scenarios, for each k that every scenario reaches."""
    if not curves:
        return []
    kmax = min(len(c) for c in curves)
    return [sum(c[i] for c in curves) / len(curves) for i in range(kmax)]


def agent_stats(agent: str, mine: list[ScenarioStats], resamples: int, seed: int,
                model_kinds: dict[str, int] | None = None, sandboxes: dict[str, int] | None = None,
                host_network: int = 0) -> AgentStats:
    n = sum(s.trials for s in mine)
    k = sum(s.satisfied for s in mine)
    lo, hi, method, note = overall_interval([s.satisfied for s in mine], [s.trials for s in mine], resamples, seed)
    by_tag: list[TagStats] = []
    for tag in sorted({t for s in mine for t in s.tags}):
        sub = [s for s in mine if tag in s.tags]
        tlo, thi, tmethod, _ = overall_interval([s.satisfied for s in sub], [s.trials for s in sub], resamples, seed)
        by_tag.append(TagStats(tag=tag, scenarios=len(sub), trials=sum(s.trials for s in sub),
                               satisfied=sum(s.satisfied for s in sub),
                               satisfaction=sum(s.satisfaction for s in sub) / len(sub), ci_low=tlo, ci_high=thi,
                               interval=tmethod))
    model, sandbox, notes = labels(model_kinds or {}, sandboxes or {}, host_network)
    return AgentStats(agent=agent, scenarios=len(mine), trials=n, satisfied=k,
                      errored=sum(s.errored for s in mine),
                      satisfaction=sum(s.satisfaction for s in mine) / len(mine), ci_low=lo, ci_high=hi,
                      pass_hat_k=_mean_curve([s.pass_hat_k for s in mine]), by_tag=by_tag,
                      interval=method, interval_note=note, model=model, model_kinds=dict(sorted((model_kinds or {}).items())),
                      sandbox=sandbox, notes=notes)


def summarize(run_id: str, trajectories: Iterable[Trajectory], tags: dict[str, list[str]] | None = None,
              complete: bool = True, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED) -> Summary:
    """The statistics of a run's trajectories (any order; one entry per (agent, scenario, trial)).

    One streaming pass: memory grows with scenarios, not with trajectories."""
    groups: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    errors: list[ErroredTrial] = []
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    boxes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    host_net: dict[str, int] = defaultdict(int)
    for t in trajectories:
        groups[(t.agent, t.scenario)].add(t)
        if t.error is not None and len(errors) < MAX_ERRORS_LISTED:
            errors.append(ErroredTrial(t.agent, t.scenario, t.trial, t.error))
        if t.info:
            kind, box = t.info.get("model_kind"), t.info.get("sandbox")
            if kind is not None:
                kinds[t.agent][str(kind)] += 1
            if box is not None:
                boxes[t.agent][str(box)] += 1
                if box == "bwrap" and t.info.get("network") == "host":
                    host_net[t.agent] += 1
    per = [tally.stats(agent, scen, (tags or {}).get(scen, [])) for (agent, scen), tally in sorted(groups.items())]
    agents = [agent_stats(a, [s for s in per if s.agent == a], resamples, seed, dict(kinds[a]), dict(boxes[a]),
                          host_net[a])
              for a in sorted({s.agent for s in per})]
    errors.sort(key=lambda e: (e.agent, e.scenario, e.trial))
    return Summary(run_id=run_id, complete=complete, agents=agents, scenarios=per, errors=errors,
                   resamples=resamples, bootstrap_seed=seed)


SUMMARY = msgspec.json.Decoder(Summary)
