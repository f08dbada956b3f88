"""Admission by the event loop's lag (`RunOptions.max_lag`, `dtu run --max-lag`): trials that want
more CPU than the loop has run fewer at once than `--concurrency`, and every one still runs; trials
that leave the loop idle are not held back; a stop while trials wait for a slot loses nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from dtu.runner import cli
from dtu.runner.engine import Prepared, RunOptions, run_all, run_async
from dtu.runner.interrupt import Stop
from dtu.runner.scenario import BUNDLED, load_file
from dtu.twins.registry import TWINS

from .busy_agent import Counting

SCENARIO = BUNDLED / "slack" / "launch-channel.yaml"


def run(agent: Counting, trials: int, concurrency: int, max_lag: float,
        stop: Stop | None = None, after: int = 0) -> tuple[list[Any], dict[str, Any]]:
    out: list[Any] = []
    admitted: dict[str, Any] = {}
    p = Prepared(load_file(SCENARIO), 0, TWINS)
    opts = RunOptions(trials=trials, concurrency=concurrency, seed=3, timeout=60, max_lag=max_lag)

    def sink(t: Any) -> None:
        out.append(t)
        if stop is not None and len(out) == after:
            stop.request()

    async def main() -> None:
        await run_all([agent], [p], opts, sink, stop=stop, admitted=admitted)
        assert asyncio.all_tasks() == {asyncio.current_task()}  # no worker or probe left behind

    run_async(main())
    return out, admitted


def test_trials_that_saturate_the_loop_run_fewer_at_once_and_all_finish() -> None:
    # 300 trials each holding the loop 2 ms every 50 ms: ~25 at once fill the loop
    hungry = Counting(burn=0.002, pause=0.05)
    out, admitted = run(hungry, 300, 300, max_lag=0.05)
    assert len(out) == 300 and all(t.satisfied for t in out)
    assert admitted["cuts"] >= 1
    assert hungry.most <= admitted["peak_in_flight"] < 150  # a slot is held from world creation to checks

    unbounded = Counting(burn=0.002, pause=0.05)
    out, admitted = run(unbounded, 300, 300, max_lag=0)
    assert len(out) == 300 and admitted == {}
    assert unbounded.most == 300


def test_trials_that_leave_the_loop_idle_are_not_held_back() -> None:
    idle = Counting(burn=0.0, pause=0.1, turns=3)
    out, admitted = run(idle, 600, 300, max_lag=0.05)
    assert len(out) == 600 and all(t.satisfied for t in out)
    assert admitted["cuts"] == 0
    assert admitted["peak_in_flight"] >= idle.most > 150  # grown from 64 towards --concurrency


def test_a_stop_while_trials_wait_for_a_slot_ends_the_run_cleanly() -> None:
    hungry = Counting(burn=0.002, pause=0.05)
    stop = Stop()
    out, admitted = run(hungry, 300, 300, max_lag=0.05, stop=stop, after=20)
    assert 20 <= len(out) < 300  # the running trials were cancelled; the waiting ones never started
    assert hungry.running == 0 and admitted["peak_in_flight"] < 300


def test_dtu_run_says_when_the_loop_was_saturated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def run_cli(*more: str) -> tuple[str, dict[str, Any]]:
        out = tmp_path / "runs"
        before = set(out.glob("*/")) if out.exists() else set()
        assert cli.main(["run", str(SCENARIO), "--out", str(out), "--agent", "tests.runner.busy_agent:make:0.002",
                         "--trials", "300", "--concurrency", "300", *more]) == 0
        (run_dir,) = set(out.glob("*/")) - before
        return capsys.readouterr().err, json.loads((run_dir / "manifest.json").read_text())

    err, manifest = run_cli()
    assert "the event loop was saturated: at most" in err and "of --concurrency 300 trials ran at once" in err
    assert manifest["max_lag"] == 0.05
    err, manifest = run_cli("--max-lag", "0")
    assert "saturated" not in err and manifest["max_lag"] == 0
