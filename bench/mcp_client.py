"""The official `mcp` Python client as a load generator, run as its own process:
`python -m bench.mcp_client URL TOKEN TOOL ARGUMENTS SESSIONS SECONDS`.
SESSIONS clients, each an `httpx2.AsyncClient` carrying `Authorization: Bearer TOKEN` (one keep-alive
connection) under a `ClientSession` over `streamable_http_client(URL + "/mcp")`, call TOOL with ARGUMENTS
(JSON) one call after another. Each session is initialized and makes one call first (the client lists
the tools after its first call), outside the clock; `ready` is printed when all are, and the clock
starts. Then prints tool calls/s and what the calls answered as JSON: `1234 {"ok": 3702}` (`isError`
for a tool error, an exception's class name for a failed call, which ends that session)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client


async def session(url: str, token: str, tool: str, arguments: dict[str, Any], ready: asyncio.Queue[None],
                  start: asyncio.Event, clock: dict[str, float], stats: Counter[str]) -> None:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http, \
            streamable_http_client(f"{url}/mcp", http_client=http) as streams, \
            ClientSession(streams[0], streams[1]) as s:
        await s.initialize()
        first = await s.call_tool(tool, arguments)
        if first.is_error:
            raise SystemExit(f"bench.mcp_client: {tool} answered isError: {first.content}")
        ready.put_nowait(None)
        await start.wait()
        while time.perf_counter() < clock["deadline"]:
            try:
                res = await s.call_tool(tool, arguments)
            except Exception as e:  # counted and reported: the bench stops on it
                stats[type(e).__name__] += 1
                break
            stats["isError" if res.is_error else "ok"] += 1
        clock["end"] = max(clock["end"], time.perf_counter())


async def main(url: str, token: str, tool: str, arguments: dict[str, Any], sessions: int, seconds: float) -> None:
    ready: asyncio.Queue[None] = asyncio.Queue()
    start = asyncio.Event()
    clock = {"deadline": 0.0, "end": 0.0}
    stats: Counter[str] = Counter()
    tasks = [asyncio.ensure_future(session(url, token, tool, arguments, ready, start, clock, stats))
             for _ in range(sessions)]
    for _ in range(sessions):
        getter = asyncio.ensure_future(ready.get())
        await asyncio.wait([getter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        if not getter.done():  # a session failed before it was ready: say why
            getter.cancel()
            next(t for t in tasks if t.done()).result()
    print("ready", flush=True)
    t0 = time.perf_counter()
    clock["deadline"] = t0 + seconds
    start.set()
    await asyncio.gather(*tasks)
    print(f"{sum(stats.values()) / (clock['end'] - t0):.0f} {json.dumps(dict(sorted(stats.items())))}")


if __name__ == "__main__":
    import uvloop

    a = sys.argv[1:]
    if len(a) != 6:
        raise SystemExit(__doc__)
    uvloop.run(main(a[0], a[1], a[2], json.loads(a[3]), int(a[4]), float(a[5])))
