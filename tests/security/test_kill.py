"""Killing `dtu run` in the middle of a program-agent run leaves nothing of that run alive: not the
program, not its `setsid` grandchild, not bwrap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dtu.runner.scenario import BUNDLED

SLEEPER = """\
import subprocess, sys, time
subprocess.Popen(['setsid', sys.executable, '-c', 'import time; time.sleep(120)', sys.argv[1] + '-grandchild'])
time.sleep(120)
"""


def with_argv(marker: str) -> list[int]:
    """Live processes (not zombies) whose command line holds `marker`."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() not in f.read():
                    continue
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        pids.append(int(pid))
    return pids


def wait_for(check: object, within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def start(tmp_path: Path, marker: str, *extra: str) -> subprocess.Popen[bytes]:
    (tmp_path / "sleeper.py").write_text(SLEEPER)
    agent = f"command:jobs=2 -- {sys.executable} sleeper.py {marker}"
    with (tmp_path / "dtu.log").open("wb") as err:
        return subprocess.Popen([sys.executable, "-m", "dtu.runner", "run",
                                 str(BUNDLED / "slack" / "launch-channel.yaml"), "--agent", agent, "--trials", "2",
                                 "--concurrency", "2", "--timeout", "100", "--out", "runs", "--quiet", *extra],
                                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["TERM", "KILL"])
def test_killing_dtu_run_kills_every_process_of_the_run(tmp_path: Path, sig: signal.Signals) -> None:
    marker = f"dtu-kill-test-{os.getpid()}-{time.time_ns()}"
    log = tmp_path / "dtu.log"
    dtu = start(tmp_path, marker)
    try:
        # both trials' programs and their grandchildren are up (their bwraps carry the marker too)
        up = wait_for(lambda: sum("grandchild" in _cmdline(p) for p in with_argv(marker)) >= 2, 60)
        assert up, (dtu.poll(), log.read_text()[-2000:])
        assert len(with_argv(marker)) >= 6
        dtu.send_signal(sig)
        dtu.wait(timeout=30)
        assert wait_for(lambda: with_argv(marker) == [], 5), "processes of the killed run are still alive 5 s later"
    finally:
        if dtu.poll() is None:
            dtu.kill()
            dtu.wait()
        for pid in with_argv(marker):
            os.kill(pid, signal.SIGKILL)  # only ours: they carry this test's marker


def test_without_the_sandbox_the_program_still_dies_with_dtu(tmp_path: Path) -> None:
    """--no-sandbox: the program (exec'd by the shell) has PR_SET_PDEATHSIG. Its `setsid`
    grandchildren escape: no pid namespace holds them (the sandbox's reason to be)."""
    marker = f"dtu-kill-nosandbox-{os.getpid()}-{time.time_ns()}"
    dtu = start(tmp_path, marker, "--no-sandbox")
    try:
        up = wait_for(lambda: sum("grandchild" in _cmdline(p) for p in with_argv(marker)) >= 2, 60)
        assert up, (dtu.poll(), (tmp_path / "dtu.log").read_text()[-2000:])
        dtu.send_signal(signal.SIGKILL)
        dtu.wait(timeout=30)
        assert wait_for(lambda: all("grandchild" in _cmdline(p) for p in with_argv(marker)), 5)
    finally:
        if dtu.poll() is None:
            dtu.kill()
            dtu.wait()
        for pid in with_argv(marker):
            os.kill(pid, signal.SIGKILL)  # only ours: they carry this test's marker


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""
