"""The run history (SQLite), version labels, `dtu history`, and the trajectory store's index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from dtu.runner import cli, labels, results
from dtu.runner.checks import CheckResult
from dtu.runner.errors import DtuError
from dtu.runner.history import History, location
from dtu.runner.records import Manifest, Trajectory
from dtu.runner.results import RunDir
from dtu.runner.store_index import INDEX, Store
from dtu.twins.core import Call

ROOT = Path(__file__).resolve().parents[2]
SLACK = ROOT / "scenarios" / "slack"


def traj(sid: str, trial: int, ok: bool, calls: int = 2) -> Trajectory:
    return Trajectory(scenario=sid, agent="a", trial=trial, seed=trial, satisfied=ok, score=1.0 if ok else 0.0,
                      checks=[CheckResult("c", ok)],
                      calls=[Call("slack", "chat.postMessage", {"text": f"m{i}"}, 200, {"ok": True}, 100.0 + 5 * i)
                             for i in range(calls)],
                      digest="d", error=None if ok else "boom " * 100)


def new_run(path: Path) -> RunDir:
    rd = RunDir(path)
    rd.create(Manifest(run_id="r", dtu_version="0", created="2026-01-01T00:00:00", agents=["a"], seed=0, trials=1,
                       concurrency=1, timeout=1.0, arguments=[], scenario_set="x", scenarios=[]))
    return rd


def test_store_index_pages_frames_and_follows_resumes_and_rewrites(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results, "FRAME_LINES", 7)
    rd = new_run(tmp_path / "run")
    rd.open()
    for i in range(20):
        rd.append(traj(f"s{i % 3}", i, i % 4 != 0, calls=i % 5))
    rd.close()
    rd.compress()
    store = Store(rd.path)
    assert len(store.index.frames) == 3  # 20 lines in frames of 7
    assert [(e.scenario, e.trial) for e in store.entries] == [(t.scenario, t.trial) for t in rd.trajectories()]
    e = store.find("a", "s1", 4)
    assert e is not None and e.steps == 4 and e.world_s == 15.0 and e.satisfied is False
    assert e.error is not None and len(e.error) == 160  # the index keeps the start of an error
    assert store.read(e) == next(t for t in rd.trajectories() if t.trial == 4)
    assert (rd.path / INDEX).exists()

    # a resumed run: a .jsonl tail is read as it is; once compressed, only the new frames are scanned
    rd.open()
    rd.append(traj("s9", 99, True))
    rd.close()
    tail = Store(rd.path)
    e99 = tail.find("a", "s9", 99)
    assert e99 is not None and e99.frame == -1 and tail.read(e99).trial == 99
    rd.compress()
    size_before = Store(rd.path).index.size
    assert size_before == (rd.path / results.COMPRESSED).stat().st_size
    again = Store(rd.path)
    assert len(again.entries) == 21 and len(again.index.frames) == 4
    # a re-score rewrites the store: a new file, indexed from scratch
    rd.rewrite([msgspec.structs.replace(t, satisfied=True) for t in list(rd.trajectories())])
    rewritten = Store(rd.path)
    assert all(x.satisfied for x in rewritten.entries) and len(rewritten.entries) == 21


def test_store_index_in_a_folder_it_cannot_write(tmp_path: Path) -> None:
    rd = new_run(tmp_path / "run")
    rd.open()
    rd.append(traj("s", 0, True))
    rd.close()
    rd.compress()
    os.chmod(rd.path, 0o555)
    try:
        if os.access(rd.path, os.W_OK):
            pytest.skip("running as root: the folder stays writable")
        store = Store(rd.path)
        assert len(store.entries) == 1 and not (rd.path / INDEX).exists()
    finally:
        os.chmod(rd.path, 0o755)


def test_labels_given_found_by_git_or_by_content(tmp_path: Path) -> None:
    assert labels.parse(["v2"], ["a", "b"]) == {"a": "v2", "b": "v2"}
    assert labels.parse(["b=v3", "v2"], ["a", "b"]) == {"a": "v2", "b": "v3"}
    assert labels.parse(["x=1"], ["a"]) == {"a": "x=1"}  # not an agent's name: the whole label
    with pytest.raises(DtuError, match="empty"):
        labels.parse(["a="], ["a"])

    class Program:
        name = "p"

        def __init__(self, cmd: str) -> None:
            self.cmd = cmd

    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "agent.py").write_text("print('hi')\n")
    label = labels.found(Program(f"{sys.executable} {loose / 'agent.py'}"))
    assert label.startswith("sha256:") and len(label) == 7 + 12

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "agent.py").write_text("print('v1')\n")
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "agent.py"], check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], check=True)
    subprocess.run([*git, "tag", "v1.0"], check=True)
    agent = Program(f"python {repo / 'agent.py'} --fast")
    assert labels.found(agent) == "v1.0"
    (repo / "agent.py").write_text("print('v2')\n")
    assert labels.found(agent) == "v1.0-dirty"


def test_history_location() -> None:
    assert location(None, "out") == Path("out/history.sqlite")
    assert location("sqlite:////tmp/h.db") == Path("/tmp/h.db")
    assert location("sqlite:///rel.db") == Path("rel.db")
    with pytest.raises(DtuError, match="only SQLite"):
        location("postgresql://db/x")


def test_runs_are_recorded_and_dtu_history_prints_the_trend(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("DTU_HISTORY", raising=False)
    out = tmp_path / "runs"
    files = [str(SLACK / "launch-channel.yaml"), str(SLACK / "pin-decision.yaml")]
    assert cli.main(["run", *files, "--trials", "3", "--quiet", "--out", str(out), "--agent", "noisy",
                     "--label", "noisy-v1"]) == 0
    assert cli.main(["run", *files, "--trials", "3", "--quiet", "--out", str(out), "--agent", "noisy",
                     "--agent", "scripted", "--label", "noisy=noisy-v2"]) == 0
    h = History(out / "history.sqlite")
    entries = h.entries()
    assert [(e.agent, e.label) for e in entries] == [("noisy", "noisy-v1"), ("noisy", "noisy-v2"),
                                                     ("scripted", entries[2].label)]
    assert entries[2].label  # found: the checkout's git describe, or dtu's version
    assert entries[2].satisfaction == 1.0 and entries[2].scenarios == 2 and entries[2].trials == 6
    assert {t.tag for t in h.tags(["scripted"])} >= {"slack"}
    capsys.readouterr()
    assert cli.main(["history", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "noisy-v1" in text and "noisy-v2" in text and "scripted" in text and "by tag" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert cli.main(["history", "--out", str(out), "--agent", "nobody"]) == 2
    assert cli.main(["history", "--out", str(tmp_path / "empty")]) == 2
    assert "no runs recorded" in capsys.readouterr().err


def test_a_broken_history_costs_a_warning_not_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "history.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    code = cli.main(["run", str(SLACK / "launch-channel.yaml"), "--trials", "1", "--quiet",
                     "--out", str(tmp_path / "runs"), "--history", str(bad)])
    assert code == 0
    assert "the run is not in the history" in capsys.readouterr().err
    assert any((tmp_path / "runs").glob("*/summary.json"))


def test_dtu_view_refuses_what_it_cannot_open(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["view", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert cli.main(["view", str(tmp_path), "--port", "70000"]) == 2
    assert "--port 70000" in capsys.readouterr().err
