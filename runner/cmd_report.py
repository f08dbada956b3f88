"""`dtu report RUN`: regenerate a run's summary.json, junit.xml and report.html from its records."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console

from . import history
from .report_files import HTML, JUNIT, comparisons_for, open_run, write_reports
from .report_term import print_summary


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="regenerate a run's reports (summary.json, junit.xml, report.html)")
    p.add_argument("run", metavar="RUN", help="a run folder")
    p.add_argument("--min-satisfaction", type=float, default=None,
                   help="JUnit: a scenario fails below this satisfaction (default 1.0)")
    p.add_argument("--quiet", action="store_true", help="no table")
    p.add_argument("--wide", action="store_true", help="every scenario, tag and comparison row (default: the worst)")
    history.add_argument(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    rd = open_run(args.run)
    threshold = args.min_satisfaction if args.min_satisfaction is not None else 1.0
    summary = write_reports(rd, None, threshold)
    history.record_run(args.history, rd, summary)
    if not args.quiet:
        print_summary(summary, comparisons=comparisons_for(rd, summary), wide=args.wide)
        Console().print(f"wrote {rd.path / 'summary.json'}, {rd.path / JUNIT}, {rd.path / HTML}")
    return 0
