"""Events dtu pushes to a sandboxed program (webhooks it registers) go into the program's own
network namespace: a program cannot make dtu send requests to a service on the host's loopback."""

from __future__ import annotations

import asyncio
import json
import shlex
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from dtu.agents import netns
from dtu.agents.command import CommandAgent
from dtu.runner.engine import Prepared, RunOptions, run_all
from dtu.runner.records import Trajectory
from dtu.runner.scenario import load_text
from dtu.twins.registry import TWINS

HERE = Path(__file__).resolve().parent
SCENARIO = """\
id: webhook-probe
title: Register webhooks
intent: Register a webhook and file an issue.
seed:
  jira:
    projects: [{key: OPS, name: Operations}]
reference:
  - {twin: jira, op: issue.create, args: {fields: {project: {key: OPS}, summary: x, issuetype: {name: Task}}}}
checks:
  - {query: "jira.issues", op: exists}
"""


def test_a_programs_webhooks_reach_its_sandbox_and_never_the_hosts_loopback(tmp_path: Path) -> None:
    if netns.probe():
        pytest.skip(f"no private network namespace here: {netns.probe()}")
    stolen: list[bytes] = []

    class Listener(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            stolen.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    host = HTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    port = host.server_address[1]
    try:
        import os

        os.environ["PROBE_HOST_PORT"] = str(port)
        agent = CommandAgent(f"env=PROBE_HOST_PORT -- {shlex.quote(sys.executable)} "
                             f"{shlex.quote(str(HERE / 'webhook_probe.py'))}")
        out: list[Trajectory] = []
        p = Prepared(load_text("probe.yaml", SCENARIO), 0, TWINS)
        asyncio.run(run_all([agent], [p], RunOptions(trials=1, concurrency=1, timeout=60,
                                                     launch_dir=str(HERE.parents[1])), out.append))
    finally:
        os.environ.pop("PROBE_HOST_PORT", None)
    (t,) = out
    assert t.error is None, t.info.get("stderr_tail")
    said = json.loads(t.info["stdout_tail"].strip().splitlines()[-1])
    assert said["registered"] < 300
    assert said["inside"] == ["jira:issue_created"]  # its own server, in its sandbox, got the event
    assert stolen == []  # the host's listener got nothing
    tried = [c for c in t.calls if c.actor == "dtu" and "/stolen" in c.args["url"]]
    assert tried and all(c.status == 0 for c in tried)  # the attempt is in the trajectory, and failed
    with socket.create_connection(("127.0.0.1", port), 5):  # the host's listener was there to be reached
        pass
    host.shutdown()
    host.server_close()
