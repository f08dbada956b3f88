"""Scaling across processes: the same trials in one worker process and in two, in one run; then
the parent's merge rate against synthetic workers (bench/synthetic.py) that write pre-made lines
as fast as they can, 2 to 16 of them."""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import msgspec

from dtu.agents.scripted import ScriptedAgent
from dtu.runner.engine import Prepared, RunOptions, run_all, run_async
from dtu.runner.parallel import run_workers
from dtu.runner.progress import Tracker
from dtu.runner.records import ENCODER, Trajectory
from dtu.runner.scenario import Loaded
from dtu.runner.shard import Shard, split
from dtu.twins.registry import TWINS

SYNTHETIC = (sys.executable, "-m", "bench.synthetic")


def cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def rate(loaded: Sequence[Loaded], trials: int, workers: int) -> tuple[float, float]:
    """Trajectories per second of wall time, and per second of the workers' CPU (start-up included):
    what one worker would send with a core of its own, however busy this machine is."""
    deal = split(["scripted"], [ld.id for ld in loaded], trials, workers)
    shards = [Shard(scenarios=[ld.path for ld in loaded], agents=["scripted"], trials=part, seed=1,
                    timeout=60, concurrency=1000) for part in deal]
    count = 0

    def sink(lines: bytes) -> None:
        nonlocal count
        count += lines.count(b"\n")

    c0, t0 = cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    run_async(run_workers(shards, ["scripted"], sink))
    return count / (time.perf_counter() - t0), count / (cpu(resource.RUSAGE_CHILDREN) - c0)


def templates(loaded: Sequence[Loaded]) -> dict[str, tuple[bytes, bytes]]:
    """One real trajectory line per scenario (trial 0, scripted agent), cut around its trial number."""
    out: dict[str, tuple[bytes, bytes]] = {}

    def sink(t: Trajectory) -> None:
        # scenario and agent come before trial in the encoding, so the first match is the field
        head, tail = ENCODER.encode(t).split(b'"trial":0,', 1)
        out[t.scenario] = (head + b'"trial":', b"," + tail + b"\n")

    run_async(run_all([ScriptedAgent()], [Prepared(ld, 0, TWINS) for ld in loaded],
                      RunOptions(trials=1, concurrency=1000, seed=1, timeout=60), sink))
    return out


def merge(tmp: Path, sids: Sequence[str], trials: int, workers: int) -> tuple[int, int, float, float]:
    """One `--workers` parent against `workers` synthetic workers, writing to a file as `dtu run`
    does (RunDir.append_raw: write, flush) and counting progress as `dtu run` does.
    Returns (lines, bytes, wall seconds, the parent's CPU seconds)."""
    shards = [Shard(scenarios=[], agents=["scripted"], trials=part, seed=1, timeout=60, concurrency=1)
              for part in split(["scripted"], sids, trials, workers)]
    tracker = Tracker(total=len(sids) * trials)
    with open(tmp / "trajectories.jsonl", "wb") as out:
        def append(block: bytes) -> None:
            out.write(block)
            out.flush()

        cpu0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        run_async(run_workers(shards, ["scripted"], append, progress=tracker.count,
                              command=(*SYNTHETIC, str(tmp / "templates.msgpack"))))
        wall, cpu1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
        size = out.tell()
    (tmp / "trajectories.jsonl").unlink()
    if tracker.done != len(sids) * trials or tracker.satisfied != tracker.done:
        raise RuntimeError(f"bench: merged {tracker.done} lines ({tracker.satisfied} satisfied), "
                           f"expected {len(sids) * trials}")
    return tracker.done, size, wall, (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)


def bench_merge(loaded: Sequence[Loaded], per_worker: float, lines: int = 200_000,
                counts: Sequence[int] = (2, 4, 8, 16)) -> None:
    """The parent's merge rate and CPU per line, next to what 16 real workers would send it. The
    CPU of starting the workers (a run of one line per scenario) is measured apart and taken off."""
    tpl = templates(loaded)
    sids = sorted(tpl)
    trials = max(1, lines // len(sids))
    with tempfile.TemporaryDirectory(prefix="dtu-bench-merge-") as d:
        tmp = Path(d)
        (tmp / "templates.msgpack").write_bytes(msgspec.msgpack.encode(tpl))
        mean = sum(len(h) + len(t) + 2 for h, t in tpl.values()) / len(tpl)
        demand = 16 * per_worker
        print(f"\nparent merge: {len(sids) * trials:,} pre-made lines (mean {mean / 1000:.1f} KB) per run; "
              f"16 real workers send {demand:,.0f} lines/s (16 x this run's worker per CPU second)")
        print(f"{'synthetic workers':<18}{'lines/s':>10}{'MB/s':>8}{'parent CPU':>12}{'start ms':>10}{'µs/line':>9}"
              f"{'parent capacity/s':>19}{'x 16 workers':>14}")
        for n in counts:
            small = min((merge(tmp, sids, 1, n) for _ in range(2)), key=lambda r: r[3])
            got, size, wall, cpu = min((merge(tmp, sids, trials, n) for _ in range(2)), key=lambda r: r[3])
            per_line = (cpu - small[3]) / (got - small[0])
            print(f"{n:<18}{got / wall:>10,.0f}{size / wall / 1e6:>8,.0f}{cpu / wall:>11.0%}{small[3] * 1e3:>10.0f}"
                  f"{per_line * 1e6:>9.2f}{1 / per_line:>19,.0f}{1 / per_line / demand:>13.1f}x", flush=True)


def bench_workers(families: dict[str, list[Loaded]], trials: int = 800) -> None:
    loaded = [ld for lds in families.values() for ld in lds]
    total = trials * len(loaded)
    one, per_cpu = max(rate(loaded, trials, 1) for _ in range(2))
    two, _ = max(rate(loaded, trials, 2) for _ in range(2))
    print(f"\n{'workers (whole library)':<30}{'trajectories':>13}{'1 worker/s':>12}{'2 workers/s':>13}{'speed-up':>10}"
          f"{'1 worker/CPU s':>16}")
    print(f"{'':<30}{total:>13,}{one:>12,.0f}{two:>13,.0f}{two / one:>9.2f}x{per_cpu:>16,.0f}")
    bench_merge(loaded, per_cpu)
