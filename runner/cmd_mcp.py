"""`dtu mcp --scenario FILE`: one world of a scenario as an MCP server over stdio, for desktop and
IDE agents (Claude Desktop, Claude Code). The tools and their answers are those of `/mcp` on
`dtu serve` (runner/mcp_door.py). stdout carries the protocol only; what dtu says goes to
stderr. When the client closes the connection, `--record PATH` keeps the world's calls and its
final state (what checks read) as JSON, also when the session ends by Ctrl-C or SIGTERM (exit 130)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import msgspec

from .engine import run_async
from .errors import DtuError
from .hub import Hub
from .scenario import load_all


def register(sub: Any) -> None:
    p = sub.add_parser("mcp", help="serve one world of a scenario as an MCP server over stdio")
    p.add_argument("--scenario", required=True, metavar="FILE", help="the scenario whose world is served")
    p.add_argument("--trial", type=int, default=0, help="which trial's world (its seed; default 0)")
    p.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    p.add_argument("--record", default=None, metavar="PATH",
                   help="at the end, write the world's calls and final state to PATH as JSON")
    p.set_defaults(func=main)


def main(args: Any) -> int:
    if args.trial < 0:
        raise DtuError(f"dtu mcp --trial {args.trial}: a trial is a number from 0")
    loaded = load_all([args.scenario])
    if len(loaded) != 1:
        raise DtuError(f"dtu mcp --scenario {args.scenario}: {len(loaded)} scenarios there; name one file")
    record = Path(args.record) if args.record else None
    if record is not None and not record.parent.is_dir():
        raise DtuError(f"dtu mcp --record {args.record}: no folder {record.parent} to write it in")
    hub = Hub(seed=args.seed)
    hub.add_scenario(loaded[0])
    world = hub.create(loaded[0].id, trial=args.trial)
    hub.register(world)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM ends the session as Ctrl-C does
    code = 0
    try:
        print(f"dtu mcp: world {world.id} of {loaded[0].id} (trial {args.trial}) on stdio; twins: "
              f"{', '.join(t for t in world.image.seeded if t != 'anthropic')}", file=sys.stderr, flush=True)
        run_async(_serve(world, hub.tools.get(world.id)))
    except KeyboardInterrupt:
        code = 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"dtu mcp: {len(world.calls)} calls", file=sys.stderr, flush=True)
    if record is not None:
        kept = {"scenario": loaded[0].id, "trial": args.trial, "calls": world.calls, "state": world.view()}
        try:
            record.write_bytes(msgspec.json.encode(kept))
        except OSError as e:
            raise DtuError(f"dtu mcp --record {args.record}: {e.strerror}") from None
        print(f"dtu mcp: calls and final state in {record}", file=sys.stderr, flush=True)
    return code


def _interrupt(_sig: int, _frame: Any) -> None:
    raise KeyboardInterrupt


async def _serve(world: Any, only: tuple[str, ...] | None) -> None:
    from mcp.server.stdio import stdio_server

    from .mcp_door import server

    mcp = server(lambda _ctx: (world, None, only), lambda _world, _twin: [])
    async with stdio_server() as (read, write):
        await mcp.run(read, write, mcp.create_initialization_options())
