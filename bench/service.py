"""Service agents at scale: trials per second of one long-running app serving many workspaces.

`python -m bench service [--trials N]`: a minimal aiohttp app (not bolt: the figure is dtu's) run
as `--agent service:` in its sandbox and network namespace. Each trial is one workspace: dtu
installs the app (its OAuth redirect URL, then `oauth.v2.access`), and the app makes the same 5
Web API calls with the workspace's bot token (`auth.test`, `conversations.list`, 3 x
`chat.postMessage`), answering the install only once they are done. The trial ends on the
scenario's `done:` (the 3 messages are there). The app's own messages are events it subscribed
to, so each trial also delivers 3 signed `message` events to it.

Next to it, in the same run, the same 5 calls made by a command agent (a Python program per
trial, with the token dtu gives it, one kept-alive connection), without the sandbox and in it
(bwrap and its private network, the default), 4 programs at once.

Printed per row: trials/s, and dtu's CPU per trial (this process only: the programs are others)
with the trials/s that CPU allows on one core. Where the service agent's time goes:
cProfile of `run_all` in this process (bench/README.md).
"""

from __future__ import annotations

import contextlib
import io
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
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


# The same 5 calls by a program run per trial (a command agent), with the token dtu gives it; one
# kept-alive connection, as the app's client keeps one.
COMMAND = """
import http.client, json, os, urllib.parse
api = urllib.parse.urlsplit(os.environ["SLACK_API_URL"])
conn = http.client.HTTPConnection(api.hostname, api.port)
auth = {"Authorization": "Bearer " + os.environ["DTU_TOKEN"], "Content-Type": "application/json"}
for method, body in (("auth.test", {}), ("conversations.list", {}),
                     ("chat.postMessage", {"channel": "C0BENCH001", "text": "one"}),
                     ("chat.postMessage", {"channel": "C0BENCH001", "text": "two"}),
                     ("chat.postMessage", {"channel": "C0BENCH001", "text": "three"})):
    conn.request("POST", api.path + method, json.dumps(body), auth)
    assert json.loads(conn.getresponse().read())["ok"], method
"""
JOBS = 4  # a command agent's programs at once (2 cores)


def bench_service(trials: int = 2000) -> list[dict[str, Any]]:
    from dtu.agents.command import CommandAgent
    from dtu.agents.service import ServiceAgent
    from dtu.runner.engine import Prepared, run_async
    from dtu.runner.scenario import load_text
    from dtu.twins.registry import TWINS

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app.py"
        app.write_text(APP)
        p = Prepared(load_text("bench-service.yaml", SCENARIO), 0, dict(TWINS))
        program = f"{shlex.quote(sys.executable)} -c {shlex.quote(COMMAND)}"
        service = f"speed=60 -- {shlex.quote(sys.executable)} {shlex.quote(str(app))}"
        few = max(40, trials // 50)
        runs: list[tuple[str, Callable[[], Any], int, int, bool]] = [
            ("command agent, no sandbox", lambda: CommandAgent(f"jobs={JOBS} -- {program}"), few, JOBS, False),
            ("command agent, sandboxed", lambda: CommandAgent(f"jobs={JOBS} -- {program}"), few, JOBS, True),
            ("service agent", lambda: ServiceAgent(service), few, 1, True),
            ("service agent", lambda: ServiceAgent(service), trials, 200, True)]
        for label, make, n, concurrency, sandbox in runs:
            out: list[Any] = []
            with contextlib.redirect_stderr(io.StringIO()):  # the --no-sandbox warning
                if label.startswith("command"):  # a first run's one-time costs (the door, imports) are not a trial's
                    run_async(_measure(make(), p, JOBS, concurrency, sandbox, tmp, out))
                    out.clear()
                wall, cpu = run_async(_measure(make(), p, n, concurrency, sandbox, tmp, out))
            bad = [t for t in out if not t.satisfied]
            if bad:
                raise RuntimeError(f"bench: {len(bad)} of {len(out)} trials unsatisfied: {bad[0].error or bad[0].checks}")
            calls = sum(1 for t in out for c in t.calls if c.actor is None) / len(out)
            delivered = sum(1 for t in out for c in t.calls if c.actor == "dtu") / len(out)
            row = {"agent": label, "concurrency": concurrency, "trials": len(out), "trials_per_s": len(out) / wall,
                   "dtu_cpu_ms_per_trial": cpu / len(out) * 1000, "calls_per_trial": calls,
                   "deliveries_per_trial": delivered}
            rows.append(row)
            print(f"{label + ',':<27}{concurrency:>4} in flight: {row['trials_per_s']:>6,.0f} trials/s over "
                  f"{len(out):>5,} trials; dtu's CPU {row['dtu_cpu_ms_per_trial']:.2f} ms a trial (one core: "
                  f"{1000 / row['dtu_cpu_ms_per_trial']:,.0f} trials/s; {calls:.0f} calls to the door, "
                  f"{delivered:.0f} deliveries)", flush=True)
    return rows


async def _measure(agent: Any, p: Any, n: int, concurrency: int, sandbox: bool, tmp: str,
                   out: list[Any]) -> tuple[float, float]:
    """(wall seconds, dtu's CPU seconds) of `n` trials; a service agent's program is started first
    (its start is not a trial's cost), a command agent's per trial (that is its cost)."""
    from dtu.runner.engine import RunOptions, run_all

    opts = RunOptions(trials=n, concurrency=concurrency, timeout=120, sandbox=sandbox, mounts=(tmp,),
                      launch_dir=str(Path.cwd()))
    await agent.open(opts_info(opts))
    t0, c0 = time.perf_counter(), time.process_time()
    await run_all([agent], [p], opts, out.append)
    return time.perf_counter() - t0, time.process_time() - c0


def opts_info(opts: Any) -> Any:
    from dtu.runner.agent import RunInfo

    return RunInfo(seed=opts.seed, timeout=opts.timeout, out_dir="", concurrency=opts.concurrency,
                   sandbox=opts.sandbox, mounts=opts.mounts, launch_dir=opts.launch_dir)
