"""Trajectories and replay: compressed storage, `dtu show`, and `dtu replay` (match and mismatch)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import msgspec
import pytest

from dtu.runner import cli
from dtu.runner.engine import Prepared
from dtu.runner.records import Trajectory
from dtu.runner.results import COMPRESSED, TRAJECTORIES, RunDir
from dtu.runner.scenario import load_file
from dtu.twins.registry import TWINS

from .test_stats import traj

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "slack" / "launch-channel.yaml"


def test_run_dir_reads_compressed_frames_then_plain_lines(tmp_path: Path) -> None:
    rd = RunDir(tmp_path)
    rd.open()
    first = [traj("s", i, i % 2 == 0) for i in range(50)]
    for t in first:
        rd.append(t)
    rd.close()
    rd.compress()
    assert not (tmp_path / TRAJECTORIES).exists() and (tmp_path / COMPRESSED).exists()
    rd.open()  # a resumed run appends plain lines again
    second = [traj("s", i, True) for i in range(50, 60)]
    for t in second:
        rd.append(t)
    rd.close()
    with open(tmp_path / TRAJECTORIES, "ab") as f:
        f.write(b'{"scenario":"s","agent":"a","tri')  # a writer killed mid-line
    assert list(rd.trajectories()) == first + second
    rd.repair()
    rd.compress()  # a second frame
    assert list(rd.trajectories()) == first + second
    assert not (tmp_path / TRAJECTORIES).exists()
    rd.rewrite([msgspec.structs.replace(t, satisfied=True) for t in first])
    assert [t.satisfied for t in rd.trajectories()] == [True] * 50


def test_a_trial_stored_twice_is_read_once(tmp_path: Path) -> None:
    """A compress cut short after writing its frame leaves the .jsonl behind: no double count."""
    rd = RunDir(tmp_path)
    rd.open()
    rd.append(traj("s", 0, True))
    rd.close()
    data = (tmp_path / TRAJECTORIES).read_bytes()
    rd.compress()
    (tmp_path / TRAJECTORIES).write_bytes(data)
    assert len(list(rd.trajectories())) == 1


def run(tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "runs"
    assert cli.main(["run", str(BUNDLED), "--out", str(out), "--trials", "4", "--quiet", *extra]) in (0, 1)
    (path,) = out.glob("*/")
    return path


def test_replay_matches_a_recorded_trajectory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = run(tmp_path)
    capsys.readouterr()
    assert cli.main(["replay", str(path), "--scenario", "slack-launch-channel", "--trial", "2"]) == 0
    assert "replay matches" in capsys.readouterr().out
    assert cli.main(["replay", str(path), "--scenario", "slack-launch-channel", "--trial", "9"]) == 2


def legacy_digest(world: Any) -> str:
    """The digest as runs recorded it before the `x3:` digests: blake2b-128 of names and snapshots."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(set(world.image.seeded) | set(world.touched())):
        h.update(name.encode())
        h.update(world.twins[name].snapshot(world.ctx(name).state))
    return h.hexdigest()


