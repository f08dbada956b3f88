"""The red team: a hostile program agent, two trials at once, hunting for the scenario's hidden
text (checks, reference plan, judge rubric) and for a way into the other trial's world or the
admin API. It must find its canaries (so the search works) and nothing else."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from dtu.agents.command import CommandAgent
from dtu.runner.engine import RunOptions, prepare, run_all
from dtu.runner.records import Trajectory
from dtu.runner.results import RunDir
from dtu.runner.scenario import load_file

from .conftest import ROOT, hostile_command, judge, plant

pytestmark = pytest.mark.usefixtures("no_anthropic_env")


@pytest.fixture
def no_anthropic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(k, raising=False)


def attack(scenario: Path, command: str, launch: Path, hidden: tuple[str, ...], out: Path) -> list[Trajectory]:
    got: list[Trajectory] = []
    opts = RunOptions(trials=2, concurrency=2, timeout=110, out_dir=str(out), launch_dir=str(launch), hidden=hidden)
    asyncio.run(run_all([CommandAgent(command)], prepare([load_file(scenario)], 0), opts, got.append))
    return sorted(got, key=lambda t: t.trial)


def test_scenario_inside_the_launch_directory_stays_hidden(tmp_path: Path) -> None:
    launch = tmp_path / "project"
    launch.mkdir()
    p = plant(launch / "scenarios", launch)
    out = launch / "runs" / "r1"
    out.mkdir(parents=True)
    trajs = attack(launch / "scenarios" / "redteam.yaml", hostile_command(p, "agent/hostile.py"), launch,
                   (str(launch / "scenarios"), str(out)), out)
    judge(p, trajs)


def test_scenario_outside_the_launch_directory_stays_hidden(tmp_path: Path) -> None:
    p = plant(tmp_path / "elsewhere", None)
    trajs = attack(tmp_path / "elsewhere" / "redteam.yaml", hostile_command(p, "tests/security/hostile.py"),
                   ROOT, (str(tmp_path / "elsewhere"),), tmp_path / "runs" / "r1")
    judge(p, trajs)


def test_dtu_run_from_a_folder_holding_the_scenarios(tmp_path: Path) -> None:
    """End to end through the CLI: `dtu run scenarios/...` started in the folder that holds them
    (and its runs); the program walks that folder, /tmp and /run."""
    launch = tmp_path / "project"
    launch.mkdir()
    p = plant(launch / "scenarios", launch)
    agent = "command:" + hostile_command(p, "agent/hostile.py", roots=f"{launch}:/tmp:/run")
    r = subprocess.run([sys.executable, "-m", "dtu.runner", "run", "scenarios/redteam.yaml", "--agent", agent,
                        "--trials", "2", "--concurrency", "2", "--timeout", "110", "--out", "runs", "--quiet"],
                       cwd=launch, capture_output=True, text=True, timeout=115)
    assert r.returncode in (0, 1), r.stderr[-3000:]
    [run] = [d for d in (launch / "runs").iterdir() if d.is_dir()]
    trajs = sorted(RunDir(run).trajectories(), key=lambda t: t.trial)
    judge(p, trajs)
