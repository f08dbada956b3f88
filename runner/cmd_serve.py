"""`dtu serve`: the HTTP door, hosting many worlds on one port.

The admin API (/_dtu/) always needs the admin token: DTU_ADMIN_TOKEN, --admin-token, or one
generated at start, printed once and written to a file only the user can read."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Any

from .engine import run_async
from .errors import DtuError
from .hub import Hub
from .scenario import load_all
from .wallclock import check_speed


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the twins over HTTP at their vendors' paths")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    p.add_argument("--port", type=int, default=8790, help="port (0 picks a free one; default 8790)")
    p.add_argument("--scenario", action="append", default=[], metavar="FILE",
                   help="load a scenario (file or folder) and open one world of each")
    p.add_argument("--seed", type=int, default=0, help="run seed for worlds made here")
    p.add_argument("--admin-token", default=None, help="token for the /_dtu/ admin endpoints; prefer the "
                   "DTU_ADMIN_TOKEN environment variable (other users can read a command line). "
                   "Without either, one is generated and written to --admin-token-file")
    p.add_argument("--admin-token-file", default=None, metavar="PATH",
                   help="where a generated admin token is written, readable by you only (default "
                   "$XDG_RUNTIME_DIR/dtu/serve-PORT.token, else ~/.local/state/dtu/serve-PORT.token)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="another name (NAME or NAME:PORT) clients may reach the server by; requests naming "
                   "any other host are refused (DNS rebinding). The bound address, localhost, "
                   "127.0.0.1 and [::1] are always accepted")
    p.add_argument("--max-worlds", type=int, default=100_000, help="worlds hosted at once")
    p.add_argument("--max-steps", type=int, default=None, help="calls allowed per world (default 10,000)")
    p.add_argument("--max-body", type=int, default=16 * 2**20, help="largest request body in bytes (default 16 MiB)")
    p.add_argument("--tls", action="store_true", help="serve HTTPS with a certificate made at start")
    p.add_argument("--speed", type=float, default=1.0, metavar="FACTOR",
                   help="world seconds per wall second: a served world's clock follows the wall clock "
                   "from its creation, besides the second each call costs (default 1; 0: per-call ticks "
                   "only, for deterministic times; a world's own `speed` in POST /_dtu/worlds wins)")
    p.set_defaults(func=main)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(args: Any) -> int:
    run_async(serve(args))
    return 0


def admin_token_of(args: Any) -> str | None:
    """The admin token the user gave (DTU_ADMIN_TOKEN or --admin-token), or None."""
    env = os.environ.get("DTU_ADMIN_TOKEN") or None
    flag = args.admin_token
    if env is not None and flag is not None and env != flag:
        raise DtuError("dtu serve: DTU_ADMIN_TOKEN and --admin-token differ; give the admin token once "
                       "(the environment variable is safer: other users can read a command line)")
    return env or flag


def token_file(port: int, given: str | None) -> Path:
    if given:
        return Path(given).expanduser()
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) / "dtu" if runtime else Path.home() / ".local" / "state" / "dtu"
    return base / f"serve-{port}.token"


def write_secret(path: Path, secret: str) -> None:
    """Write `secret` to a fresh file only the user can read (0600; a new folder is 0700)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secret + "\n")
    except OSError as e:
        raise DtuError(f"dtu serve: cannot write the admin token to {path}: {e.strerror}; "
                       "choose another place with --admin-token-file PATH, or set DTU_ADMIN_TOKEN") from None


async def serve(args: Any) -> None:
    from .server import start  # aiohttp (~0.1 s to import) for the commands that serve, not every command

    try:
        speed = check_speed(args.speed)
    except ValueError as e:
        raise DtuError(f"dtu serve --speed: {e}") from None
    hub = Hub(seed=args.seed, max_worlds=args.max_worlds, max_steps=args.max_steps, speed=speed)
    admin = admin_token_of(args)
    generated = admin is None
    if admin is None:
        admin = secrets.token_urlsafe(32)
    ssl_context = None
    trust = ""
    if args.tls:
        from .tls import make_context

        ssl_context, trust = make_context(args.host)
    runner = await start(hub, args.host, args.port, admin_token=admin, ssl_context=ssl_context,
                         max_body=args.max_body, allow_hosts=args.allow_host, ui=True)
    # What start-up built lives as long as the server: out of the collector's sight. Served worlds'
    # call logs grow by a body per request; collecting the young generation every 700 allocations
    # walked them over and over (the engine does the same while trials churn).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    saved: Path | None = None
    try:
        if generated or args.admin_token_file:
            saved = token_file(int(hub.base_url.rsplit(":", 1)[1]), args.admin_token_file)
            write_secret(saved, admin)
        out = sys.stdout
        print(f"DTU_URL={hub.base_url}", file=out)
        scope = "loopback only" if is_loopback(args.host) else "REACHABLE BEYOND THIS MACHINE"
        print(f"dtu serve: listening on {hub.base_url} ({scope}); twins: {', '.join(sorted(hub.twins))}", file=out)
        if generated:
            print(f"DTU_ADMIN_TOKEN={admin}", file=out)
            print(f"dtu serve: admin token for /_dtu/ generated (above), also in {saved} (mode 0600); "
                  "send it as X-DTU-Admin", file=out)
        else:
            print("dtu serve: admin token for /_dtu/ from "
                  f"{'DTU_ADMIN_TOKEN' if os.environ.get('DTU_ADMIN_TOKEN') else '--admin-token'}"
                  f"{f', also in {saved}' if saved else ''}; send it as X-DTU-Admin", file=out)
        if speed > 0:
            print(f"dtu serve: world clocks follow the wall clock at {speed:g}x (--speed), plus a second a call",
                  file=out)
        else:
            print("dtu serve: world clocks move only by a second a call (--speed 0)", file=out)
        print(f"dtu serve: MCP door at {hub.base_url}/mcp (a world's token as Authorization: Bearer)", file=out)
        print(f"dtu serve: twin views at {hub.base_url}/ui/ (log in once: open "
              f"{hub.base_url}/ui/login?token=<the admin token or a world's token>)", file=out)
        if trust:
            print(trust, file=out)
        for ld in load_all(args.scenario) if args.scenario else []:
            hub.add_scenario(ld)
            world = hub.create(ld.id)
            token = hub.register(world)
            print(f"world {world.id} ({ld.id}): token {token}", file=out)
            for k, v in hub.env_vars(token, tuple(hub.scenarios[ld.id].twin_names)).items():
                print(f"  {k}={v}", file=out)
        out.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # Windows has no signal handlers
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        if saved is not None:  # the token dies with the server
            with contextlib.suppress(OSError):
                saved.unlink()
        await runner.cleanup()
