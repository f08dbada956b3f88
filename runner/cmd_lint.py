"""`dtu lint [PATHS]`: prove scenarios can pass and can fail. Exit 1 on any error."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .lint import lint_paths
from .scenario import default_paths


def register(sub: Any) -> None:
    p = sub.add_parser("lint", help="prove scenarios are usable: they decode, can pass and can fail")
    p.add_argument("paths", nargs="*", help="scenario files or folders (default: DTU_SCENARIOS or the bundled library)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    findings = lint_paths(args.paths or default_paths())
    for f in findings:
        print(f, file=sys.stderr if f.level == "error" else sys.stdout)
    errors = sum(f.level == "error" or args.strict for f in findings)
    warnings = sum(f.level == "warning" for f in findings)
    print(f"dtu lint: {errors} errors, {warnings} warnings")
    return 1 if errors else 0
