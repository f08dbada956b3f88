"""`dtu run`: trials of agents on scenarios, recorded in a run folder."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from dtu.twins.core.faults import parse_plan

from . import __version__, judge
from .agents_loader import resolve
from .compare import within
from .distribute import execute_sharded
from .engine import RunOptions, prepare, run_all, run_async
from .errors import DtuError
from .records import Manifest, ScenarioDigest, Trajectory
from .replay import replay
from .report_files import write_reports
from .report_term import print_summary
from .results import RunDir, new_run_id
from .scenario import Loaded, load_all, set_digest
from .seal import read_lock, verify
from .stats import Summary, summarize


def register(sub: Any) -> None:
    p = sub.add_parser("run", help="run agents on scenarios and measure satisfaction")
    p.add_argument("paths", nargs="*", help="scenario files or folders (default: DTU_SCENARIOS or the bundled library)")
    p.add_argument("--scenarios", action="append", default=[], metavar="DIR", help="more scenario folders")
    p.add_argument("--agent", action="append", default=[], help="agent spec; repeat to compare (default: scripted)")
    p.add_argument("--trials", type=int, default=10, help="trials per scenario per agent (default 10)")
    p.add_argument("--concurrency", type=int, default=1000, help="trials in flight (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per trial (default 300)")
    p.add_argument("--max-steps", type=int, default=None, help="calls allowed per world")
    p.add_argument("--out", default="runs", help="results folder (default ./runs)")
    p.add_argument("--resume", metavar="RUN_DIR", help="finish an interrupted run")
    p.add_argument("--min-satisfaction", type=float, default=None, help="exit 1 below this overall satisfaction")
    p.add_argument("--lock", metavar="FILE", default=None,
                   help="refuse to run unless the scenario set matches this `dtu seal` lock file")
    p.add_argument("--faults", metavar="FILE", default=None,
                   help="a fault plan (YAML/JSON) applied to every scenario, after its own `faults:`")
    p.add_argument("--workers", type=int, default=1, help="split trials across N local processes")
    p.add_argument("--ray", metavar="ADDRESS", default=None,
                   help="run shards as Ray tasks: `auto`, `local`, or a cluster address (pip install \"dtu[ray]\")")
    p.add_argument("--quiet", action="store_true", help="no table, no progress")
    judge.add_arguments(p)
    p.set_defaults(func=main)


def load_faults(path: str) -> Any:
    """A `--faults` file's data, validated; errors name the file."""
    from . import yamlsrc

    try:
        data = yamlsrc.load(Path(path).read_text())
        parse_plan(data)
    except OSError as e:
        raise DtuError(f"--faults {path}: cannot read: {e.strerror}") from None
    except Exception as e:
        raise DtuError(f"--faults {path}: {e}") from None
    return data


def load_scenarios(args: argparse.Namespace) -> list[Loaded]:
    paths = list(args.paths) + list(args.scenarios)
    return load_all(paths or None)


