"""`dtu replay RUN --scenario ID --trial N`: re-execute a trajectory's calls in a fresh world and
confirm the same final state digest and the same answer to every call, byte for byte (exit 0),
or say where it diverged (exit 1)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.console import Console

from .cmd_show import print_trajectory, select
from .errors import DtuError
from .replay import RunWorlds, first_difference
from .report_files import open_run


def register(sub: Any) -> None:
    p = sub.add_parser("replay", help="re-execute a recorded trajectory in a fresh world and compare final states")
    p.add_argument("run", metavar="RUN", help="a run folder")
    p.add_argument("--scenario", required=True, help="scenario id")
    p.add_argument("--trial", type=int, required=True, help="trial number")
    p.add_argument("--agent", default=None, help="agent name (when the run has several)")
    p.add_argument("--show", action="store_true", help="also print the replayed trajectory's checks and calls")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    rd = open_run(args.run)
    found = select(rd.trajectories(), args.scenario, args.trial, args.agent)
    if not found:
        raise DtuError(f"no trajectory {args.agent or '*'}/{args.scenario}/{args.trial} in {args.run}; "
                       f"`dtu show {args.run}` lists them")
    if len(found) > 1:
        raise DtuError(f"{len(found)} agents ran {args.scenario}/{args.trial}: choose one with --agent "
                       f"({', '.join(t.agent for t in found)})")
    t = found[0]
    worlds = RunWorlds(rd.manifest())
    p = worlds.prepared(t.scenario)
    world = worlds.replay(t)
    digest = world.digest(like=t.digest)
    console = Console()
    if args.show:
        import msgspec

        checks = p.checks.evaluate(world)
        print_trajectory(msgspec.structs.replace(t, calls=world.calls, checks=checks, digest=digest), console)
    where = f"{t.agent}/{t.scenario}/{t.trial}"
    diverged = first_difference(t.calls, world.calls)
    if digest == t.digest and diverged is None:
        console.print(f"[green]replay matches[/]: {where}, {len(t.calls)} calls answered as recorded, "
                      f"final state digest {digest}",
                      highlight=False)
        return 0
    hint = diverged or "every call answered the same; the state differs after them"
    same = "the same final state digest, but" if digest == t.digest else f"recorded digest {t.digest}, replayed {digest};"
    print(f"dtu: replay of {where} does not match: {same}\n  {hint}", file=sys.stderr)
    if t.scenario in worlds.changed:
        print(f"  the scenario file changed since the run ({worlds.paths[t.scenario].path})", file=sys.stderr)
    return 1
