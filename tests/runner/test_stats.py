"""Statistics: Wilson intervals, pass^k/pass@k, the cluster bootstrap, summaries and errored trials."""

from __future__ import annotations

import itertools
import math

import msgspec
import numpy as np
import pytest

from dtu.runner.checks import CheckResult
from dtu.runner.records import Trajectory
from dtu.runner.stats import (
    SUMMARY,
    cluster_bootstrap,
    pass_at_k,
    pass_hat_k,
    summarize,
    wilson,
)


def traj(scenario: str, trial: int, ok: bool, agent: str = "a", checks: dict[str, bool] | None = None,
         error: str | None = None) -> Trajectory:
    cs = [CheckResult(cid, p) for cid, p in (checks or {"c1": ok}).items()]
    return Trajectory(scenario=scenario, agent=agent, trial=trial, seed=trial, satisfied=ok and error is None,
                      score=sum(c.passed for c in cs) / len(cs), checks=cs, calls=[], digest="d", error=error)


def test_wilson_matches_the_textbook_values() -> None:
    lo, hi = wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4)
    assert hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(10, 10)
    assert hi == 1.0 and lo == pytest.approx(0.7225, abs=1e-4)


@pytest.mark.parametrize(("c", "n"), [(0, 5), (3, 5), (5, 5), (7, 10), (1, 12)])
def test_pass_k_are_the_unbiased_binomial_ratios(c: int, n: int) -> None:
    hat = pass_hat_k(c, n)
    at = pass_at_k(c, n)
    assert len(hat) == len(at) == n
    for k in range(1, n + 1):
        assert hat[k - 1] == pytest.approx(math.comb(c, k) / math.comb(n, k))
        assert at[k - 1] == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k))
    assert hat[0] == pytest.approx(c / n)
    assert all(x >= y for x, y in itertools.pairwise(hat))  # pass^k falls with k
    assert all(x <= y for x, y in itertools.pairwise(at))  # pass@k rises with k


def test_cluster_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    rng = np.random.default_rng(7)
    p = rng.uniform(0.2, 0.9, size=100)
    n = np.full(100, 10)
    c = rng.binomial(n, p)
    lo, hi = cluster_bootstrap(c.tolist(), n.tolist(), resamples=1000, seed=3)
    mean = float((c / n).mean())
    assert lo < mean < hi
    assert hi - lo < 0.2
    assert (lo, hi) == cluster_bootstrap(c.tolist(), n.tolist(), resamples=1000, seed=3)
    assert (lo, hi) != cluster_bootstrap(c.tolist(), n.tolist(), resamples=1000, seed=4)


def test_cluster_bootstrap_widens_with_between_scenario_spread() -> None:
    """Resampling scenarios counts their spread: all-or-nothing scenarios give a wider interval
    than scenarios that each sit at the same rate, though the pooled rate is the same."""
    n = [10] * 40
    split = cluster_bootstrap([10] * 20 + [0] * 20, n, seed=1)
    even = cluster_bootstrap([5] * 40, n, seed=1)
    assert split[1] - split[0] > 2 * (even[1] - even[0])


def test_summary_counts_errors_as_unsatisfied_and_lists_them_apart() -> None:
    ts = [traj("s1", 0, True), traj("s1", 1, True, error="timeout after 5s"), traj("s1", 2, False),
          traj("s2", 0, True, checks={"x": True, "y": True}),
          traj("s2", 1, False, checks={"x": True, "y": False}),
          traj("s2", 2, False, error="agent crashed: ValueError: boom", checks={"x": False, "y": False})]
    s = summarize("r", ts, {"s1": ["easy", "slack"], "s2": ["hard", "slack"]})
    s1, s2 = s.scenarios
    assert (s1.satisfied, s1.trials, s1.errored) == (1, 3, 1)
    assert s1.satisfaction == pytest.approx(1 / 3)
    assert (s2.satisfied, s2.errored) == (1, 1)
    assert s2.check_rates == {"x": pytest.approx(2 / 3), "y": pytest.approx(1 / 3)}
    assert s2.failed_checks == {"x": 1, "y": 2}
    assert s2.mean_score == pytest.approx((1 + 0.5 + 0) / 3)
    assert [(e.scenario, e.trial) for e in s.errors] == [("s1", 1), ("s2", 2)]
    (a,) = s.agents
    assert a.errored == 2 and a.satisfied == 2 and a.trials == 6
    assert a.satisfaction == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert a.ci_low <= a.satisfaction <= a.ci_high
    assert {t.tag: t.scenarios for t in a.by_tag} == {"easy": 1, "hard": 1, "slack": 2}
    assert a.pass_hat_k == pytest.approx([1 / 3, 0.0, 0.0])
    back = SUMMARY.decode(msgspec.json.encode(s))
    assert back == s


def test_summary_separates_agents_and_mean_is_over_scenarios() -> None:
    ts = [traj("s1", k, True, agent="a") for k in range(4)] + [traj("s2", k, k == 0, agent="a") for k in range(2)]
    ts += [traj("s1", k, False, agent="b") for k in range(4)]
    s = summarize("r", ts)
    by = {a.agent: a for a in s.agents}
    assert by["a"].satisfaction == pytest.approx((1.0 + 0.5) / 2)  # not the pooled 5/6
    assert by["b"].satisfaction == 0.0 and by["b"].scenarios == 1
    assert [x.scenario for x in s.for_agent("a")] == ["s1", "s2"]
