"""Ctrl-C and SIGTERM stop a run: partial summary, the resume command, exit 130; resume finishes
the run without duplicates; no worker or agent process is left behind. Real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from dtu.runner.results import RunDir

ROOT = Path(__file__).resolve().parents[2]
SCEN = str(ROOT / "scenarios" / "slack" / "launch-channel.yaml")
AGENTS = "tests.runner.gate_agents"


def env(tag: str = "") -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), DTU_TEST_TAG=tag)


def start(out: Path, *argv: str, trials: int, lines: int = 6, tag: str = "") -> tuple[subprocess.Popen[bytes], Path]:
    """A `dtu run` in a subprocess, once it has recorded `lines` trajectories."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dtu.runner", "run", SCEN, "--trials", str(trials), "--out", str(out), "--quiet",
         *argv], cwd=ROOT, env=env(tag), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for d in out.glob("*/") if out.exists() else []:
            f = d / "trajectories.jsonl"
            if f.exists() and f.read_bytes().count(b"\n") >= lines:
                return proc, d
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    raise AssertionError(f"the run never wrote trajectories: {proc.communicate()[1].decode()[-2000:]}")


def processes_with(needle: bytes, where: str = "environ") -> list[int]:
    """Live processes whose environment (or command line) holds `needle`."""
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit() or int(p.name) == os.getpid():
            continue
        try:
            data = (p / where).read_bytes()
            state = (p / "stat").read_text().split(") ")[-1][:1]
        except OSError:
            continue
        if needle in data and state != "Z":
            out.append(int(p.name))
    return out


def stopped(proc: subprocess.Popen[bytes], run_dir: Path, trials: int) -> str:
    """Assert the interrupted run's outcome: 130, a partial summary, the resume command printed."""
    _, err = proc.communicate(timeout=60)
    text = err.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["complete"] is False
    n = sum(s["trials"] for s in summary["scenarios"])
    assert 0 < n < trials
    assert "dtu run --resume " in text
    command = text.split("`dtu run --resume ")[1].split("`")[0]
    assert Path(ROOT, command).resolve() == run_dir.resolve()
    return command


def resume(where: str, trials: int, run_dir: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "dtu.runner", "run", "--resume", where, "--quiet"], cwd=ROOT,
                          env=env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    keys = [t.key for t in RunDir(run_dir).trajectories()]
    assert len(keys) == len(set(keys)) == trials
    assert json.loads((run_dir / "summary.json").read_text())["complete"] is True


def test_ctrl_c_stops_agents_that_never_suspend(tmp_path: Path) -> None:
    # 2000 trials of 10 ms each: before, the run went on to finish every one of them
    trials = 2000
    proc, run_dir = start(tmp_path / "runs", "--agent", f"{AGENTS}:spin:0.01", "--concurrency", "4", trials=trials)
    proc.send_signal(signal.SIGINT)
    where = stopped(proc, run_dir, trials)
    resume(where, trials, run_dir)


def test_sigterm_stops_like_ctrl_c(tmp_path: Path) -> None:
    trials = 60
    proc, run_dir = start(tmp_path / "runs", "--agent", "tests.runner.slow_agent:make:0.05", "--concurrency", "2",
                          trials=trials)
    proc.send_signal(signal.SIGTERM)
    stopped(proc, run_dir, trials)


def test_second_ctrl_c_exits_at_once(tmp_path: Path) -> None:
    # trials 4 and up sleep through their cancellation: the first Ctrl-C alone cannot end the run
    proc, run_dir = start(tmp_path / "runs", "--agent", f"{AGENTS}:stubborn", "--concurrency", "2", trials=40,
                          lines=4)
    proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        proc.send_signal(signal.SIGINT)  # until the second one lands after the first was handled
        time.sleep(0.2)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()
    assert b"interrupted again" in err and b"dtu run --resume" in err
    assert len([t.key for t in RunDir(run_dir).trajectories()]) >= 4


def test_workers_stop_and_leave_no_process(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex
    trials = 2000
    proc, run_dir = start(tmp_path / "runs", "--agent", f"{AGENTS}:spin:0.01", "--concurrency", "4", "--workers", "2",
                          trials=trials, tag=tag)
    assert len(processes_with(tag.encode())) >= 3  # the parent and its two workers
    proc.send_signal(signal.SIGINT)
    where = stopped(proc, run_dir, trials)
    assert processes_with(tag.encode()) == []
    resume(where, trials, run_dir)


def test_program_agents_are_killed(tmp_path: Path) -> None:
    marker = f"{31 + uuid.uuid4().int % 1000 / 1000:.3f}"  # a sleep no other process runs
    trials = 12
    proc, run_dir = start(tmp_path / "runs", "--agent", f"{AGENTS}:half", "--agent", f"command:sleep {marker}",
                          "--concurrency", "4", trials=trials, lines=trials)
    deadline = time.monotonic() + 30
    while not processes_with(marker.encode(), "cmdline") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_with(marker.encode(), "cmdline"), "the command agent never started"
    proc.send_signal(signal.SIGINT)
    stopped(proc, run_dir, 2 * trials)
    deadline = time.monotonic() + 10
    while processes_with(marker.encode(), "cmdline") and time.monotonic() < deadline:
        time.sleep(0.05)  # SIGKILLed processes take a moment to be reaped
    assert processes_with(marker.encode(), "cmdline") == []


@pytest.mark.slow
def test_ray_tasks_are_cancelled(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason='Ray is an optional extra: pip install "dtu[ray]"')
    trials = 400
    out = tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dtu.runner", "run", SCEN, "--trials", str(trials), "--out", str(out), "--quiet",
         "--agent", f"{AGENTS}:spin:0.05", "--concurrency", "2", "--ray", "local"], cwd=ROOT,
        env=dict(env(), RAY_NUM_CPUS="2"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        runs = list(out.glob("*/")) if out.exists() else []
        if runs and RunDir(runs[0]).path.joinpath("trajectories.jsonl").exists() and \
                RunDir(runs[0]).path.joinpath("trajectories.jsonl").stat().st_size:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    (run_dir,) = list(out.glob("*/"))
    where = stopped(proc, run_dir, trials)
    resume(where, trials, run_dir)
