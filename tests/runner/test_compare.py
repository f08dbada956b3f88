"""A/B comparison: Newcombe intervals, Fisher p, Holm, the paired bootstrap, and `dtu compare`'s exit status."""

from __future__ import annotations

from pathlib import Path

import pytest

from dtu.runner import cli
from dtu.runner.compare import compare, holm, newcombe, within
from dtu.runner.stats import ScenarioStats, Summary, summarize

from .test_stats import traj


def stats(sid: str, k: int, n: int, agent: str = "a") -> ScenarioStats:
    return summarize("r", [traj(sid, i, i < k, agent=agent) for i in range(n)]).scenarios[0]


def test_newcombe_matches_newcombes_worked_example() -> None:
    # Newcombe (1998), Table II example (a): 56/70 vs 48/80 -> difference 0.2, interval 0.0524 to 0.3339.
    lo, hi = newcombe(48, 80, 56, 70)
    assert (lo, hi) == (pytest.approx(0.0524, abs=1e-3), pytest.approx(0.3339, abs=1e-3))


def test_holm_adjusts_in_order() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([]) == []


def test_a_clear_regression_is_significant_and_noise_is_not() -> None:
    a = [stats("s1", 20, 20), stats("s2", 10, 20), stats("s3", 18, 20)]
    b = [stats("s1", 4, 20, "b"), stats("s2", 11, 20, "b"), stats("s3", 17, 20, "b"), stats("s4", 5, 5, "b")]
    c = compare(a, b, alpha=0.05, label_a="old", label_b="new")
    assert c.regressions == ["s1"] and c.improvements == []
    assert c.significant_regression
    row = c.scenarios[0]
    assert row.scenario == "s1" and row.diff == pytest.approx(-0.8) and row.p < 1e-6
    assert row.ci_low < -0.5 and row.ci_high < 0
    assert {r.scenario: r.verdict for r in c.scenarios} == {"s1": "regression", "s2": "same", "s3": "same"}
    assert c.only_b == ["s4"] and c.only_a == []
    assert c.diff == pytest.approx((0.2 + 0.55 + 0.85 - 1.0 - 0.5 - 0.9) / 3)
    assert c.ci_low < c.diff < c.ci_high
    quiet = compare(a, [stats("s1", 19, 20, "b"), stats("s2", 9, 20, "b"), stats("s3", 18, 20, "b")])
    assert not quiet.significant_regression and quiet.regressions == []


def test_improvements_are_listed_and_do_not_gate() -> None:
    c = compare([stats("s1", 2, 20)], [stats("s1", 19, 20, "b")])
    assert c.improvements == ["s1"] and not c.significant_regression


def test_within_one_run_compares_each_agent_with_the_first() -> None:
    ts = [traj("s1", i, True, agent="base") for i in range(10)] + [traj("s1", i, i < 2, agent="cand") for i in range(10)]
    s = summarize("r", ts)
    (c,) = within(s)
    assert (c.a, c.b) == ("base", "cand") and c.regressions == ["s1"]


def write_run(root: Path, name: str, agent: str, rates: dict[str, tuple[int, int]]) -> Path:
    from dtu.runner.records import Manifest, ScenarioDigest
    from dtu.runner.results import RunDir

    rd = RunDir(root / name)
    rd.create(Manifest(run_id=name, dtu_version="0", created="now", agents=[agent], seed=0, trials=20,
                       concurrency=1, timeout=1.0, arguments=[], scenario_set="x",
                       scenarios=[ScenarioDigest(s, str(root / "missing.yaml"), "0") for s in rates]))
    ts = [traj(s, i, i < k, agent=agent) for s, (k, n) in rates.items() for i in range(n)]
    rd.write_summary(summarize(name, ts))
    return rd.path


def test_cli_exits_1_on_a_significant_regression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path, "a", "v1", {"s1": (20, 20), "s2": (15, 20)})
    b = write_run(tmp_path, "b", "v2", {"s1": (3, 20), "s2": (15, 20)})
    assert cli.main(["compare", str(a), str(b), "--json", str(tmp_path / "c.json")]) == 1
    out = capsys.readouterr()
    assert "regression" in out.out and "s1" in out.out and "significant regression" in out.err
    assert b'"regressions":["s1"]' in (tmp_path / "c.json").read_bytes().replace(b" ", b"").replace(b"\n", b"")
    assert cli.main(["compare", str(a), str(a)]) == 0
    # a tiny alpha makes the same drop not significant
    assert cli.main(["compare", str(a), str(b), "--alpha", "1e-12"]) == 0
    assert cli.main(["compare", str(a), str(b), "--alpha", "2"]) == 2


def test_summary_without_agents_compares_to_nothing() -> None:
    assert within(Summary(run_id="r", complete=True, agents=[], scenarios=[])) == []


