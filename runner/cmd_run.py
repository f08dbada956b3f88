"""`dtu run`: trials of agents on scenarios, recorded in a run folder; its exit code is a CI gate."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import inspect
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from dtu.twins.core.faults import parse_plan

from . import __version__, gate, history, judge, labels, persona, store_index
from .admit import MAX_LAG
from .agents_loader import resolve
from .distribute import execute_sharded
from .engine import RunOptions, prepare, run_all, run_async
from .errors import DtuError
from .interrupt import Stop, handle_signals, say
from .progress import Tracker
from .records import Manifest, Trajectory
from .replay import max_steps_of, replay
from .report_files import LATEST, open_run, write_reports
from .report_term import print_summary
from .results import RunDir, new_run_id, scenario_digests
from .scenario import BUNDLED, Loaded, default_paths, load_all, set_digest
from .seal import read_lock, verify
from .stats import Summary, summarize


def _number(kind: Callable[[str], Any], low: float, high: float = math.inf, low_open: bool = False,
            what: str = "") -> Callable[[str], Any]:
    """An argparse type: a number in [low, high] (or (low, high] when `low_open`)."""

    def parse(text: str) -> Any:
        try:
            x = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if math.isnan(x) or x > high or x < low or (low_open and x == low):
            raise argparse.ArgumentTypeError(f"{text}: give {what}")
        return x

    return parse


POSITIVE_INT = _number(int, 1, what="a whole number of at least 1")
SECONDS = _number(float, 0, 24 * 3600 * 365, low_open=True, what="a number of seconds above 0")
FRACTION = _number(float, 0, 1, what="a fraction between 0 and 1, e.g. 0.9")
LAG = _number(float, 0, 60, what="a number of seconds from 0 (off) to 60")


def register(sub: Any) -> None:
    p = sub.add_parser("run", help="run agents on scenarios and measure satisfaction",
                       description="Run agents on scenarios and measure satisfaction. The exit code is a CI gate.",
                       epilog=gate.EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", help="scenario files or folders (default: DTU_SCENARIOS or the bundled library)")
    p.add_argument("--scenarios", action="append", default=[], metavar="DIR", help="more scenario folders")
    p.add_argument("--agent", action="append", default=[], help="agent spec; repeat to compare (default: scripted)")
    p.add_argument("--trials", type=POSITIVE_INT, default=10, help="trials per scenario per agent (default 10)")
    p.add_argument("--concurrency", type=POSITIVE_INT, default=1000, help="trials in flight (default 1000)")
    p.add_argument("--max-lag", type=LAG, default=None, metavar="SECONDS",
                   help=f"start trials as the event loop keeps up: fewer than --concurrency in flight while "
                        f"its lag passes this (default {MAX_LAG:g}; 0: all at once)")
    p.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    p.add_argument("--timeout", type=SECONDS, default=300.0, help="seconds per trial (default 300)")
    p.add_argument("--max-steps", type=POSITIVE_INT, default=None, help="calls allowed per world")
    p.add_argument("--out", default="runs", help="results folder (default ./runs)")
    p.add_argument("--resume", metavar="RUN_DIR", help="finish an interrupted run")
    p.add_argument("--baseline", metavar="AGENT|RUN_DIR", default=None,
                   help="compare against this agent of the run, or an earlier run folder (runs/<id>); exit 1 on "
                        "a significant regression (default with several agents: the first --agent)")
    p.add_argument("--min-satisfaction", type=FRACTION, default=None, help="exit 1 below this satisfaction (any agent)")
    p.add_argument("--max-errored", type=FRACTION, default=None, metavar="FRACTION",
                   help=f"exit 2 when more than this fraction of trials errored (default {gate.MAX_ERRORED:g})")
    p.add_argument("--lock", metavar="FILE", default=None,
                   help="refuse to run unless the scenario set matches this `dtu seal` lock file")
    p.add_argument("--faults", metavar="FILE", default=None,
                   help="a fault plan (YAML/JSON) applied to every scenario, after its own `faults:`")
    p.add_argument("--workers", type=POSITIVE_INT, default=1, help="split trials across N local processes")
    p.add_argument("--ray", metavar="ADDRESS", default=None,
                   help="run shards as Ray tasks: `auto` (a running cluster), `local`, or a cluster address "
                        "(pip install \"dtu[ray]\")")
    p.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                   help="run program agents without the bubblewrap sandbox (they can then read scenarios and "
                        "results: only for agents you trust); recorded in the manifest")
    p.add_argument("--agent-mount", action="append", default=[], metavar="PATH",
                   help="a path program agents may read (read-only) inside the sandbox; repeatable")
    p.add_argument("--label", action="append", default=[], metavar="[AGENT=]LABEL",
                   help="the agent's version label for the run history (default: `git describe` of the agent's "
                        "program, else its sha256); AGENT=LABEL labels one agent of several; repeatable")
    history.add_argument(p)
    p.add_argument("--quiet", action="store_true", help="no table, no progress")
    p.add_argument("--wide", action="store_true", help="show every row of the report")
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


def scenario_roots(args: argparse.Namespace) -> list[str]:
    """The files and folders scenarios are loaded from (the default ones when none are given)."""
    return list(args.paths) + list(args.scenarios) or default_paths()


def load_scenarios(args: argparse.Namespace) -> list[Loaded]:
    return load_all(scenario_roots(args))


def mounts_of(paths: Sequence[str]) -> tuple[str, ...]:
    out = []
    for m in paths:
        if not os.path.exists(m):
            raise DtuError(f"--agent-mount {m}: no such file or folder")
        out.append(os.path.abspath(m))
    return tuple(out)


class Plan:
    """What `main` runs: the run folder, its scenarios, agents and options, and its gate."""

    def __init__(self, rd: RunDir, loaded: list[Loaded], agents: list[Any], specs: list[str], opts: RunOptions,
                 workers: int, baseline: str | None, max_errored: float, min_satisfaction: float | None) -> None:
        self.rd, self.loaded, self.agents, self.specs, self.opts = rd, loaded, agents, specs, opts
        self.workers, self.baseline = workers, baseline
        self.max_errored, self.min_satisfaction = max_errored, min_satisfaction


def _hidden(roots: Sequence[str], rd: RunDir, out: str) -> tuple[str, ...]:
    """What program agents must not see: the scenario roots (and the bundled library, always),
    the run folder and the --out folder."""
    return tuple(dict.fromkeys([*(os.path.abspath(r) for r in roots), str(BUNDLED), os.path.abspath(rd.path),
                                os.path.abspath(out)]))


def resumed(args: argparse.Namespace) -> Plan:
    rd = open_run(args.resume)
    m = rd.manifest()
    loaded = load_all([s.path for s in m.scenarios])
    changed = {s.id for s in m.scenarios} ^ {ld.id for ld in loaded}
    digests = {s.id: s.sha256 for s in m.scenarios}
    changed |= {ld.id for ld in loaded if digests.get(ld.id) != ld.digest}
    if changed:
        raise DtuError(f"--resume: scenarios changed since the run began: {', '.join(sorted(changed))}")
    agents = [resolve(a) for a in m.agents]
    roots = sorted({str(Path(s.path).parent) for s in m.scenarios})
    launch = os.getcwd()
    opts = RunOptions(trials=m.trials, concurrency=m.concurrency, seed=m.seed, timeout=m.timeout,
                      max_steps=max_steps_of(m), out_dir=str(rd.path),
                      max_lag=_first(args.max_lag, m.max_lag, MAX_LAG),
                      faults=parse_plan(m.faults) if m.faults is not None else None,
                      sandbox=m.sandbox and args.sandbox, mounts=tuple(m.mounts) + mounts_of(args.agent_mount),
                      launch_dir=launch, hidden=_hidden(roots, rd, str(rd.path.parent)))
    return Plan(rd, loaded, agents, list(m.agents), opts, m.workers or 1,
                args.baseline if args.baseline is not None else m.baseline,
                _first(args.max_errored, m.max_errored, gate.MAX_ERRORED),
                args.min_satisfaction if args.min_satisfaction is not None else m.min_satisfaction)


def _first(*xs: float | None) -> float:
    return next(x for x in xs if x is not None)


def started(args: argparse.Namespace) -> Plan:
    roots = scenario_roots(args)
    loaded = load_all(roots)
    if not loaded:
        raise DtuError("no scenarios found")
    lock = read_lock(args.lock) if args.lock else None
    if lock is not None:
        verify(lock, loaded, args.lock)
    specs = list(args.agent or ["scripted"])
    agents = [resolve(a) for a in specs]
    names = [a.name for a in agents]
    if len(set(names)) != len(names):
        raise DtuError(f"two agents share a name: {names}; give each its own (e.g. plugin:factory:name)")
    if args.baseline is not None:
        if args.baseline not in names and Path(args.baseline).name == LATEST:
            # runs/latest means the newest run before this one, which is about to become the newest
            args.baseline = str(open_run(args.baseline).path)
        gate.parse_baseline(args.baseline, names)  # fail before running anything
    faults_data = load_faults(args.faults) if args.faults else None
    mounts = mounts_of(args.agent_mount)
    if args.ray:
        from .ray_backend import init

        init(args.ray)  # a missing cluster is reported before the run folder exists
    run_id = new_run_id(args.seed, args.out)
    rd = RunDir(Path(args.out) / run_id)
    launch = os.getcwd()
    max_lag = _first(args.max_lag, MAX_LAG)
    opts = RunOptions(trials=args.trials, concurrency=args.concurrency, seed=args.seed,
                      timeout=args.timeout, max_steps=args.max_steps, out_dir=str(rd.path), max_lag=max_lag,
                      faults=parse_plan(faults_data) if faults_data is not None else None,
                      sandbox=args.sandbox, mounts=mounts, launch_dir=launch, hidden=_hidden(roots, rd, args.out))
    max_errored = _first(args.max_errored, gate.MAX_ERRORED)
    rd.create(Manifest(
        run_id=run_id, dtu_version=__version__, created=dt.datetime.now(dt.UTC).isoformat(),
        agents=specs, seed=args.seed, trials=args.trials,
        concurrency=args.concurrency, max_lag=max_lag, timeout=args.timeout,
        arguments=relative_arguments(sys.argv[1:], launch),
        workers=args.workers,
        faults=faults_data, lock=lock.set if lock is not None else None,
        scenario_set=set_digest(loaded), scenarios=scenario_digests(loaded, roots, launch),
        launch=os.path.relpath(launch, os.path.abspath(rd.path)), sandbox=args.sandbox, mounts=list(mounts),
        baseline=args.baseline, max_errored=args.max_errored, min_satisfaction=args.min_satisfaction,
        labels=labels.labels(args.label, agents),
    ))
    return Plan(rd, loaded, agents, specs, opts, args.workers, args.baseline, max_errored, args.min_satisfaction)


def relative_arguments(argv: Sequence[str], launch: str) -> list[str]:
    """The command line as recorded: absolute paths made relative to the launch directory."""
    return [os.path.relpath(a, launch) if os.path.isabs(a) and os.path.exists(a) else a for a in argv]


def resume_hint(rd: RunDir) -> str:
    """The command that finishes a run, with the run folder as the user would type it."""
    rel = os.path.relpath(rd.path)
    where = rel if not rel.startswith("..") else str(rd.path.resolve())
    return f"dtu run --resume {where}"


def main(args: argparse.Namespace) -> int:
    plan = resumed(args) if args.resume else started(args)
    rd, loaded, agents = plan.rd, plan.loaded, plan.agents
    names = [a.name for a in agents]
    baseline = (gate.parse_baseline(plan.baseline, names) if plan.baseline is not None
                else gate.default_baseline(names))
    judged = [ld.id for ld in loaded if ld.scenario.judge is not None]
    llm = judge.from_arguments(args, rd.path) if getattr(args, "judge", False) and judged else None
    if judged and llm is None and not args.quiet:
        print(f"dtu: {len(judged)} scenarios carry a judge rubric; they are scored by their checks alone "
              "(pass --judge to use an LLM judge)", file=sys.stderr)
    stop = Stop()
    hint = resume_hint(rd)

    def first(signum: int) -> None:
        say(f"dtu: stopping ({'SIGTERM' if signum != 2 else 'Ctrl-C'}): no new trials, cancelling the running ones; "
            "press Ctrl-C again to exit at once")

    def second() -> None:
        say(f"dtu: interrupted again: exiting now; finish the run with `{hint}`")

    with handle_signals(stop, first, second):
        if plan.workers > 1 or args.ray:
            summary = sharded(plan, args, llm, stop)
        else:
            summary = execute(rd, loaded, agents, plan.opts, quiet=args.quiet, llm=llm, stop=stop)
    interrupted = stop.requested
    threshold = plan.min_satisfaction if plan.min_satisfaction is not None else 1.0
    rd.compress()
    store_index.write(rd.path)
    write_reports(rd, summary, threshold)
    history.record_run(args.history, rd, summary)
    comparisons = gate.comparisons(summary, baseline)
    errored = sum(a.errored for a in summary.agents)
    v = gate.verdict(summary, comparisons, interrupted=interrupted, min_satisfaction=plan.min_satisfaction,
                     max_errored=plan.max_errored, errors=gate.errors_of(rd.trajectories()) if errored else None,
                     baseline=baseline)
    if not args.quiet:
        _print_summary(summary, comparisons, args.wide)
        Console().print(f"results: {rd.path}")
    if interrupted:
        print(f"dtu: interrupted: {sum(a.trials for a in summary.agents)} trials recorded, the summary is partial; "
              f"finish the run with `{hint}`", file=sys.stderr)
    else:
        for r in v.reasons:
            print(f"dtu: {r}", file=sys.stderr)
    return v.code


def _print_summary(summary: Summary, comparisons: list[Any], wide: bool) -> None:
    if "wide" in inspect.signature(print_summary).parameters:
        print_summary(summary, comparisons=comparisons, wide=wide)  # type: ignore[call-arg,unused-ignore]
    else:  # pragma: no cover - report_term without `wide`
        print_summary(summary, comparisons=comparisons)


def sharded(plan: Plan, args: argparse.Namespace, llm: judge.LLMJudge | None, stop: Stop) -> Summary:
    rd, loaded = plan.rd, plan.loaded
    tracker = _tracker(rd, len(plan.agents) * len(loaded) * plan.opts.trials)
    with tracker.shown(quiet=args.quiet):
        execute_sharded(rd, loaded, plan.agents, plan.specs, plan.opts, plan.workers, args.ray, args.quiet,
                        stop=stop, progress=tracker.count)
    if llm is not None and not stop.requested:  # shards record checks only; judge their trajectories here
        from .cmd_rescore import rescore
        from .replay import RunWorlds

        rd.rewrite(run_async(rescore(list(rd.trajectories()), RunWorlds(rd.manifest()), llm, False)))
    summary = summarize(rd.manifest().run_id, rd.trajectories(), {ld.id: ld.scenario.tags for ld in loaded},
                        complete=not stop.requested)
    rd.write_summary(summary)
    return summary


def _tracker(rd: RunDir, total: int) -> Tracker:
    done = satisfied = errored = 0
    for t in rd.trajectories():
        done += 1
        satisfied += t.satisfied
        errored += t.error is not None
    return Tracker(total, done, satisfied, errored)


def execute(rd: RunDir, loaded: list[Loaded], agents: list[Any], opts: RunOptions, quiet: bool = False,
            llm: judge.LLMJudge | None = None, stop: Stop | None = None,
            console: Console | None = None) -> Summary:
    """Run what is left of a run folder's trials on this process's loop; write the summary
    (partial when `stop` was requested)."""
    stop = stop or Stop()
    rd.repair()
    done = {t.key for t in rd.trajectories()}
    prepared = prepare(loaded, opts.seed)
    persona.attach(prepared, rd.path)  # personas' replies: written by a model, cached in the run folder
    tracker = _tracker(rd, len(agents) * len(prepared) * opts.trials)
    rd.open()

    def sink(t: Trajectory) -> None:
        rd.append(t)
        tracker.count(1, t.satisfied, t.error is not None)

    admitted: dict[str, Any] = {}

    async def trials() -> None:
        if llm is None:
            await run_all(agents, prepared, opts, sink, skip=done, stop=stop, admitted=admitted)
            return
        by_id = {p.scenario.id: p for p in prepared}
        judging = judge.JudgingSink(llm, {p.scenario.id: p.scenario for p in prepared},
                                    lambda t: replay(by_id[t.scenario], t, opts.max_steps).view(), sink)
        try:
            await run_all(agents, prepared, opts, judging, skip=done, stop=stop, admitted=admitted)
            if not stop.requested:
                await _drain(judging, stop)
        finally:
            await llm.aclose()

    try:
        with tracker.shown(console, quiet):
            run_async(trials())
    finally:
        rd.close()
        rd.compress()
    if admitted.get("cuts") and not quiet:
        print(f"dtu: the event loop was saturated: at most {admitted['peak_in_flight']:,} of --concurrency "
              f"{opts.concurrency:,} trials ran at once (its lag: p99 {admitted['lag_p99_ms']:,} ms); "
              f"--workers N spreads trials over cores, --max-lag 0 starts them all at once", file=sys.stderr)
    tags = {ld.id: ld.scenario.tags for ld in loaded}
    summary = summarize(rd.manifest().run_id, rd.trajectories(), tags, complete=not stop.requested)
    rd.write_summary(summary)
    return summary


async def _drain(judging: judge.JudgingSink, stop: Stop) -> None:
    """Wait for the judge's pending verdicts, unless the run is stopped meanwhile."""
    task = asyncio.ensure_future(judging.drain())

    def cancel() -> None:
        task.cancel()

    with stop.on_request(asyncio.get_running_loop(), cancel):
        try:
            await task
        except asyncio.CancelledError:
            if not stop.requested:
                raise
