"""`dtu serve` requests/s per twin from a separate load process, next to a minimal aiohttp handler.

Worlds are seeded with a small seed for every twin (`SEED`). Each probe (`PROBES`: one read and one
cheap, idempotent write per service) is first sent once and must answer 2xx, or the bench stops: a
probe that answers 4xx measures the error path, not the twin. Each probe is then measured on a fresh
world, and every answer under load must be 2xx too (`dtu serve` runs with `--max-steps` lifted:
past 10,000 calls a world answers 429)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any, NamedTuple


class Probe(NamedTuple):
    service: str  # the label: slack, okta, jira, drive, docs, sheets, anthropic
    twin: str  # the twin whose auth the probe sends (drive, docs and sheets are the google twin)
    method: str
    path: str
    body: str = ""


# the auth headers each twin's door reads, "{token}" filled with the world's token
AUTH: dict[str, list[tuple[str, str]]] = {
    "slack": [("Authorization", "Bearer {token}")],
    "okta": [("Authorization", "SSWS {token}")],
    "jira": [("Authorization", "Bearer {token}")],
    "google": [("Authorization", "Bearer {token}")],
    "anthropic": [("x-api-key", "{token}"), ("anthropic-version", "2023-06-01")],
}

MAX_STEPS = 1_000_000_000
OKTA_USER, OKTA_GROUP = "00ub0benchuser000001", "00gb0benchgroup00001"
FILE, DOC, SHEET = "1benchFile", "1benchDoc", "1benchSheet"

# one read and one cheap write per service; writes are idempotent so the state stays small
PROBES: list[Probe] = [
    Probe("slack", "slack", "POST", "/api/auth.test"),
    Probe("slack", "slack", "POST", "/api/conversations.list", '{"limit": 10}'),
    Probe("okta", "okta", "GET", f"/api/v1/users/{OKTA_USER}"),
    Probe("okta", "okta", "PUT", f"/api/v1/groups/{OKTA_GROUP}/users/{OKTA_USER}"),
    Probe("jira", "jira", "GET", "/rest/api/2/issue/PROJ-1"),
    Probe("jira", "jira", "PUT", "/rest/api/2/issue/PROJ-1", '{"fields": {"summary": "Fix login"}}'),
    Probe("drive", "google", "GET", f"/drive/v3/files/{FILE}?fields=id,name,starred"),
    Probe("drive", "google", "PATCH", f"/drive/v3/files/{FILE}", '{"starred": true}'),
    Probe("docs", "google", "GET", f"/v1/documents/{DOC}"),
    Probe("docs", "google", "POST", f"/v1/documents/{DOC}:batchUpdate",
          '{"requests": [{"replaceAllText": {"containsText": {"text": "Q3", "matchCase": true},'
          ' "replaceText": "Q3"}}]}'),
    Probe("sheets", "google", "GET", f"/v4/spreadsheets/{SHEET}/values/Sheet1!A1:B3"),
    Probe("sheets", "google", "PUT", f"/v4/spreadsheets/{SHEET}/values/Sheet1!B2?valueInputOption=RAW",
          '{"values": [[1200]]}'),
    Probe("anthropic", "anthropic", "GET", "/v1/models"),
    Probe("anthropic", "anthropic", "POST", "/v1/messages",
          '{"model": "dtu-scripted", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}'),
]

SEED: dict[str, Any] = {
    "slack": {"users": [{"id": "U0DANA0001", "name": "dana"}],
              "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]},
    "okta": {"org": "acme", "me": "ada@acme.test", "rateLimit": 1_000_000_000,
             "users": [{"id": "00ub0benchadmin00001", "login": "ada@acme.test", "firstName": "Ada",
                        "lastName": "Admin", "admin": True},
                       {"id": OKTA_USER, "login": "bob@acme.test", "firstName": "Bob", "lastName": "Stone"}],
             "groups": [{"id": OKTA_GROUP, "name": "Engineering"}]},
    "jira": {"site": "acme", "me": "dana@acme.test",
             "users": [{"name": "Dana Scully", "email": "dana@acme.test", "admin": True}],
             "projects": [{"key": "PROJ", "name": "Platform", "lead": "dana@acme.test"}],
             "issues": [{"project": "PROJ", "type": "Task", "summary": "Fix login"}]},
    "google": {"me": "alice@acme.test", "users": [{"email": "alice@acme.test", "name": "Alice Chen"}],
               "files": [{"id": FILE, "name": "notes.txt", "text": "hello"},
                         {"id": DOC, "name": "Plan", "kind": "doc", "text": "Q3 plan\nShip it"},
                         {"id": SHEET, "name": "Budget", "kind": "sheet",
                          "sheets": {"Sheet1": [["Item", "Cost"], ["Laptop", 1200], ["Mouse", 25]]}}]},
    "anthropic": {"final_text": "Done."},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def headers_for(twin: str, token: str) -> list[tuple[str, str]]:
    return [(k, v.format(token=token)) for k, v in AUTH[twin]]


def load(url: str, method: str, path: str, body: str, headers: list[tuple[str, str]], conns: int = 32,
         seconds: float = 3.0) -> tuple[float, dict[str, int]]:
    """Requests/s of one probe from a separate process, and the status counts it saw."""
    (name, value), extra = headers[0], [f"{k}: {v}" for k, v in headers[1:]]
    out = subprocess.run([sys.executable, "-m", "bench.load", url, method, path, body, name, value,
                          str(conns), str(seconds), *extra], capture_output=True, text=True,
                         check=True).stdout.split(" ", 1)
    return float(out[0]), json.loads(out[1])


def check(url: str, probe: Probe, headers: list[tuple[str, str]]) -> None:
    """Send the probe once: anything but 2xx stops the bench with the answer's status and body."""
    req = urllib.request.Request(url + probe.path, data=probe.body.encode() if probe.body else None,
                                 method=probe.method, headers={"Content-Type": "application/json", **dict(headers)})
    try:
        with urllib.request.urlopen(req) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    if not 200 <= status < 300:
        raise SystemExit(f"bench serve: probe {probe.service} {probe.method} {probe.path} answered {status}, "
                         f"not 2xx: it would measure nothing. Body: {body[:400].decode(errors='replace')}")


