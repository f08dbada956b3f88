"""Event delivery to a service agent over HTTP: events/s, next to the floor in the same run.

dtu's side: `WORLDS` worlds of the bundled incident scenario, each a workspace with the agent's
Slack app configured (its request URL verified), and a person posting `EVENTS` messages in
total into a channel the bot is in, round robin over the worlds. Each message is one `message`
event, wrapped in an `event_callback` envelope, signed and POSTed by runner/deliver.py, in order
per world, and logged in the world's trajectory. The clock runs from the first post to the last
delivery answered (`drain`).

The receiver is a minimal aiohttp app on 127.0.0.1 in a separate process that answers 200 to
every POST, so the figure is dtu's, not an app's. The floor: the same number of POSTs of the
same bodies to the same receiver from a plain aiohttp client, `WORLDS` in flight (one per
world, as dtu sends), nothing else done. Both use one core for dtu's side."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from typing import Any

from dtu.runner.engine import Prepared, run_async
from dtu.runner.scenario import BUNDLED, load_file
from dtu.twins.registry import TWINS

WORLDS = 100
EVENTS = 20_000
RECEIVER = """
import sys
from aiohttp import web
async def ok(request):
    await request.read()
    return web.Response(text="")
async def challenge(request):
    data = await request.json()
    return web.json_response({"challenge": data.get("challenge", "")})
app = web.Application()
app.router.add_post("/slack/events", ok)
app.router.add_post("/verify", challenge)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("bench: the receiver did not start")


async def _dtu(port: int, events: int, worlds: int) -> tuple[float, int]:
    from dtu.runner.deliver import Deliveries

    p = Prepared(load_file(BUNDLED / "people" / "incident-bot-ack.yaml"), 0, dict(TWINS))
    deliveries = Deliveries()
    url = f"http://127.0.0.1:{port}/slack/events"
    ws = []
    for i in range(worlds):
        w = p.world(i)
        w.life = None  # only the bench's own posts: no scheduled report
        w.deadline = None
        deliveries.listener(w)
        deliveries.slack_app(w, request_url=url, events=["message"], bot_user="U0INCBOT01")
        app = deliveries.served(w).slack
        assert app is not None
        app.verified = True  # url_verification is measured by the tests, not here
        ws.append(w)
    t0 = time.perf_counter()
    for n in range(events):
        w = ws[n % worlds]
        w.act("priya.shah@acme.test", "slack", "chat.postMessage",
              {"channel": "C0OPS00001", "text": f"status update {n}"}, "U0PRIYA001", w.env.now + 1)
        if n % 500 == 499:
            await asyncio.sleep(0)  # the senders run while posts keep coming, as in a live world
    for w in ws:
        await deliveries.drain(w)
    dt = time.perf_counter() - t0
    sent = sum(1 for w in ws for c in w.calls if c.actor == "dtu" and c.status == 200)
    await deliveries.close()
    return dt, sent


async def _floor(port: int, events: int, worlds: int, body: bytes) -> float:
    import aiohttp

    url = f"http://127.0.0.1:{port}/slack/events"
    per = events // worlds
    async with aiohttp.ClientSession() as session:
        async def one_world() -> None:
            for _ in range(per):
                async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as r:
                    await r.read()
                    assert r.status == 200

        t0 = time.perf_counter()
        await asyncio.gather(*(one_world() for _ in range(worlds)))
        return time.perf_counter() - t0


def bench_events(events: int = EVENTS, worlds: int = WORLDS) -> dict[str, Any]:
    port = _port()
    proc = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)], env=dict(os.environ))
    try:
        _wait(port)
        body = b'{"token":"x","team_id":"T0","api_app_id":"A0","event":{"type":"message","text":"status update 1"},' \
               b'"type":"event_callback","event_id":"Ev0","event_time":1}'
        floor = run_async(_floor(port, events, worlds, body))
        dt, sent = run_async(_dtu(port, events, worlds))
    finally:
        proc.terminate()
        proc.wait()
    if sent != events:
        raise RuntimeError(f"bench: {sent} of {events} events delivered")
    row = {"events": events, "worlds": worlds, "dtu_per_s": events / dt, "floor_per_s": events / floor,
           "ratio": floor / dt}
    print(f"{'events':>8}{'worlds':>8}{'dtu ev/s':>11}{'floor ev/s':>12}{'ratio':>7}")
    print(f"{row['events']:>8,}{row['worlds']:>8}{row['dtu_per_s']:>11,.0f}{row['floor_per_s']:>12,.0f}"
          f"{row['ratio']:>7.2f}", flush=True)
    return row