def main(args: argparse.Namespace) -> int:
    argv = sys.argv[1:]
    if args.resume:
        rd = RunDir(args.resume)
        if not (rd.path / "manifest.json").exists():
            raise DtuError(f"--resume {args.resume}: no manifest.json there")
        m = rd.manifest()
        loaded = load_all([s.path for s in m.scenarios])
        changed = {s.id for s in m.scenarios} ^ {ld.id for ld in loaded}
        digests = {s.id: s.sha256 for s in m.scenarios}
        changed |= {ld.id for ld in loaded if digests.get(ld.id) != ld.digest}
        if changed:
            raise DtuError(f"--resume: scenarios changed since the run began: {', '.join(sorted(changed))}")
        agents = [resolve(a) for a in m.agents]
        opts = RunOptions(trials=m.trials, concurrency=m.concurrency, seed=m.seed, timeout=m.timeout,
                          out_dir=str(rd.path), faults=parse_plan(m.faults) if m.faults is not None else None)
        run_id = m.run_id
    else:
        loaded = load_scenarios(args)
        if not loaded:
            raise DtuError("no scenarios found")
        lock = read_lock(args.lock) if args.lock else None
        if lock is not None:
            verify(lock, loaded, args.lock)
        agents = [resolve(a) for a in (args.agent or ["scripted"])]
        names = [a.name for a in agents]
        if len(set(names)) != len(names):
            raise DtuError(f"two agents share a name: {names}; give each its own (e.g. plugin:factory:name)")
        run_id = new_run_id(args.seed)
        rd = RunDir(Path(args.out) / run_id)
        faults_data = load_faults(args.faults) if args.faults else None
        opts = RunOptions(trials=args.trials, concurrency=args.concurrency, seed=args.seed,
                          timeout=args.timeout, max_steps=args.max_steps, out_dir=str(rd.path),
                          faults=parse_plan(faults_data) if faults_data is not None else None)
        rd.create(Manifest(
            run_id=run_id, dtu_version=__version__, created=dt.datetime.now(dt.UTC).isoformat(),
            agents=list(args.agent or ["scripted"]), seed=args.seed, trials=args.trials,
            concurrency=args.concurrency, timeout=args.timeout, arguments=argv, workers=args.workers,
            faults=faults_data, lock=lock.set if lock is not None else None,
            scenario_set=set_digest(loaded),
            scenarios=[ScenarioDigest(ld.id, os.path.abspath(ld.path), ld.digest) for ld in loaded],
        ))
    judged = [ld.id for ld in loaded if ld.scenario.judge is not None]
    llm = judge.from_arguments(args, rd.path) if getattr(args, "judge", False) and judged else None
    if judged and llm is None and not args.quiet:
        print(f"dtu: {len(judged)} scenarios carry a judge rubric; they are scored by their checks alone "
              "(pass --judge to use an LLM judge)", file=sys.stderr)
    specs = list(m.agents) if args.resume else list(args.agent or ["scripted"])
    workers = (m.workers if args.resume else args.workers) or 1
    if workers > 1 or args.ray:
        interrupted = execute_sharded(rd, loaded, agents, specs, opts, workers, args.ray, args.quiet)
        if llm is not None:  # shards record checks only; judge their trajectories here, in one process
            from .cmd_rescore import rescore
            from .replay import RunWorlds

            rd.rewrite(run_async(rescore(list(rd.trajectories()), RunWorlds(rd.manifest()), llm, False)))
        summary = summarize(rd.manifest().run_id, rd.trajectories(), {ld.id: ld.scenario.tags for ld in loaded},
                            complete=not interrupted)
        rd.write_summary(summary)
    else:
        summary, interrupted = execute(rd, loaded, agents, opts, quiet=args.quiet, llm=llm)
    threshold = args.min_satisfaction if args.min_satisfaction is not None else 1.0
    rd.compress()
    write_reports(rd, summary, threshold)
    if not args.quiet:
        print_summary(summary, comparisons=within(summary, agents[0].name))
        Console().print(f"results: {rd.path}")
    if interrupted:
        return 130
    if args.min_satisfaction is not None:
        worst = min((a.satisfaction for a in summary.agents), default=0.0)
        if worst < args.min_satisfaction:
            print(f"dtu: satisfaction {worst:.3f} is below --min-satisfaction {args.min_satisfaction}",
                  file=sys.stderr)
            return 1
    return 0


def execute(rd: RunDir, loaded: list[Loaded], agents: list[Any], opts: RunOptions,
            quiet: bool = False, llm: judge.LLMJudge | None = None) -> tuple[Summary, bool]:
    """Run what is left of a run folder's trials; write the summary (partial if interrupted)."""
    rd.repair()
    done = {t.key for t in rd.trajectories()}
    prepared = prepare(loaded, opts.seed)
    total = len(agents) * len(prepared) * opts.trials
    rd.open()
    finished = [len(done)]

    def sink(t: Trajectory) -> None:
        rd.append(t)
        finished[0] += 1

    async def trials() -> None:
        if llm is None:
            await run_all(agents, prepared, opts, sink, skip=done)
            return
        by_id = {p.scenario.id: p for p in prepared}
        judging = judge.JudgingSink(llm, {p.scenario.id: p.scenario for p in prepared},
                                    lambda t: replay(by_id[t.scenario], t, opts.max_steps).view(), sink)
        try:
            await run_all(agents, prepared, opts, judging, skip=done)
            await judging.drain()
        finally:
            await llm.aclose()

    interrupted = False
    try:
        run_async(_with_progress(trials(), finished, total, quiet))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        rd.close()
        rd.compress()
    tags = {ld.id: ld.scenario.tags for ld in loaded}
    summary = summarize(rd.manifest().run_id, rd.trajectories(), tags, complete=not interrupted)
    rd.write_summary(summary)
    return summary, interrupted


async def _with_progress(main: Any, finished: list[int], total: int, quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return await main
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), transient=True, console=Console(stderr=True)) as progress:
        bar = progress.add_task("trials", total=total)
        task = asyncio.ensure_future(main)
        while not task.done():
            progress.update(bar, completed=finished[0])
            await asyncio.wait([task], timeout=0.2)
        return task.result()
