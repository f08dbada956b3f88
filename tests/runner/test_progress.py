"""The progress line moves while trials run: in process (agents that never suspend) and with
--workers (through a pty); it is off when stderr is not a terminal."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from dtu.agents.scripted import ScriptedAgent
from dtu.runner import progress
from dtu.runner.cmd_run import execute
from dtu.runner.engine import RunOptions
from dtu.runner.progress import Tracker
from dtu.runner.records import Manifest
from dtu.runner.results import RunDir
from dtu.runner.scenario import load_file

ROOT = Path(__file__).resolve().parents[2]
SCEN = ROOT / "scenarios" / "slack" / "launch-channel.yaml"
FRAME = re.compile(r"trials (\d+)/(\d+)  satisfied (\d+)  errored (\d+)  [\d,.]+/s  ETA")


def counts(text: str) -> list[tuple[int, int, int, int]]:
    return [(int(a), int(b), int(c), int(d)) for a, b, c, d in FRAME.findall(text)]


def test_in_process_progress_moves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "INTERVAL", 0.0)  # redraw on every trial
    rd = RunDir(tmp_path / "run")
    rd.create(Manifest(run_id="r", dtu_version="0", created="", agents=["scripted"], seed=0, trials=50,
                       concurrency=8, timeout=30, arguments=[], scenario_set="", scenarios=[]))
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    summary = execute(rd, [load_file(SCEN)], [ScriptedAgent()], RunOptions(trials=50, concurrency=8),
                      console=console)
    assert summary.agents[0].trials == 50
    seen = counts(screen.getvalue())
    assert any(0 < done < 50 for done, *_ in seen), "the line never showed a run under way"
    assert all(total == 50 for _, total, *_ in seen)
    assert all(sat == done for done, _, sat, _ in seen)  # the scripted agent satisfies every trial


def test_counts_errored_and_eta() -> None:
    t = Tracker(10, done=2, satisfied=1, errored=1)
    t.count(3, 2, 1)
    assert counts(t.line()) == [(5, 10, 3, 2)]
    screen = io.StringIO()
    Console(file=screen, force_terminal=True, width=120).print(t)
    assert "trials 5/10" in screen.getvalue()


def test_off_when_not_a_terminal_or_quiet() -> None:
    for console, quiet in ((Console(file=io.StringIO()), False),
                           (Console(file=io.StringIO(), force_terminal=True), True)):
        t = Tracker(3)
        with t.shown(console, quiet):
            t.count(3, 3, 0)
        assert isinstance(console.file, io.StringIO) and console.file.getvalue() == ""


def test_workers_show_progress_on_a_terminal(tmp_path: Path) -> None:
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dtu.runner", "run", str(SCEN), "--trials", "300", "--workers", "2",
         "--agent", "tests.runner.gate_agents:spin:0.005", "--concurrency", "4", "--out", str(tmp_path / "runs")],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="120"), stdout=subprocess.DEVNULL,
        stderr=child)
    os.close(child)
    out = b""
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main, 1 << 16)
        except OSError:  # the child side closed
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.wait(timeout=60) == 0
    seen = counts(out.decode(errors="replace"))
    assert seen, out.decode(errors="replace")[-2000:]
    assert max(done for done, *_ in seen) > 0
    assert all(total == 300 for _, total, *_ in seen)
