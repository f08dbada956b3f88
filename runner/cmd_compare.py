"""`dtu compare RUN_A RUN_B`: B against A per scenario and overall; exit 1 on a significant regression.

With one run that holds several agents, every agent is compared with the first (or --baseline).
Two sides with no scenario in common are an error (exit 2): there is nothing to compare."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import msgspec
from rich.console import Console

from .compare import Comparison, compare
from .errors import DtuError
from .report_files import comparisons_for, load_summary, open_run
from .report_term import print_comparison
from .stats import Summary


def register(sub: Any) -> None:
    p = sub.add_parser("compare", help="compare two runs (or the agents of one run); exit 1 on a significant regression")
    p.add_argument("runs", nargs="+", metavar="RUN", help="RUN_A RUN_B (A is the baseline), or one run with several agents")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument("--agent-a", default=None, help="the agent of RUN_A (when it has several)")
    p.add_argument("--agent-b", default=None, help="the agent of RUN_B (when it has several)")
    p.add_argument("--baseline", default=None, help="with one run: the baseline agent (default: the first)")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the comparison as JSON")
    p.add_argument("--wide", action="store_true", help="every scenario (default: the significant changes, then a few)")
    p.set_defaults(func=main)


def _agent(summary: Summary, name: str | None, which: str) -> str:
    names = [a.agent for a in summary.agents]
    if name is not None:
        if name not in names:
            raise DtuError(f"--agent-{which} {name}: run {summary.run_id} has agents {', '.join(names)}")
        return name
    if len(names) != 1:
        raise DtuError(f"run {summary.run_id} has agents {', '.join(names)}; choose one with --agent-{which}")
    return names[0]


def comparisons(args: argparse.Namespace) -> list[Comparison]:
    if not 0 < args.alpha < 1:
        raise DtuError(f"--alpha {args.alpha}: give a level between 0 and 1, e.g. 0.05")
    if len(args.runs) == 1:
        rd = open_run(args.runs[0])
        s = load_summary(rd)
        if len(s.agents) < 2:
            raise DtuError(f"{args.runs[0]} has one agent; pass two runs, or a run with several agents")
        if args.baseline and args.baseline not in [a.agent for a in s.agents]:
            raise DtuError(f"--baseline {args.baseline}: not an agent of {s.run_id}")
        out = comparisons_for(rd, s, args.baseline, args.alpha)
        for c in out:
            _nonempty(c)
        return out
    if len(args.runs) != 2:
        raise DtuError("pass RUN_A RUN_B, or one run with several agents")
    sa, sb = (load_summary(open_run(r)) for r in args.runs)
    aa, ab = _agent(sa, args.agent_a, "a"), _agent(sb, args.agent_b, "b")
    c = compare(sa.for_agent(aa), sb.for_agent(ab), args.alpha, f"{sa.run_id}:{aa}", f"{sb.run_id}:{ab}",
                sa.resamples, sa.bootstrap_seed, run_a=sa.run_id, run_b=sb.run_id)
    _nonempty(c)
    return [c]


def _nonempty(c: Comparison) -> None:
    """A comparison with no scenario in common has no Δ to speak of: say so, and what to do."""
    if c.common:
        return

    def some(ids: list[str]) -> str:
        return ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "") if ids else "none"

    raise DtuError(f"{c.a} and {c.b} have no scenario in common (A ran {some(c.only_a)}; B ran {some(c.only_b)}): "
                   "nothing to compare; compare runs of the same scenarios (check their --scenarios paths)")


def main(args: argparse.Namespace) -> int:
    out = comparisons(args)
    console = Console()
    for c in out:
        print_comparison(c, console, wide=args.wide)
    if args.json:
        with open(args.json, "wb") as f:
            f.write(msgspec.json.format(msgspec.json.encode(out)))
    if any(c.significant_regression for c in out):
        print(f"dtu: significant regression at alpha={args.alpha:g}", file=sys.stderr)
        return 1
    return 0
