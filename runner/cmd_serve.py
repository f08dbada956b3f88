"""`dtu serve`: the HTTP door, hosting many worlds on one port."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import secrets
import signal
import sys
from typing import Any

from .engine import run_async
from .hub import Hub
from .scenario import load_all
from .server import start


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the twins over HTTP at their vendors' paths")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    p.add_argument("--port", type=int, default=8790, help="port (0 picks a free one; default 8790)")
    p.add_argument("--scenario", action="append", default=[], metavar="FILE",
                   help="load a scenario (file or folder) and open one world of each")
    p.add_argument("--seed", type=int, default=0, help="run seed for worlds made here")
    p.add_argument("--admin-token", default=None, help="token for /_dtu/ admin endpoints "
                   "(required, and generated if absent, when binding beyond loopback)")
    p.add_argument("--max-worlds", type=int, default=100_000, help="worlds hosted at once")
    p.add_argument("--max-steps", type=int, default=None, help="calls allowed per world (default 10,000)")
    p.add_argument("--max-body", type=int, default=16 * 2**20, help="largest request body in bytes (default 16 MiB)")
    p.add_argument("--tls", action="store_true", help="serve HTTPS with a certificate made at start")
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


async def serve(args: Any) -> None:
    hub = Hub(seed=args.seed, max_worlds=args.max_worlds, max_steps=args.max_steps)
    admin = args.admin_token
    if admin is None and not is_loopback(args.host):
        admin = secrets.token_urlsafe(24)
    ssl_context = None
    trust = ""
    if args.tls:
        from .tls import make_context

        ssl_context, trust = make_context(args.host)
    runner = await start(hub, args.host, args.port, admin_token=admin, ssl_context=ssl_context,
                         max_body=args.max_body)
    out = sys.stdout
    print(f"DTU_URL={hub.base_url}", file=out)
    scope = "loopback only" if is_loopback(args.host) else "REACHABLE BEYOND THIS MACHINE"
    print(f"dtu serve: listening on {hub.base_url} ({scope}); twins: {', '.join(sorted(hub.twins))}", file=out)
    if admin is not None:
        print(f"dtu serve: admin token for /_dtu/: {admin}", file=out)
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
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
