"""Runs that survive: SIGKILL then --resume loses and duplicates nothing; SIGINT writes a partial summary."""

from __future__ import annotations

import json
import os
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
        dirs = list(out.iterdir()) if out.exists() else []
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
