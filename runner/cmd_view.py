"""`dtu view [RUN_DIRS...]`: a local web app over run folders and the run history.

It lists runs (agent, version label, date, scenarios, satisfaction with its interval), plots
satisfaction over versions, compares any two runs or agents with the verdict `dtu compare` gives,
and opens a run's scenarios, their trials and each trajectory (timeline, state changes, checks,
the final world in the twin views). It listens on 127.0.0.1 only and opens with the token in the
address it prints."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import history
from .engine import run_async
from .errors import DtuError
from .report_files import LATEST, open_run

if TYPE_CHECKING:
    from aiohttp import web

HOST = "127.0.0.1"


def register(sub: Any) -> None:
    p = sub.add_parser("view", help="open a local web viewer over runs and the run history",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="*", metavar="RUN_DIR",
                   help="run folders, or folders of runs (default: the runs folder, --out)")
    p.add_argument("--out", default="runs", help="the runs folder (default ./runs)")
    p.add_argument("--port", type=int, default=8791, help="port on 127.0.0.1 (0 picks a free one; default 8791)")
    p.add_argument("--open", action="store_true", help="also open the address in a web browser")
    history.add_argument(p)
    p.set_defaults(func=main)


def main(args: Any) -> int:
    dirs = []
    for r in args.runs:
        p = Path(r)
        if p.name == LATEST and not p.exists():
            p = open_run(r).path
        if not p.is_dir():
            raise DtuError(f"{r}: no such folder (give run folders, or folders that hold runs)")
        dirs.append(p)
    if not 0 <= args.port <= 65535:
        raise DtuError(f"--port {args.port}: give a port between 0 and 65535")
    run_async(view(args, dirs))
    return 0


async def start(dirs: list[Path], out: str, history_value: str | None, port: int,
                token: str) -> tuple[web.AppRunner, str]:
    """The viewer, serving on 127.0.0.1:port; returns its runner and base address."""
    from aiohttp import web  # aiohttp (~0.1 s to import) for the commands that serve, not every command

    from .server import Guard
    from .viewer.app import make_app
    from .viewer.catalog import Catalog

    store = history.History(history.location(history_value, out))
    guard = Guard(token)
    app, _ = make_app(Catalog(dirs, Path(out), store), token, guard)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, HOST, port)
    try:
        await site.start()
    except OSError as e:
        await runner.cleanup()
        raise DtuError(f"dtu view: cannot listen on {HOST}:{port}: {e.strerror}; choose another with --port "
                       "(0 picks a free one)") from None
    server = site._server
    assert server is not None
    bound = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    guard.bind(HOST, bound, "http")
    return runner, f"http://{HOST}:{bound}"


async def view(args: Any, dirs: list[Path]) -> None:
    token = secrets.token_urlsafe(24)
    runner, base = await start(dirs, args.out, args.history, args.port, token)
    try:
        url = f"{base}/login?token={token}"
        print(f"dtu view: {url}", flush=True)
        print("dtu view: listening on 127.0.0.1 only; the address above opens it (Ctrl-C stops)", file=sys.stderr,
              flush=True)
        if args.open:
            import webbrowser

            webbrowser.open(url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
