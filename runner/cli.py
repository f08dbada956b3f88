"""The `dtu` command: a thin layer over the library."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import (
    __version__,
    cmd_compare,
    cmd_history,
    cmd_lint,
    cmd_mcp,
    cmd_replay,
    cmd_report,
    cmd_rescore,
    cmd_run,
    cmd_seal,
    cmd_serve,
    cmd_show,
    cmd_view,
    gate,
)
from .errors import DtuError

COMMANDS = [cmd_run, cmd_serve, cmd_mcp, cmd_lint, cmd_seal, cmd_show, cmd_replay, cmd_report, cmd_rescore, cmd_compare, cmd_history, cmd_view]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dtu", description="Digital Twin Universe: scenarios, twins, satisfaction.",
                                epilog="`dtu run` " + gate.EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"dtu {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for cmd in COMMANDS:
        cmd.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DtuError as e:
        print(f"dtu: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
