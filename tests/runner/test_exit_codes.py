"""`dtu run` as a CI gate: 0 passed, 1 regressed, 2 could not judge, 130 interrupted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dtu.runner import cli, gate
from dtu.runner.stats import AgentStats, Summary

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = str(ROOT / "scenarios" / "slack" / "launch-channel.yaml")
PIN = str(ROOT / "scenarios" / "slack" / "pin-decision.yaml")
AGENTS = "tests.runner.gate_agents"


def dtu(*argv: str) -> int:
    try:
        return cli.main(list(argv))
    except SystemExit as e:  # argparse
        return int(e.code or 0)


def run(tmp: Path, *argv: str) -> tuple[int, Path]:
    out = tmp / "runs"
    before = set(out.glob("*/")) if out.exists() else set()
    code = dtu("run", "--out", str(out), "--quiet", *argv)
    new = sorted(set(out.glob("*/")) - before) if out.exists() else []
    return code, new[0] if new else out


def test_every_trial_errored_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(tmp_path, LAUNCH, "--trials", "4", "--agent", f"{AGENTS}:broken")
    assert code == 2
    err = capsys.readouterr().err
    assert "every trial errored (4 of 4)" in err
    assert "quota exceeded" in err  # the most common error is named


def test_a_second_agent_that_regresses_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(tmp_path, LAUNCH, "--trials", "24", "--agent", "scripted", "--agent", f"{AGENTS}:half")
    assert code == 1
    assert "half regressed against scripted" in capsys.readouterr().err
    # the same run with the regressing agent as the baseline: the other agent improved, exit 0
    code, _ = run(tmp_path, LAUNCH, "--trials", "24", "--agent", "scripted", "--agent", f"{AGENTS}:half",
                  "--baseline", "half")
    assert code == 0


def test_agents_that_agree_pass(tmp_path: Path) -> None:
    code, _ = run(tmp_path, LAUNCH, "--trials", "6", "--agent", "scripted", "--agent", "noisy:skip=0,corrupt=0,repeat=0")
    assert code == 0


def test_baseline_run_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, base = run(tmp_path, LAUNCH, "--trials", "24", "--agent", "scripted")
    assert code == 0
    code, _ = run(tmp_path, LAUNCH, "--trials", "24", "--agent", f"{AGENTS}:half", "--baseline", str(base))
    assert code == 1
    err = capsys.readouterr().err
    assert f"{base.name}:scripted" in err
    # no scenario in common with the baseline run: nothing to judge
    code, _ = run(tmp_path, PIN, "--trials", "2", "--baseline", str(base))
    assert code == 2
    assert "no scenario in common" in capsys.readouterr().err


def test_runs_latest_names_the_newest_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latest = str(tmp_path / "runs" / "latest")
    assert dtu("show", latest) == 2
    assert "no run under" in capsys.readouterr().err
    code, first = run(tmp_path, LAUNCH, "--trials", "24", "--agent", "scripted")
    assert code == 0
    os.utime(first / "manifest.json", (1, 1))  # older, whatever the clock's resolution
    # the baseline is the newest run before this one, not the run being made
    code, second = run(tmp_path, LAUNCH, "--trials", "24", "--agent", f"{AGENTS}:half", "--baseline", latest)
    assert code == 1
    assert f"{first.name}:scripted" in capsys.readouterr().err
    assert json.loads((second / "manifest.json").read_text())["baseline"] == str(first)
    assert dtu("show", latest) == 0
    assert "half/slack-launch-channel/0" in capsys.readouterr().out


def test_unknown_baseline_fails_before_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(tmp_path, LAUNCH, "--trials", "2", "--baseline", "nobody")
    assert code == 2
    assert "not an agent of this run" in capsys.readouterr().err
    assert not out.exists() or not list(out.glob("*/"))
    code, _ = run(tmp_path, LAUNCH, "--trials", "2", "--baseline", str(tmp_path / "runs" / "missing"))
    assert code == 2


def test_max_errored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # every 3rd trial crashes: 4 of 12 errored (33%) is above the default 0.1
    code, _ = run(tmp_path, LAUNCH, "--trials", "12", "--agent", f"{AGENTS}:flaky:3")
    assert code == 2
    err = capsys.readouterr().err
    assert "4 of 12 trials errored" in err and "--max-errored 0.1" in err
    assert "most common error (4x): agent crashed: RuntimeError: quota exceeded" in err
    code, _ = run(tmp_path, LAUNCH, "--trials", "12", "--agent", f"{AGENTS}:flaky:3", "--max-errored", "0.5")
    assert code == 0


def test_min_satisfaction(tmp_path: Path) -> None:
    code, _ = run(tmp_path, LAUNCH, "--trials", "4", "--agent", f"{AGENTS}:half", "--min-satisfaction", "0.9")
    assert code == 1
    code, _ = run(tmp_path, LAUNCH, "--trials", "4", "--agent", f"{AGENTS}:half", "--min-satisfaction", "0.5")
    assert code == 0


def test_could_not_judge_wins_over_regressed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(tmp_path, LAUNCH, "--trials", "12", "--agent", "scripted", "--agent", f"{AGENTS}:broken")
    assert code == 2
    err = capsys.readouterr().err
    assert "12 of 24 trials errored" in err and "broken regressed against scripted" in err


def test_verdict_precedence() -> None:
    a = AgentStats(agent="x", scenarios=1, trials=10, satisfied=0, errored=10, satisfaction=0.0, ci_low=0, ci_high=1)
    s = Summary(run_id="r", complete=False, agents=[a], scenarios=[])
    assert gate.verdict(s, [], interrupted=True, min_satisfaction=0.5).code == 130
    v = gate.verdict(s, [], min_satisfaction=0.5)
    assert v.code == 2 and len(v.reasons) == 2
    a.errored = 0
    assert gate.verdict(s, [], min_satisfaction=0.5).code == 1
    assert gate.verdict(s, []).code == 0


@pytest.mark.parametrize("argv", [
    ["--trials", "0"], ["--trials", "-5"], ["--concurrency", "0"], ["--concurrency", "-1"], ["--workers", "0"],
    ["--timeout", "0"], ["--timeout", "-1"], ["--timeout", "nan"], ["--max-steps", "0"],
    ["--min-satisfaction", "1.5"], ["--min-satisfaction", "-0.1"], ["--max-errored", "2"], ["--trials", "x"],
])
def test_bad_numbers_are_usage_errors(tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(tmp_path, LAUNCH, *argv)
    assert code == 2
    err = capsys.readouterr().err
    assert f"argument {argv[0]}" in err and "Traceback" not in err
    assert not out.exists()


def test_ray_auto_without_a_cluster_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ray", reason='Ray is an optional extra: pip install "dtu[ray]"')
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path / "ray"))  # no cluster's files are found here
    code, out = run(tmp_path, LAUNCH, "--trials", "2", "--ray", "auto")
    assert code == 2
    err = capsys.readouterr().err
    assert "--ray auto: no running Ray cluster was found" in err
    assert "ray start --head" in err and "--ray local" in err
    assert "`--address` flag" not in err.split("(")[0]
    assert not out.exists()


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["run", "--help"], ["--help"]):
        assert dtu(*argv) == 0
        out = capsys.readouterr().out
        for line in ("130  interrupted", "2    could not judge", "1    regressed", "0    passed"):
            assert line in out


def test_gate_settings_are_kept_for_resume(tmp_path: Path) -> None:
    code, rd = run(tmp_path, LAUNCH, "--trials", "4", "--agent", f"{AGENTS}:half", "--min-satisfaction", "0.9",
                   "--max-errored", "0.2")
    assert code == 1
    m = json.loads((rd / "manifest.json").read_text())
    assert m["min_satisfaction"] == 0.9 and m["max_errored"] == 0.2
    assert dtu("run", "--resume", os.fspath(rd), "--quiet") == 1
