"""`dtu history`: satisfaction over versions, per agent and per tag, from the run history."""

from __future__ import annotations

import argparse
from collections import defaultdict
from typing import Any

import msgspec
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import history
from .errors import DtuError
from .history import Entry, History, TagPoint

SPARK = "▁▂▃▄▅▆▇█"


def register(sub: Any) -> None:
    p = sub.add_parser("history", help="satisfaction over versions, per agent and per tag, from the run history")
    p.add_argument("--agent", action="append", default=[], help="only this agent; repeatable")
    p.add_argument("--tag", action="append", default=[], help="only this tag in the per-tag trend; repeatable")
    p.add_argument("--last", type=int, default=10, metavar="N", help="the last N runs per agent (default 10)")
    p.add_argument("--out", default="runs", help="the runs folder whose history.sqlite to read (default ./runs)")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the entries shown as JSON")
    history.add_argument(p)
    p.set_defaults(func=main)


def sparkline(values: list[float]) -> str:
    return "".join(SPARK[min(len(SPARK) - 1, int(v * len(SPARK)))] for v in values)


def _delta(prev: Entry | None, e: Entry) -> Text:
    if prev is None:
        return Text("")
    d = e.satisfaction - prev.satisfaction
    if prev.scenario_set != e.scenario_set:
        return Text(f"{d:+.3f}*", style="dim")
    return Text(f"{d:+.3f}", style="green" if d > 0 else "red" if d < 0 else "")


def agent_table(agent: str, entries: list[Entry]) -> Table:
    n = sorted({e.scenarios for e in entries})
    scen = f"{n[0]} scenarios" if len(n) == 1 else f"{n[0]}–{n[-1]} scenarios"
    t = Table(title=f"{agent}  {sparkline([e.satisfaction for e in entries])}  ({scen})", box=box.SIMPLE_HEAD,
              title_justify="left", pad_edge=False, collapse_padding=True)
    t.add_column("when", no_wrap=True, min_width=11)
    t.add_column("run", no_wrap=True)
    t.add_column("label", max_width=14, no_wrap=True, overflow="ellipsis")
    t.add_column("sat.", justify="right", no_wrap=True, min_width=5)
    t.add_column("95% CI", justify="right", no_wrap=True, min_width=9)
    t.add_column("Δ", justify="right", no_wrap=True, min_width=6)
    prev: Entry | None = None
    for e in entries:
        t.add_row(e.created[5:16].replace("T", " "), Text(e.run_id), Text(e.label or "—"),
                  f"{e.satisfaction:.3f}" + ("" if e.complete else "~"), f"{e.ci_low:.2f}–{e.ci_high:.2f}",
                  _delta(prev, e))
        prev = e
    return t


def tag_table(agent: str, points: list[TagPoint], runs: list[str]) -> Table:
    t = Table(title=f"{agent} by tag (oldest → newest)", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    t.add_column("tag")
    t.add_column("trend")
    t.add_column("latest", justify="right")
    t.add_column("95% CI", justify="right")
    by_tag: dict[str, dict[str, TagPoint]] = defaultdict(dict)
    for p in points:
        by_tag[p.tag][p.run_id] = p
    for tag in sorted(by_tag):
        series = [by_tag[tag][r] for r in runs if r in by_tag[tag]]
        last = series[-1]
        t.add_row(Text(tag), sparkline([p.satisfaction for p in series]), f"{last.satisfaction:.3f}",
                  f"{last.ci_low:.2f}–{last.ci_high:.2f}")
    return t


def main(args: argparse.Namespace) -> int:
    if args.last < 1:
        raise DtuError(f"--last {args.last}: give at least 1")
    store = History(history.location(args.history, args.out))
    entries = store.entries(args.agent)
    if not entries:
        which = f" for agent {', '.join(args.agent)}" if args.agent else ""
        raise DtuError(f"no runs recorded{which} in {store.path} (every `dtu run` records one; "
                       "`dtu view RUN_DIR` records runs made before)")
    by_agent: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        by_agent[e.agent].append(e)
    con = Console()
    shown: list[Entry] = []
    tags = store.tags(list(by_agent), args.tag)
    for agent, es in by_agent.items():
        es = es[-args.last:]
        shown += es
        con.print(agent_table(agent, es))
        runs = [e.run_id for e in es]
        points = [p for p in tags if p.agent == agent and p.run_id in set(runs)]
        if points:
            con.print(tag_table(agent, points, runs))
    if any(e.scenario_set != es[0].scenario_set for es in by_agent.values() for e in es):
        con.print("Δ*: the scenario set changed since the previous run, so the difference mixes agent and "
                  "scenarios", style="dim")
    if not all(e.complete for e in shown):
        con.print("~: an interrupted run (its figure is partial)", style="dim")
    if args.json:
        with open(args.json, "wb") as f:
            f.write(msgspec.json.format(msgspec.json.encode({"runs": shown, "tags": tags})))
    return 0
