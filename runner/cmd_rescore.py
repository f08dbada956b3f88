"""`dtu rescore RUN`: judge a run's trajectories again from its records (verdicts come from the
cache when their inputs are unchanged, so a re-score costs nothing), optionally re-evaluate the
checks, then rewrite the trajectories and every report."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import msgspec
from rich.console import Console

from . import history, judge, store_index
from .engine import run_async
from .records import Trajectory
from .replay import RunWorlds
from .report_files import comparisons_for, open_run, write_reports
from .report_term import print_summary


def register(sub: Any) -> None:
    p = sub.add_parser("rescore", help="re-judge a run from its records (cached verdicts cost nothing)")
    p.add_argument("run", metavar="RUN", help="a run folder")
    p.add_argument("--checks", action="store_true", help="also re-evaluate the checks over the replayed worlds")
    p.add_argument("--min-satisfaction", type=float, default=None, help="JUnit threshold (default 1.0)")
    p.add_argument("--quiet", action="store_true", help="no table")
    judge.add_arguments(p, switch=False)
    history.add_argument(p)
    p.set_defaults(func=main)


async def rescore(trajectories: list[Trajectory], worlds: RunWorlds, llm: judge.LLMJudge | None,
                  checks: bool) -> list[Trajectory]:
    async def one(t: Trajectory) -> Trajectory:
        p = worlds.prepared(t.scenario)
        sc = p.scenario
        if not checks and (sc.judge is None or llm is None):
            return t
        world = worlds.replay(t)
        if checks:
            results = p.checks.evaluate(world)
            passed = sum(r.passed for r in results)
            t = msgspec.structs.replace(t, checks=results, score=passed / len(results),
                                        satisfied=t.error is None and passed == len(results), judge=None)
        if sc.judge is None or llm is None:
            return msgspec.structs.replace(t, satisfied=judge.checks_ok(t), judge=None)
        state = world.view()
        return await judge.judge_one(llm, sc, t, lambda _t: state)

    try:
        return list(await asyncio.gather(*(one(t) for t in trajectories)))
    finally:
        if llm is not None:
            await llm.aclose()


def main(args: argparse.Namespace) -> int:
    rd = open_run(args.run)
    worlds = RunWorlds(rd.manifest())
    trajectories = list(rd.trajectories())
    needs = any(worlds.prepared(s).scenario.judge is not None for s in {t.scenario for t in trajectories})
    llm = judge.from_arguments(args, rd.path) if needs else None
    out = run_async(rescore(trajectories, worlds, llm, args.checks))
    rd.rewrite(out)
    threshold = args.min_satisfaction if args.min_satisfaction is not None else 1.0
    summary = write_reports(rd, None, threshold)
    store_index.write(rd.path)
    history.record_run(args.history, rd, summary)
    console = Console()
    if not args.quiet:
        print_summary(summary, comparisons=comparisons_for(rd, summary))
    judged = [t for t in out if t.judge]
    cached = sum(bool(t.judge and t.judge.get("cached")) for t in judged)
    console.print(f"rescored {len(out)} trajectories; {len(judged)} judged, {cached} verdicts from the cache, "
                  f"{llm.requests if llm else 0} judge requests", highlight=False)
    if worlds.changed:
        console.print("[yellow]scenario files changed since the run:[/] " + ", ".join(sorted(worlds.changed)))
    return 0
