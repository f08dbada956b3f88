"""`dtu seal PATHS -o scenarios.lock`: record the digests of a scenario set."""

from __future__ import annotations

import argparse
from typing import Any

from .scenario import default_paths, load_all
from .seal import make_lock, write_lock


def register(sub: Any) -> None:
    p = sub.add_parser("seal", help="write a lock file of scenario digests (dtu run --lock refuses other sets)")
    p.add_argument("paths", nargs="*", help="scenario files or folders (default: DTU_SCENARIOS or the bundled library)")
    p.add_argument("-o", "--output", default="scenarios.lock", help="lock file to write (default scenarios.lock)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    loaded = load_all(args.paths or default_paths())
    lock = make_lock(loaded)
    write_lock(lock, args.output)
    print(f"sealed {len(lock.scenarios)} scenarios into {args.output} (set {lock.set[:16]})")
    return 0