# the admin token of the `dtu serve` started here (it inherits this environment)
ADMIN = os.environ.setdefault("DTU_ADMIN_TOKEN", secrets.token_urlsafe(24))


def new_world(url: str) -> str:
    """A world seeded with SEED; its token."""
    req = urllib.request.Request(url + "/_dtu/worlds", data=json.dumps({"seed_state": SEED}).encode(),
                                 method="POST", headers={"Content-Type": "application/json", "X-DTU-Admin": ADMIN})
    with urllib.request.urlopen(req) as resp:
        return str(json.loads(resp.read())["token"])


def start(cmd: list[str], ready: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    while ready not in proc.stdout.readline():
        time.sleep(0.01)
    return proc


def bench_serve(seconds: float = 3.0) -> None:
    port = free_port()
    minimal = start([sys.executable, "-m", "bench.minimal", str(port)], "ready")
    # a world answers 429 past --max-steps calls (10,000 by default): lift it, the bench makes more
    dtu = start([sys.executable, "-m", "dtu.runner", "serve", "--port", "0", "--max-steps", str(MAX_STEPS)],
                "DTU_URL=")
    try:
        time.sleep(0.3)
        base = f"http://127.0.0.1:{port}"
        floor, _ = load(base, "POST", "/api/auth.test", "", [("Authorization", "Bearer x")], seconds=seconds)
        assert dtu.stdout is not None
        url = ""
        # the first line was DTU_URL=...; ask the admin door through the port printed next
        for line in dtu.stdout:
            if "listening on" in line:
                url = line.split("listening on ", 1)[1].split(" ", 1)[0]
                break
        token = new_world(url)
        for probe in PROBES:
            check(url, probe, headers_for(probe.twin, token))
        print(f"\n{'dtu serve':<66}{'req/s':>9}{'minimal':>10}{'ratio':>7}")
        for probe in PROBES:
            token = new_world(url)  # each probe on a fresh world: earlier writes do not weigh on it
            rate, statuses = load(url, probe.method, probe.path, probe.body, headers_for(probe.twin, token),
                                  seconds=seconds)
            bad = {s: n for s, n in statuses.items() if not s.startswith("2")}
            if bad:
                raise SystemExit(f"bench serve: probe {probe.service} {probe.method} {probe.path} answered "
                                 f"non-2xx under load: {statuses}")
            label = f"{probe.service} {probe.method} {probe.path}"
            print(f"{label:<66.66}{rate:>9,.0f}{floor:>10,.0f}{rate / floor:>7.2f}", flush=True)
    finally:
        for p in (minimal, dtu):
            p.terminate()
            p.wait()
