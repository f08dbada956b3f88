"""`dtu show`: a trajectory explained at 80 columns: intent, checks with query/expected/found,
calls with ISO 8601 world times, the agent's output tails and error, and labels; agent text is
printed inertly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dtu.runner import cli
from dtu.runner.checks import CheckResult
from dtu.runner.cmd_show import clean, when
from dtu.runner.records import Manifest, ScenarioDigest, Trajectory
from dtu.runner.results import RunDir
from dtu.twins.core import Call

SCENARIO = """id: launch
title: Launch channel
intent: "Create #atlas-launch and post the kickoff message there."
seed:
  slack: {}
checks:
  - id: channel-exists
    query: "slack.channels.* | [?name=='atlas-launch'] | length(@)"
    op: equals
    value: 1
  - id: kickoff
    description: the kickoff message was posted
    query: "slack.channels.* | [?name=='atlas-launch'] | [0].messages"
    op: exists
"""
T0 = 1705309201.0  # 2024-01-15T09:00:01Z


def make_run(root: Path, info: dict[str, object], text: str = SCENARIO) -> Path:
    path = root / "launch.yaml"
    path.write_text(text)
    rd = RunDir(root / "run")
    rd.create(Manifest(run_id="run-1", dtu_version="0", created="now", agents=["cmd"], seed=0, trials=1,
                       concurrency=1, timeout=1.0, arguments=[], scenario_set="x",
                       scenarios=[ScenarioDigest("launch", str(path), hashlib.sha256(SCENARIO.encode()).hexdigest())]))
    rd.open()
    calls = [Call("slack", "conversations.create", {"name": "atlas-launch"}, 200, {"ok": True}, T0),
             Call("slack", "chat.postMessage", {"channel": "C9", "text": "kickoff"}, 200,
                  {"ok": False, "error": "channel_not_found"}, T0 + 1.5)]
    rd.append(Trajectory(scenario="launch", agent="cmd", trial=0, seed=1, satisfied=False, score=0.5,
                         checks=[CheckResult("channel-exists", True), CheckResult("kickoff", False, "null")],
                         calls=calls, digest="d" * 32, error="agent exited with status 1", info=info))
    rd.close()
    rd.compress()
    return rd.path


def show(run: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert cli.main(["show", str(run), "--scenario", "launch", "--trial", "0", *extra]) == 0
    return capsys.readouterr().out


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def test_show_explains_a_trajectory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = show(make_run(tmp_path, {"stdout_tail": "creating channel\n", "stderr_tail": "Traceback: boom\n",
                                   "model_kind": "api", "sandbox": "bwrap", "exit_code": 1}), capsys)
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Create #atlas-launch and post the kickoff message there." in out
    flat = " ".join(out.split())
    assert "✓ pass channel-exists query slack.channels.* | [?name=='atlas-launch'] | length(@) expects equal to 1 " \
           "found as expected" in flat
    assert "✗ FAIL kickoff what the kickoff message was posted query " in flat
    assert "expects something (not null or empty) found null" in flat
    assert "0. slack conversations.create → 200 at 2024-01-15T09:00:01.000Z" in flat
    assert "1. slack chat.postMessage → 200 at 2024-01-15T09:00:02.500Z" in flat
    assert "e+09" not in out and '"error":"channel_not_found"' in out
    assert "Agent stdout\ncreating channel" in out and "Agent stderr\nTraceback: boom" in out
    assert "error     agent exited with status 1" in out and "exit_code 1" in out
    assert "model     api: a real model" in out and "sandbox   bwrap" in out


def test_show_labels_a_twin_model_and_no_sandbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = " ".join(show(make_run(tmp_path, {"model_kind": "scripted-twin", "sandbox": "off"}), capsys).split())
    assert "model scripted-twin: twin model: this satisfaction says nothing about a real model" in out
    assert "sandbox off: --no-sandbox: not a holdout" in out


def test_agent_output_cannot_drive_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = "\x1b[2J\x1b]0;pwned\x07[bold red]fake pass[/] \x08\n"
    out = show(make_run(tmp_path, {"stderr_tail": hostile, "stdout_tail": "[link=http://x]y[/link]"}), capsys)
    assert "\x1b" not in out and "\x07" not in out and "\x08" not in out
    assert "\\x1b[2J" in out and "[bold red]fake pass[/]" in out and "[link=http://x]y[/link]" in out
    assert clean("a\tb\nc\x00") == "a\tb\nc\\x00"


def test_long_tails_are_cut_to_their_last_lines_unless_full(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path, {"stdout_tail": "".join(f"line {i}\n" for i in range(50))})
    out = show(run, capsys)
    assert "Agent stdout (last 20 lines; --full for all 50)" in out and "line 49" in out and "line 29\n" not in out
    assert "line 0\n" in show(run, capsys, "--full")


def test_a_changed_or_missing_scenario_file_is_noted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path, {}, SCENARIO.replace("Create #atlas-launch", "Make #atlas-launch"))
    out = " ".join(show(run, capsys).split())
    assert "has changed since the run" in out and "Make #atlas-launch" in out
    (tmp_path / "launch.yaml").unlink()
    out = show(run, capsys)
    assert "(unknown: the scenario file could not be read)" in out and "found null" in " ".join(out.split())


def test_world_times_read_as_iso_8601() -> None:
    assert when(1705309201.25) == "2024-01-15T09:00:01.250Z"
    assert when(2.5) == "+2.500s"


def test_people_and_deliveries_are_named_and_not_counted_as_the_agents(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A person's call says whose it is, a delivery says dtu, the count is the agent's calls,
    and a check for another outcome says it did not apply."""
    run = make_run(tmp_path, {})
    rd = RunDir(run)
    (t,) = list(rd.trajectories())
    t.calls.append(Call("slack", "chat.postMessage", {"channel": "C9", "text": "Approved"}, 200, {"ok": True},
                        T0 + 60, None, "marcus@acme.test"))
    t.calls.append(Call("slack", "deliver:message", {"url": "http://127.0.0.1:1/e"}, 200, "", T0 + 60, None, "dtu"))
    t.checks.append(CheckResult("denied-branch", True, "not applicable"))
    (rd.path / "trajectories.jsonl.zst").unlink()
    rd.open()
    rd.append(t)
    rd.close()
    rd.compress()
    flat = " ".join(show(run, capsys).split())
    assert "2 calls (+2 by people and dtu)" in flat
    assert "2. slack chat.postMessage → 200 at 2024-01-15T09:01:01.000Z by marcus@acme.test" in flat
    assert "3. slack deliver:message → 200 at 2024-01-15T09:01:01.000Z by dtu" in flat
    assert "denied-branch found not applicable" in flat
