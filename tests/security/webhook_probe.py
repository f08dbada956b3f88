"""A program agent that registers Jira webhooks: one at a port on the host's loopback (which it
must not be able to make dtu call) and one at its own server inside its sandbox (which dtu must
call). Prints {"inside": [bodies' webhookEvent], "registered": status} as one JSON line."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

got: list[str] = []


class Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        got.append(json.loads(body).get("webhookEvent", "?"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def call(method: str, path: str, body: object) -> int:
    auth = base64.b64encode(f"{os.environ['JIRA_EMAIL']}:{os.environ['JIRA_TOKEN']}".encode()).decode()
    req = urllib.request.Request(os.environ["JIRA_URL"].rstrip("/") + path, data=json.dumps(body).encode(),
                                 method=method, headers={"Content-Type": "application/json",
                                                         "Authorization": f"Basic {auth}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


server = HTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=server.serve_forever, daemon=True).start()
mine = server.server_address[1]
host = os.environ["PROBE_HOST_PORT"]
status = call("POST", "/rest/api/3/webhook", {
    "url": f"http://127.0.0.1:{host}/stolen",
    "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = OPS"}]})
call("POST", "/rest/api/3/webhook", {
    "url": f"http://127.0.0.1:{mine}/hook",
    "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = OPS"}]})
call("POST", "/rest/api/3/issue", {"fields": {"project": {"key": "OPS"}, "summary": "probe",
                                              "issuetype": {"name": "Task"}}})
deadline = time.time() + 10
while not got and time.time() < deadline:
    time.sleep(0.05)
print(json.dumps({"inside": got, "registered": status}))
