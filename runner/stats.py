"""Satisfaction statistics: per scenario and overall, with confidence intervals."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

import msgspec

from .records import Trajectory

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


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


class AgentStats(msgspec.Struct):
    agent: str
    scenarios: int
    trials: int
    satisfied: int
    errored: int
    satisfaction: float
    ci_low: float
    ci_high: float


class Summary(msgspec.Struct):
    run_id: str
    complete: bool
    agents: list[AgentStats]
    scenarios: list[ScenarioStats]


def summarize(run_id: str, trajectories: Iterable[Trajectory], tags: dict[str, list[str]] | None = None,
              complete: bool = True) -> Summary:
    groups: dict[tuple[str, str], list[Trajectory]] = defaultdict(list)
    for t in trajectories:
        groups[(t.agent, t.scenario)].append(t)
    per: list[ScenarioStats] = []
    for (agent, scen), ts in sorted(groups.items()):
        n = len(ts)
        k = sum(t.satisfied for t in ts)
        lo, hi = wilson(k, n)
        failed: dict[str, int] = defaultdict(int)
        for t in ts:
            for c in t.checks:
                if not c.passed:
                    failed[c.id] += 1
        per.append(ScenarioStats(
            scenario=scen, agent=agent, trials=n, satisfied=k, errored=sum(t.error is not None for t in ts),
            satisfaction=k / n, ci_low=lo, ci_high=hi, mean_score=sum(t.score for t in ts) / n,
            tags=(tags or {}).get(scen, []), failed_checks=dict(failed),
        ))
    agents: list[AgentStats] = []
    for agent in sorted({s.agent for s in per}):
        mine = [s for s in per if s.agent == agent]
        n = sum(s.trials for s in mine)
        k = sum(s.satisfied for s in mine)
        mean = sum(s.satisfaction for s in mine) / len(mine)
        lo, hi = wilson(k, n)
        agents.append(AgentStats(agent=agent, scenarios=len(mine), trials=n, satisfied=k,
                                 errored=sum(s.errored for s in mine), satisfaction=mean,
                                 ci_low=lo, ci_high=hi))
    return Summary(run_id=run_id, complete=complete, agents=agents, scenarios=per)
