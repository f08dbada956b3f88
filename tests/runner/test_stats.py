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
    overall_interval,
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


def test_one_scenario_overall_interval_is_as_wide_as_its_own_evidence() -> None:
    """3 trials of 1 scenario, all satisfied: the scenario's Wilson interval is [0.439, 1]; the
    overall interval must not claim more (a percentile bootstrap over one cluster says [1, 1])."""
    s = summarize("r", [traj("s1", k, True) for k in range(3)])
    (sc,), (a,) = s.scenarios, s.agents
    assert (sc.ci_low, sc.ci_high) == (pytest.approx(0.4385, abs=1e-4), 1.0)
    assert (a.ci_low, a.ci_high) == (pytest.approx(sc.ci_low), 1.0)
    assert a.interval == "pooled-wilson"
    assert a.interval_note.startswith("too few scenarios (1 < 10) for a cluster bootstrap: pooled Wilson interval")


def test_overall_interval_method_follows_the_number_of_scenarios() -> None:
    few = summarize("r", [traj(f"s{i}", k, k < 2 + i) for i in range(5) for k in range(6)]).agents[0]
    assert few.interval == "pooled-wilson"
    wlo, whi = wilson(sum(min(6, 2 + i) for i in range(5)), 30)
    assert few.ci_low <= wlo and few.ci_high >= whi  # the scenarios differ a lot: wider than pooled Wilson
    assert few.interval_note.endswith("pooled Wilson interval over 30 trials, widened to the spread between scenarios")
    same = summarize("r", [traj(f"s{i}", k, k < 3) for i in range(4) for k in range(6)]).agents[0]
    assert (same.interval, (same.ci_low, same.ci_high)) == ("pooled-wilson", pytest.approx(wilson(12, 24)))
    varied = summarize("r", [traj(f"s{i:02d}", k, k < i % 7) for i in range(30) for k in range(6)]).agents[0]
    assert varied.interval == "cluster-bootstrap" and varied.interval_note == "cluster bootstrap over 30 scenarios"
    agree = summarize("r", [traj(f"s{i:02d}", k, True) for i in range(20) for k in range(10)]).agents[0]
    assert agree.interval == "cluster-bootstrap+pooled-wilson"  # a bootstrap of 20 perfect scenarios is [1, 1]
    assert agree.ci_low == pytest.approx(wilson(200, 200)[0]) and agree.ci_low < 1.0


@pytest.mark.parametrize("seed", range(6))
def test_overall_interval_is_never_narrower_than_the_pooled_wilson_interval(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scenarios = int(rng.integers(1, 25))
    n = rng.integers(1, 12, size=scenarios)
    c = rng.binomial(n, rng.choice([0.0, 0.5, 0.9, 1.0], size=scenarios))
    lo, hi, method, _ = overall_interval(c.tolist(), n.tolist())
    wlo, whi = wilson(int(c.sum()), int(n.sum()))
    mean = float((c / n).mean())
    assert lo <= wlo + 1e-12 and hi >= whi - 1e-12 and lo <= mean <= hi
    assert (method == "pooled-wilson") == (scenarios < 10)


def labelled(kind: str | None, box: str | None, k: int) -> Trajectory:
    t = traj("s1", k, True)
    t.info = {key: v for key, v in (("model_kind", kind), ("sandbox", box)) if v is not None}
    return t


def test_agents_say_whether_a_twin_model_or_no_sandbox_drove_them() -> None:
    twin = summarize("r", [labelled("scripted-twin", "off", k) for k in range(4)]).agents[0]
    assert (twin.model, twin.sandbox, twin.model_kinds) == ("twin", "off", {"scripted-twin": 4})
    assert twin.notes == ["twin model: this satisfaction says nothing about a real model (scripted-twin in 4 of 4 trials)",
                          "--no-sandbox: not a holdout; the agent could read the scenarios and their checks (4 of 4 trials)"]
    real = summarize("r", [labelled("api", "bwrap", k) for k in range(4)]).agents[0]
    assert (real.model, real.sandbox, real.notes) == ("api", "bwrap", [])
    mixed = summarize("r", [labelled("api" if k else "oracle-twin", None, k) for k in range(4)]).agents[0]
    assert (mixed.model, mixed.sandbox) == ("mixed", "") and "oracle-twin in 1 of 4 trials" in mixed.notes[0]
    plain = summarize("r", [labelled(None, None, k) for k in range(2)]).agents[0]
    assert (plain.model, plain.sandbox, plain.notes) == ("", "", [])
    back = SUMMARY.decode(msgspec.json.encode(summarize("r", [labelled("twin", "off", 0)])))
    assert back.agents[0].notes and back.schema == 3


def test_a_sandbox_on_the_hosts_network_is_said() -> None:
    def one(k: int, network: str) -> Trajectory:
        t = labelled("api", "bwrap", k)
        t.info["network"] = network
        return t

    isolated = summarize("r", [one(k, "private") for k in range(3)]).agents[0]
    assert isolated.notes == []
    open_net = summarize("r", [one(k, "host" if k < 2 else "private") for k in range(3)]).agents[0]
    assert open_net.sandbox == "bwrap"
    assert open_net.notes == ["sandbox on the host's network: the agent could reach local services and the "
                              "internet (llm=real, or no network namespace here) (2 of 3 trials)"]


def test_a_schema_2_summary_still_decodes() -> None:
    old = summarize("r", [traj("s1", 0, True)])
    data = msgspec.json.decode(msgspec.json.encode(old))
    for key in ("interval", "interval_note", "model", "model_kinds", "sandbox", "notes"):
        del data["agents"][0][key]
    del data["min_clusters"]
    data["schema"] = 2
    back = SUMMARY.decode(msgspec.json.encode(data))
    assert back.agents[0].interval == "cluster-bootstrap" and back.agents[0].notes == []