def test_a_run_recorded_with_the_older_digests_still_replays(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = run(tmp_path)
    rd = RunDir(path)
    ts = list(rd.trajectories())
    assert all(t.digest.startswith("x3:") and len(t.digest) == 35 for t in ts)
    t = ts[2]
    world = replayed(t)
    assert world.digest() == t.digest
    old = legacy_digest(world)
    assert world.digest(like=old) == old
    rd.rewrite([msgspec.structs.replace(x, digest=legacy_digest_of(x)) for x in ts])
    capsys.readouterr()
    assert cli.main(["replay", str(path), "--scenario", "slack-launch-channel", "--trial", str(t.trial)]) == 0
    assert "replay matches" in capsys.readouterr().out
    rd.rewrite([msgspec.structs.replace(x, digest="0" * 32) for x in ts])  # an older digest that is wrong
    assert cli.main(["replay", str(path), "--scenario", "slack-launch-channel", "--trial", str(t.trial)]) == 1


def replayed(t: Trajectory) -> Any:
    world = Prepared(load_file(BUNDLED), 0, TWINS).world(t.seed)
    for c in t.calls:
        world.dispatch(c.twin, c.op, c.args)
    return world


def legacy_digest_of(t: Trajectory) -> str:
    return legacy_digest(replayed(t))


def test_replay_of_a_tampered_record_says_where_it_diverged(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = run(tmp_path)
    rd = RunDir(path)
    ts = list(rd.trajectories())
    t = ts[1]
    calls = list(t.calls)
    i = next(k for k, c in enumerate(calls) if c.op == "chat.postMessage")
    calls[i] = msgspec.structs.replace(calls[i], args={**calls[i].args, "text": "something else"})
    ts[1] = msgspec.structs.replace(t, calls=calls)
    rd.rewrite(ts)
    capsys.readouterr()
    assert cli.main(["replay", str(path), "--scenario", "slack-launch-channel", "--trial", str(t.trial)]) == 1
    err = capsys.readouterr().err
    assert "does not match" in err and f"call {i} (slack chat.postMessage)" in err


class FailSecondCall:
    """A fault plan: the second call is rate limited and the clock jumps 30 s."""

    def before(self, env: Any, twin: Any, op: Any, index: int) -> Any:
        if index == 1:
            env.now += 30
            return twin.errors.rate_limited(30.0)
        return None


def test_replay_reproduces_injected_faults_and_the_clock() -> None:
    from dtu.agents.scripted import ScriptedAgent
    from dtu.runner.engine import RunOptions, prepare, run_trial
    from dtu.runner.replay import first_difference, replay
    from dtu.runner.scenario import load_file

    (p,) = prepare([load_file(BUNDLED)], 5)
    t: Trajectory = asyncio.run(run_trial(ScriptedAgent(), p, 0, RunOptions(seed=5), FailSecondCall()))
    assert t.calls[1].status == 429 and t.calls[1].fault is not None
    t = msgspec.json.decode(msgspec.json.encode(t), type=Trajectory)  # as read back from the run folder
    world = replay(p, t)
    assert world.digest() == t.digest
    assert first_difference(t.calls, world.calls) is None
    assert [c.t for c in world.calls] == [c.t for c in t.calls]
    clean = replay(p, msgspec.structs.replace(t, calls=[msgspec.structs.replace(c, fault=None) for c in t.calls]))
    assert clean.digest() != t.digest  # without the fault the invite goes through


def test_show_prints_one_trajectory_or_lists_many(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = run(tmp_path)
    capsys.readouterr()
    assert cli.main(["show", str(path), "--scenario", "slack-launch-channel", "--trial", "1"]) == 0
    out = capsys.readouterr().out
    assert "scripted/slack-launch-channel/1" in out and "conversations.create" in out and "atlas-launch" in out
    assert "channel-exists" in out  # the checks table
    assert cli.main(["show", str(path)]) == 0
    assert "4 trajectories" in capsys.readouterr().out
    assert cli.main(["show", str(path), "--agent", "nobody"]) == 2


def test_rescore_with_checks_reproduces_the_recorded_verdicts(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = run(tmp_path)
    before = [(t.key, t.satisfied, t.checks) for t in RunDir(path).trajectories()]
    assert cli.main(["rescore", str(path), "--checks", "--quiet"]) == 0
    assert "rescored 4 trajectories; 0 judged" in capsys.readouterr().out
    after = [(t.key, t.satisfied, t.checks) for t in RunDir(path).trajectories()]
    assert sorted(after) == sorted(before)


def test_rewrite_can_stream_from_the_run_itself(tmp_path: Path) -> None:
    rd = RunDir(tmp_path)
    rd.open()
    for i in range(30):
        rd.append(traj("s", i, False))
    rd.close()
    rd.compress()
    rd.rewrite(msgspec.structs.replace(t, satisfied=True) for t in rd.trajectories())
    assert [(t.trial, t.satisfied) for t in rd.trajectories()] == [(i, True) for i in range(30)]
    assert not (tmp_path / (COMPRESSED + ".tmp")).exists()
