"""Runs that survive: SIGKILL then --resume loses and duplicates nothing; SIGINT writes a partial summary."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from dtu.runner.results import RunDir

ROOT = Path(__file__).resolve().parents[2]
SCEN = str(ROOT / "scenarios" / "slack" / "launch-channel.yaml")
TRIALS = 60


def start(out: Path) -> tuple[subprocess.Popen[bytes], Path]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dtu.runner", "run", SCEN, "--agent", "tests.runner.slow_agent:make:0.05",
         "--trials", str(TRIALS), "--concurrency", "2", "--out", str(out), "--quiet"],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        dirs = list(out.glob("*/")) if out.exists() else []
        if dirs and (dirs[0] / "trajectories.jsonl").exists() and (dirs[0] / "trajectories.jsonl").stat().st_size:
            lines = (dirs[0] / "trajectories.jsonl").read_bytes().count(b"\n")
            if lines >= 6:
                return proc, dirs[0]
        time.sleep(0.02)
    proc.kill()
    raise AssertionError("the run never wrote trajectories")


def test_sigkill_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    proc, run_dir = start(tmp_path / "runs")
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    before = [t.key for t in RunDir(run_dir).trajectories()]
    assert 0 < len(before) < TRIALS
    done = subprocess.run([sys.executable, "-m", "dtu.runner", "run", "--resume", str(run_dir), "--quiet"],
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    keys = [t.key for t in RunDir(run_dir).trajectories()]
    assert len(keys) == len(set(keys)) == TRIALS
    assert set(before) <= set(keys)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["complete"] is True
    assert summary["scenarios"][0]["trials"] == TRIALS


def test_sigint_stops_cleanly_with_a_partial_summary(tmp_path: Path) -> None:
    proc, run_dir = start(tmp_path / "runs")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["complete"] is False
    n = sum(s["trials"] for s in summary["scenarios"])
    assert 0 < n < TRIALS


# -- what resume, replay and rescore find through the manifest ----------------------------------

def dtu(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dtu.runner", *argv], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=300)


def cut(run_dir: Path, keep: int) -> None:
    """Leave only the first `keep` trajectories, as an interrupted run would."""
    rd = RunDir(run_dir)
    rd.rewrite(list(rd.trajectories())[:keep])


def strings(x: object) -> list[str]:
    if isinstance(x, str):
        return [x]
    if isinstance(x, dict):
        return [s for v in x.values() for s in strings(v)]
    if isinstance(x, list):
        return [s for v in x for s in strings(v)]
    return []


def test_resume_of_generated_scenarios(tmp_path: Path) -> None:
    scen = str(ROOT / "scenarios" / "cross" / "gen-oncall-rota.yaml")
    done = dtu("run", scen, "--trials", "6", "--out", str(tmp_path), "--quiet")
    assert done.returncode == 0, done.stderr
    (run_dir,) = tmp_path.glob("*/")
    cut(run_dir, 2)
    done = dtu("run", "--resume", str(run_dir), "--quiet")
    assert done.returncode == 0, done.stderr
    keys = [t.key for t in RunDir(run_dir).trajectories()]
    assert len(keys) == len(set(keys)) == 6


def test_manifest_holds_no_absolute_scenario_path(tmp_path: Path) -> None:
    launch = tmp_path / "project"
    (launch / "my-scenarios").mkdir(parents=True)
    shutil.copy(SCEN, launch / "my-scenarios" / "launch.yaml")
    other = str(ROOT / "scenarios" / "okta" / "activate-staged-support.yaml")
    done = dtu("run", str(launch / "my-scenarios"), other, "--trials", "4", "--out", "runs", "--quiet", cwd=launch)
    assert done.returncode == 0, done.stderr
    (run_dir,) = (launch / "runs").glob("*/")
    m = json.loads((run_dir / "manifest.json").read_text())
    assert not [s for s in strings(m) if os.path.isabs(s)]
    # scenario entries name their root, not where this machine keeps it
    assert not [s for s in strings(m["scenarios"]) if str(tmp_path) in s or str(ROOT) in s or ".." in s]
    assert {s["root"] for s in m["scenarios"]} == {"my-scenarios", "bundled"}
    cut(run_dir, 1)
    # resumed from elsewhere: the run folder leads back to the launch directory
    done = dtu("run", "--resume", str(run_dir), "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len({t.key for t in RunDir(run_dir).trajectories()}) == 8
    for argv in (["replay", str(run_dir), "--scenario", "slack-launch-channel", "--trial", "0"],
                 ["rescore", str(run_dir), "--checks", "--quiet"]):
        done = dtu(*argv, cwd=Path("/"))
        assert done.returncode == 0, (argv, done.stdout, done.stderr)


def test_old_manifests_with_absolute_paths_still_load(tmp_path: Path) -> None:
    done = dtu("run", SCEN, "--trials", "3", "--out", str(tmp_path), "--quiet")
    assert done.returncode == 0, done.stderr
    (run_dir,) = tmp_path.glob("*/")
    m = json.loads((run_dir / "manifest.json").read_text())
    for s in m["scenarios"]:  # as manifests were written before scenario roots
        s["path"] = SCEN
        del s["root"]
    del m["launch"]
    (run_dir / "manifest.json").write_text(json.dumps(m))
    assert RunDir(run_dir).manifest().scenarios[0].path == SCEN
    cut(run_dir, 1)
    done = dtu("run", "--resume", str(run_dir), "--quiet")
    assert done.returncode == 0, done.stderr
    done = dtu("replay", str(run_dir), "--scenario", "slack-launch-channel", "--trial", "2")
    assert done.returncode == 0, done.stderr
