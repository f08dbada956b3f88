"""--workers N and --ray: sharded runs merge into the single-process run's summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCEN = str(ROOT / "scenarios" / "slack")


def run(tmp: Path, *extra: str, env: dict[str, str] | None = None) -> Path:
    out = tmp / "runs"
    before = set(out.glob("*/")) if out.exists() else set()
    subprocess.run([sys.executable, "-m", "dtu.runner", "run", SCEN, "--out", str(out), "--trials", "6",
                    "--seed", "11", "--quiet", *extra], check=True, cwd=ROOT,
                   env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})), timeout=300)
    (new,) = set(out.glob("*/")) - before
    return new


def summary(run_dir: Path) -> dict[str, Any]:
    s = json.loads((run_dir / "summary.json").read_text())
    s.pop("run_id")
    return dict(s)


def trajectories(run_dir: Path) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from dtu.runner.results import RunDir

    return [json.loads(json.dumps(__import__("msgspec").to_builtins(t))) for t in RunDir(run_dir).trajectories()]


def test_two_workers_equal_one_process(tmp_path: Path) -> None:
    single = run(tmp_path)
    sharded = run(tmp_path, "--workers", "2")
    assert summary(single) == summary(sharded)
    a = sorted((t["scenario"], t["trial"], t["digest"]) for t in trajectories(single))
    b = sorted((t["scenario"], t["trial"], t["digest"]) for t in trajectories(sharded))
    assert a == b and len(a) > 0


def test_dead_worker_loses_only_its_in_flight_trials(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    run_dir = run(tmp_path, "--workers", "2", "--agent", "tests.runner.crashy_agent:make",
                  env={"DTU_TEST_MARKER": str(marker)})
    assert marker.exists(), "the agent never killed its worker"
    ts = trajectories(run_dir)
    keys = [(t["scenario"], t["trial"]) for t in ts]
    assert len(keys) == len(set(keys)), "a trial was recorded twice"
    n_scen = len(summary(run_dir)["scenarios"])
    assert len(keys) == n_scen * 6, "a trial was lost"
    assert all(t.get("error") is None for t in ts)
    assert any(t.get("attempt", 1) == 2 for t in ts), "retried trials are recorded as attempt 2"


def test_ray_equals_one_process(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason='Ray is an optional extra: pip install "dtu[ray]"')
    single = run(tmp_path)
    on_ray = run(tmp_path, "--ray", "local", env={"RAY_NUM_CPUS": "2"})
    assert summary(single) == summary(on_ray)


def test_frames_carry_lines_and_tally_and_drop_a_torn_frame() -> None:
    from dtu.runner.records import ENCODER, Trajectory
    from dtu.runner.shard import Framer, frames, tally

    def traj(k: int, ok: bool, error: str | None = None) -> Trajectory:
        return Trajectory(scenario="s", agent="a", trial=k, seed=k, satisfied=ok, score=float(ok), checks=[],
                          calls=[], digest="d", error=error)

    framer = Framer()
    framer.add(3, traj(3, True))
    framer.add(0, traj(0, False, "boom"))
    first = framer.take()
    framer.add(1, traj(1, True))
    second = framer.take()
    data = first + second + second[:-5]  # a worker killed mid-write
    heads, lines, cut = frames(data)
    assert lines == b"".join(ENCODER.encode(traj(*a)) + b"\n" for a in [(3, True), (0, False, "boom"), (1, True)])
    assert [h.trials for h in heads] == [[3, 0], [1]] and tally(heads) == (3, 2, 1)
    assert data[cut:] == second[:-5]


def test_a_ray_worker_fetches_and_prepares_each_run_once() -> None:
    from dtu.runner.ray_backend import _RUN, _run_of
    from dtu.runner.records import ENCODER
    from dtu.runner.shard import Shard

    path = sorted(Path(SCEN).glob("*.yaml"))[0]
    fetched: list[str] = []

    class Ref:  # stands in for a Ray object ref
        def __init__(self, name: str, seed: int) -> None:
            self.name = name
            self.data = ENCODER.encode(Shard(scenarios=[str(path)], agents=["scripted"], trials=[], seed=seed,
                                             timeout=5, concurrency=2, texts=[path.read_text()]))

        def hex(self) -> str:
            return self.name

    class Ray:
        @staticmethod
        def get(ref: Ref) -> bytes:
            fetched.append(ref.name)
            return ref.data

    one = Ref("one", 1)
    first = _run_of(Ray, one)
    assert _run_of(Ray, one) is first and fetched == ["one"]  # another shard of the same run
    other = _run_of(Ray, Ref("two", 2))  # another run: fetched and prepared anew, the last one dropped
    assert other[1] is not first[1] and other[0].seed == 2 and list(_RUN) == ["two"]
