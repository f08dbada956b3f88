"""Service agents at scale: trials per second of one long-running app serving many workspaces.

`python -m bench service [--trials N]`: a minimal aiohttp app (not bolt: the figure is dtu's) run
as `--agent service:` in its sandbox and network namespace. Each trial is one workspace: dtu
installs the app (its OAuth redirect URL, then `oauth.v2.access`), and the app makes the same 5
Web API calls with the workspace's bot token (`auth.test`, `conversations.list`, 3 x
`chat.postMessage`), answering the install only once they are done. The trial ends on the
scenario's `done:` (the 3 messages are there). The app's own messages are events it subscribed
to, so each trial also delivers 3 signed `message` events to it.

Printed: trials/s at 1 and 200 trials in flight, and where a trial's time goes on dtu's side
(CPU per trial in the door's handlers, the deliveries, the trial's wait for `done:`).
"""

from __future__ import annotations

import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

APP = '''
import os, json, urllib.parse
import aiohttp
from aiohttp import web

API = os.environ["SLACK_API_URL"]

async def session(app):  # one client for every workspace, kept alive (as an app holds its HTTP client)
    app["http"] = aiohttp.ClientSession()
    yield
    await app["http"].close()

async def install(request):
    code = request.query["code"]
    s = request.app["http"]
    async with s.post(API + "oauth.v2.access", data={"code": code, "client_id": os.environ["SLACK_CLIENT_ID"],
                                                      "client_secret": os.environ["SLACK_CLIENT_SECRET"]}) as r:
        token = (await r.json())["access_token"]
    auth = {"Authorization": "Bearer " + token}
    for method, body in (("auth.test", {}), ("conversations.list", {}),
                         ("chat.postMessage", {"channel": "C0BENCH001", "text": "one"}),
                         ("chat.postMessage", {"channel": "C0BENCH001", "text": "two"}),
                         ("chat.postMessage", {"channel": "C0BENCH001", "text": "three"})):
        async with s.post(API + method, json=body, headers=auth) as r:
            assert (await r.json())["ok"], method
    return web.Response(text="installed")

async def events(request):
    body = await request.json()
    if body.get("type") == "url_verification":
        return web.json_response({"challenge": body["challenge"]})
    return web.Response(text="")

app = web.Application()
app.cleanup_ctx.append(session)
app.router.add_get("/slack/oauth_redirect", install)
app.router.add_post("/slack/events", events)
web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None, access_log=None)
'''

SCENARIO = """\
id: bench-service
title: Five calls
intent: Post three messages.
deadline: 1h
done: "slack.channels.C0BENCH001.messages[?user=='U0BENCHBOT'] | [2]"
seed:
  slack:
    users: [{id: U0BENCHBOT, name: bench-bot, is_bot: true, bot_id: B0BENCHBOT}, {id: U0BENCHME1, name: me}]
    me: me
    channels: [{id: C0BENCH001, name: bench, members: [bench-bot, me]}]
reference:
  - {twin: slack, op: chat.postMessage, args: {channel: C0BENCH001, text: one}}
checks:
  - {query: "slack.channels.C0BENCH001.messages", op: at_least, value: 3}
"""


def bench_service(trials: int = 2000) -> list[dict[str, Any]]:
    from dtu.agents.service import ServiceAgent
    from dtu.runner.engine import Prepared, run_async
    from dtu.runner.scenario import load_text
    from dtu.twins.registry import TWINS

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app.py"
        app.write_text(APP)
        p = Prepared(load_text("bench-service.yaml", SCENARIO), 0, dict(TWINS))
        for concurrency, n in ((1, max(20, trials // 50)), (200, trials)):
            agent = ServiceAgent(f"speed=60 -- {shlex.quote(sys.executable)} {shlex.quote(str(app))}")
            out: list[Any] = []
            wall, cpu = run_async(_measure(agent, p, n, concurrency, tmp, out))
            bad = [t for t in out if not t.satisfied]
            if bad:
                raise RuntimeError(f"bench: {len(bad)} of {len(out)} trials unsatisfied: {bad[0].error or bad[0].checks}")
            calls = sum(1 for t in out for c in t.calls if c.actor is None) / len(out)
            delivered = sum(1 for t in out for c in t.calls if c.actor == "dtu") / len(out)
            row = {"concurrency": concurrency, "trials": len(out), "trials_per_s": len(out) / wall,
                   "dtu_cpu_ms_per_trial": cpu / len(out) * 1000, "calls_per_trial": calls,
                   "deliveries_per_trial": delivered}
            rows.append(row)
            print(f"service agent, {concurrency:>4} in flight: {row['trials_per_s']:,.0f} trials/s over {len(out):,} "
                  f"trials; dtu's CPU {row['dtu_cpu_ms_per_trial']:.2f} ms a trial ({calls:.0f} calls to the "
                  f"door, {delivered:.0f} deliveries)", flush=True)
    return rows


async def _measure(agent: Any, p: Any, n: int, concurrency: int, tmp: str, out: list[Any]) -> tuple[float, float]:
    """Trials/s with the program already started (its start is not a trial's cost)."""
    from dtu.runner.engine import RunOptions, run_all

    opts = RunOptions(trials=n, concurrency=concurrency, timeout=120, mounts=(tmp,), launch_dir=str(Path.cwd()))
    await agent.open(opts_info(opts))
    t0, c0 = time.perf_counter(), time.process_time()
    await run_all([agent], [p], opts, out.append)
    return time.perf_counter() - t0, time.process_time() - c0


def opts_info(opts: Any) -> Any:
    from dtu.runner.agent import RunInfo

    return RunInfo(seed=opts.seed, timeout=opts.timeout, out_dir="", concurrency=opts.concurrency,
                   sandbox=True, mounts=opts.mounts, launch_dir=opts.launch_dir)