def test_cli_compares_the_agents_of_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dtu.runner.records import Manifest, ScenarioDigest
    from dtu.runner.results import RunDir

    rd = RunDir(tmp_path / "both")
    rd.create(Manifest(run_id="both", dtu_version="0", created="now", agents=["v1", "v2"], seed=0, trials=20,
                       concurrency=1, timeout=1.0, arguments=[], scenario_set="x",
                       scenarios=[ScenarioDigest("s1", str(tmp_path / "s1.yaml"), "0")]))
    ts = [traj("s1", i, True, agent="v1") for i in range(20)] + [traj("s1", i, i < 19, agent="v2") for i in range(20)]
    rd.write_summary(summarize("both", ts))
    assert cli.main(["compare", str(rd.path)]) == 0  # 19/20 vs 20/20 is no significant regression
    assert "v2 vs v1" in capsys.readouterr().out
    assert cli.main(["compare", str(rd.path), "--baseline", "v2"]) == 0
    assert cli.main(["compare", str(rd.path), "--baseline", "nobody"]) == 2
    assert cli.main(["compare", str(rd.path), str(rd.path)]) == 2  # two agents each: say which
    assert cli.main(["compare", str(rd.path), str(rd.path), "--agent-a", "v1", "--agent-b", "v2"]) == 0


def test_the_baseline_is_the_runs_first_agent_spec() -> None:
    from dtu.runner.compare import baseline_of

    assert baseline_of(["scripted", "noisy:skip=0.2"], ["noisy", "scripted"]) == "scripted"
    assert baseline_of(["noisy:skip=0.2", "scripted"], ["noisy", "scripted"]) == "noisy"
    assert baseline_of(["noisy:skip=0.1,name=n1", "noisy:name=n2"], ["n1", "n2"]) == "n1"
    assert baseline_of(["pkg.mod:factory"], ["mine"]) is None
    ts = [traj("s1", i, True, agent="z-base") for i in range(10)] + [traj("s1", i, False, agent="a-cand") for i in range(10)]
    (c,) = within(summarize("r", ts), "z-base")
    assert (c.a, c.b, c.regressions) == ("z-base", "a-cand", ["s1"])


def test_a_verdict_names_the_correction_that_decided_it() -> None:
    """10/10 -> 2/10 alone is a regression; among 107 scenarios Holm makes it "same", and says so."""
    (alone,) = compare([stats("s1", 10, 10)], [stats("s1", 2, 10, "b")]).scenarios
    assert alone.verdict == "regression"
    assert alone.reason == "significant after Holm over 1 scenario (p = 0.00071, adjusted 0.00071 < 0.05)"
    a = [stats("s000", 10, 10)] + [stats(f"s{i:03d}", 5, 10) for i in range(1, 107)]
    b = [stats("s000", 2, 10, "b")] + [stats(f"s{i:03d}", 5, 10, "b") for i in range(1, 107)]
    c = compare(a, b)
    row = next(r for r in c.scenarios if r.scenario == "s000")
    assert (row.ci_low, row.ci_high) == (pytest.approx(-0.943, abs=1e-3), pytest.approx(-0.384, abs=1e-3))
    assert row.verdict == "same" and row.p == pytest.approx(0.000714, abs=1e-6)
    assert row.p_adjusted == pytest.approx(107 * row.p)
    assert row.reason == ("not significant after Holm over 107 scenarios (p = 0.00071, adjusted 0.076 ≥ 0.05); "
                          "the 95% interval [-0.94, -0.38] excludes 0 but is for this scenario alone")
    assert (c.test, c.correction, c.tests, c.common) == ("fisher-exact", "holm", 107, 107)
    assert c.scenarios[1].reason == "no difference (p = 1)"


def test_significant_changes_come_first() -> None:
    a = [stats(f"s{i}", 5, 20) for i in range(6)] + [stats("up", 2, 20), stats("down", 20, 20), stats("worse", 19, 20)]
    b = [stats(f"s{i}", 4 + i % 3, 20, "b") for i in range(6)]
    b += [stats("up", 19, 20, "b"), stats("down", 1, 20, "b"), stats("worse", 4, 20, "b")]
    c = compare(a, b)
    assert [r.scenario for r in c.scenarios[:3]] == ["down", "worse", "up"]
    assert [r.verdict for r in c.scenarios] == ["regression", "regression", "improvement"] + ["same"] * 6
    assert [r.diff for r in c.scenarios[3:]] == sorted(r.diff for r in c.scenarios[3:])


def test_cli_refuses_runs_with_no_scenario_in_common(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path, "a", "v1", {"s1": (20, 20), "s2": (15, 20)})
    b = write_run(tmp_path, "b", "v2", {"t1": (3, 20)})
    assert cli.main(["compare", str(a), str(b)]) == 2
    err = capsys.readouterr().err
    assert "no scenario in common" in err and "A ran s1, s2" in err and "B ran t1" in err


def test_cli_names_both_sides_and_writes_the_method(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import msgspec

    a = write_run(tmp_path, "a", "v1", {"s1": (20, 20), "s2": (15, 20)})
    b = write_run(tmp_path, "b", "v2", {"s1": (3, 20), "s2": (15, 20)})
    assert cli.main(["compare", str(a), str(b), "--json", str(tmp_path / "c.json")]) == 1
    out = capsys.readouterr().out
    assert "A (baseline) = run a, agent v1" in out and "B            = run b, agent v2" in out
    assert "s1: regression — significant after Holm over 2 scenarios" in out
    (c,) = msgspec.json.decode((tmp_path / "c.json").read_bytes())
    assert (c["a_run"], c["a_agent"], c["b_run"], c["b_agent"]) == ("a", "v1", "b", "v2")
    assert (c["test"], c["correction"], c["tests"]) == ("fisher-exact", "holm", 2)
    row = c["scenarios"][0]
    assert row["scenario"] == "s1" and row["p"] < row["p_adjusted"] < 0.05 and row["reason"].startswith("significant")
