"""The command agent: a real slack_sdk program, one that hangs, one that crashes."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import pytest

from dtu.agents.command import CommandAgent, split
from dtu.runner.errors import DtuError

from .conftest import launch, run

ROOT = Path(__file__).resolve().parents[2]
PY = shlex.quote(sys.executable)

pytestmark = pytest.mark.usefixtures("no_anthropic_env")


def test_example_slack_agent_satisfies_the_launch_scenario() -> None:
    agent = CommandAgent(f"jobs=2 -- {PY} {shlex.quote(str(ROOT / 'examples' / 'slack_agent.py'))}")
    trajs = run([agent], [launch()], trials=3)
    for t in trajs:
        assert t.satisfied, (t.error, t.info)
        assert t.info["exit_code"] == 0 and "created #atlas-launch" in t.info["stdout_tail"]
        assert {c.twin for c in t.calls} == {"slack"}  # through the HTTP door, into the trial's world
    assert agent.hub is None  # closed at the end of the run


def test_hang_is_killed_at_the_timeout_and_the_run_goes_on(tmp_path: Path) -> None:
    marker = tmp_path / "child-alive"
    child = tmp_path / "child.py"
    child.write_text(f"import time\ntime.sleep(3)\nopen({str(marker)!r}, 'w').close()\n")
    hang = tmp_path / "hang.py"
    hang.write_text(
        "import os, subprocess, sys, time\n"
        "print('started', flush=True)\n"
        "if os.environ['DTU_TRIAL'] == '0':\n"
        f"    subprocess.Popen([sys.executable, {str(child)!r}])\n"
        "    time.sleep(60)\n"
    )
    agent = CommandAgent(f"{PY} {hang}")
    t0 = time.monotonic()
    trajs = run([agent], [launch()], trials=2, timeout=1.5)
    assert time.monotonic() - t0 < 20
    hung, quick = trajs
    assert hung.error is not None and hung.error.startswith("timeout")
    assert hung.info["killed"] is True and "started" in hung.info["stdout_tail"]
    assert quick.error is None and quick.info["exit_code"] == 0  # the run went on
    time.sleep(3.5)
    assert not marker.exists(), "the program's child survived: the process group was not killed"


def test_crash_is_an_errored_trial_with_exit_code_and_stderr(tmp_path: Path) -> None:
    crash = tmp_path / "crash.py"
    crash.write_text("import sys\nprint('x' * 10000)\nsys.exit('boom: cannot reach the moon')\n")
    [t] = run([CommandAgent(f"tail=100 -- {PY} {crash}")], [launch()])
    assert not t.satisfied
    assert t.error is not None and "exit code 1" in t.error and "boom" in t.error
    assert t.info["exit_code"] == 1 and "boom: cannot reach the moon" in t.info["stderr_tail"]
    assert t.info["stdout_tail"] == "x" * 99 + "\n"  # the last `tail` bytes only


def test_spec_syntax() -> None:
    assert split("python a.py --x") == ("", "python a.py --x")
    assert split("jobs=8,name=v2 -- ./agent --fast") == ("jobs=8,name=v2", "./agent --fast")
    assert split("python a.py -- b") == ("", "python a.py -- b")
    a = CommandAgent("jobs=8,name=v2,llm=real -- ./agent")
    assert (a.jobs, a.name, a.cmd, a.scripted_model) == (8, "v2", "./agent", False)
    with pytest.raises(DtuError):
        CommandAgent("")
    with pytest.raises(DtuError):
        CommandAgent("llm=maybe -- ./agent")
