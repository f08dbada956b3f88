"""`dtu serve` requests/s per twin from a separate load process, next to a minimal aiohttp handler;
then MCP tool calls/s through `/mcp`, next to the door doing the same operation and the same handler.

Worlds are seeded with a small seed for every twin (`SEED`). Each probe (`PROBES`: one read and one
cheap, idempotent write per service) is first sent once and must answer 2xx, or the bench stops: a
probe that answers 4xx measures the error path, not the twin. Each probe is then measured on a fresh
world, deleted afterwards (hundreds of thousands of logged calls left in the server would slow every
later probe's full GC), and every answer under load must be 2xx too (`dtu serve` runs with
`--max-steps` lifted: past 10,000 calls a world answers 429).

The MCP probes call `MCP_TOOL` (the door's `MCP_DOOR` probe) two ways, each on a fresh world: raw
JSON-RPC `tools/call` POSTs from the same load process as the door probes (the headers Streamable
HTTP asks for, the protocol version the official client negotiates), and the official `mcp` client's
`ClientSession.call_tool` (`bench/mcp_client.py`). The first raw call must be a tool result without
`isError`, and afterwards the world must have logged one twin call per answer counted; the client
probe stops on any `isError` or failed call. `dtu µs/call` is the server process's CPU time while a
probe ran (the client's session set-up left out) divided by the calls it measured (Linux /proc).

Every door probe also prints `dtu µs/req`, the server's CPU per answered request, and the CPU
ratio: the minimal handler's CPU per request over dtu's. On a busy machine the wall-clock ratio
moves with whatever else runs; the CPU ratio much less. `over door` splits a probe's CPU: what it
costs beyond `DOOR` (Slack's auth.test: the token checked, a constant answer, the door with the
least twin work in it), that is, the operation's own work and the encoding of its larger answer.

`in-process` is the same operation with no HTTP at all, in this process: the world's call that the probe's
first request logged, dispatched again on a world built from the same seed (`World.dispatch`: the handler
and the world's bookkeeping), then its answer encoded to JSON as the door encodes it. The line under the
table says what the 0.6 goal leaves an operation: 1/0.6 of the minimal handler's CPU, less the door's."""

from __future__ import annotations

import json
import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any, NamedTuple

from mcp_types.version import LATEST_HANDSHAKE_VERSION


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
          '{"model": "dtu-twin", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}'),
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


def create_world(url: str) -> dict[str, Any]:
    """A world seeded with SEED: the admin door's answer (its id and token)."""
    req = urllib.request.Request(url + "/_dtu/worlds", data=json.dumps({"seed_state": SEED}).encode(),
                                 method="POST", headers={"Content-Type": "application/json", "X-DTU-Admin": ADMIN})
    with urllib.request.urlopen(req) as resp:
        return dict(json.loads(resp.read()))


def new_world(url: str) -> str:
    """A world seeded with SEED; its token."""
    return str(create_world(url)["token"])


def drop_world(url: str, world_id: str) -> None:
    """Delete a world, and its call log with it."""
    req = urllib.request.Request(f"{url}/_dtu/worlds/{world_id}", method="DELETE", headers={"X-DTU-Admin": ADMIN})
    urllib.request.urlopen(req).close()


def calls_logged(url: str, world_id: str) -> int:
    """How many twin calls a world has logged."""
    req = urllib.request.Request(url + "/_dtu/worlds", headers={"X-DTU-Admin": ADMIN})
    with urllib.request.urlopen(req) as resp:
        return next(int(w["calls"]) for w in json.loads(resp.read())["worlds"] if w["id"] == world_id)


def in_process(call: dict[str, Any], seconds: float = 0.3) -> float:
    """CPU µs of one logged call dispatched again in this process, on a world seeded with SEED, its
    answer encoded as the door encodes it (`runner/server.py` `encode`)."""
    import orjson

    from dtu.runner.engine import DEFAULT_NOW
    from dtu.twins.core import Raw, SeedImage, World, parse_time
    from dtu.twins.registry import TWINS

    world = World(SeedImage(TWINS, SEED, 1, parse_time(DEFAULT_NOW, 0.0)), 1, "w1", max_steps=MAX_STEPS)
    twin, op, args = call["twin"], call["op"], call["args"]
    status = world.dispatch(twin, op, dict(args)).status
    if status != call["status"]:
        raise SystemExit(f"bench serve: {twin} {op} answered {status} in-process, {call['status']} over HTTP")

    def answer() -> bytes:
        body = world.dispatch(twin, op, dict(args)).body
        if body is None or type(body) is Raw:  # no body, or bytes the door sends as they are
            return b""
        return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)

    for _ in range(200):  # warm: what the world and the twin keep after a first answer
        answer()
    world.calls.clear()
    n, t0 = 0, _cpu()
    while (used := _cpu() - t0) < seconds:
        for _ in range(200):
            answer()
        n += 200
        world.calls.clear()  # the door keeps each answer as its JSON bytes: no objects pile up in the log
    return used / n * 1e6


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def logged_calls(url: str, world_id: str) -> list[dict[str, Any]]:
    """A world's call log, as the admin door answers it."""
    req = urllib.request.Request(f"{url}/_dtu/worlds/{world_id}/calls", headers={"X-DTU-Admin": ADMIN})
    with urllib.request.urlopen(req) as resp:
        return list(json.loads(resp.read()))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# the door alone: the probe with the least twin work, which the others' `over door` is measured from
DOOR = PROBES[0]  # slack POST /api/auth.test
# the MCP probes: the same Slack operation as MCP_DOOR, as the tool /mcp offers for it
MCP_DOOR = DOOR
MCP_TOOL = "slack__auth_test"
MCP_ARGS: dict[str, Any] = {}
# what the official Python client proposes in `initialize` and then sends as MCP-Protocol-Version
MCP_PROTOCOL = LATEST_HANDSHAKE_VERSION
MCP_HEADERS = [("Accept", "application/json, text/event-stream"), ("MCP-Protocol-Version", MCP_PROTOCOL)]


def rpc(method: str, params: dict[str, Any], rid: int = 1) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}, separators=(",", ":"))


def check_mcp(url: str, token: str) -> None:
    """Initialize once, then call MCP_TOOL once: the server must agree on MCP_PROTOCOL and answer the call
    with a tool result without isError, or the bench stops with what it answered."""
    init = {"protocolVersion": MCP_PROTOCOL, "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}
    for method, params in (("initialize", init), ("tools/call", {"name": MCP_TOOL, "arguments": MCP_ARGS})):
        req = urllib.request.Request(url + "/mcp", data=rpc(method, params).encode(), method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {token}", **dict(MCP_HEADERS)})
        try:
            with urllib.request.urlopen(req) as resp:
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()
        result = (json.loads(body).get("result") if status == 200 else None) or {}
        if method == "initialize":
            good = result.get("protocolVersion") == MCP_PROTOCOL
        else:
            good = result.get("isError") is False and bool(result.get("content"))
        if not good:
            raise SystemExit(f"bench serve: /mcp {method} answered {status}, not a good result: it would measure "
                             f"nothing. Body: {body[:400].decode(errors='replace')}")


def mcp_client(url: str, token: str, pid: int, sessions: int = 32,
               seconds: float = 3.0) -> tuple[float, dict[str, int], float]:
    """Tool calls/s of the official client from a separate process, what the calls answered, and the CPU
    time process `pid` (the server) used while they were made (the sessions' set-up left out)."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.mcp_client", url, token, MCP_TOOL, json.dumps(MCP_ARGS),
                             str(sessions), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready = proc.stdout.readline().strip() == "ready"  # "" when it ended before: its stderr says why
    cpu = cpu_seconds(pid)
    out, _ = proc.communicate()
    used = cpu_seconds(pid) - cpu
    if not ready or proc.returncode:
        raise SystemExit(f"bench serve: bench.mcp_client exited {proc.returncode}"
                         f"{'' if ready else ' before its sessions were ready'}")
    rate, answers = out.split(" ", 1)
    return float(rate), json.loads(answers), used


def start(cmd: list[str], ready: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    while ready not in proc.stdout.readline():
        time.sleep(0.01)
    return proc


ROUNDS = 3
"""The minimal handler and the door are measured in turns, this many times each, and their medians are the
yardsticks: one measurement of each, a minute apart, moved the door's ratio by 0.1 from run to run."""


def measure(url: str, probe: Probe, pid: int, seconds: float) -> tuple[float, float]:
    """Requests/s of one probe on a fresh world (deleted afterwards), and the server's CPU µs a request;
    any answer but 2xx stops the bench."""
    world = create_world(url)  # each probe on a fresh world: earlier writes do not weigh on it
    cpu = cpu_seconds(pid)
    rate, statuses = load(url, probe.method, probe.path, probe.body, headers_for(probe.twin, world["token"]),
                          seconds=seconds)
    used_us = (cpu_seconds(pid) - cpu) / sum(statuses.values()) * 1e6
    drop_world(url, world["id"])
    if any(not s.startswith("2") for s in statuses):
        raise SystemExit(f"bench serve: probe {probe.service} {probe.method} {probe.path} answered "
                         f"non-2xx under load: {statuses}")
    return rate, used_us


def bench_serve(seconds: float = 3.0, services: list[str] | None = None) -> None:
    """Every probe (or only those of `services` and the door's, then without the MCP probes), next to the
    minimal handler."""
    # the door (first) is always measured: every probe's `over door` is reckoned from it
    probes = [p for p in PROBES if p is DOOR or not services or p.service in services]
    port = free_port()
    minimal = start([sys.executable, "-m", "bench.minimal", str(port)], "ready")
    # a world answers 429 past --max-steps calls (10,000 by default): lift it, the bench makes more
    dtu = start([sys.executable, "-m", "dtu.runner", "serve", "--port", "0", "--max-steps", str(MAX_STEPS)],
                "DTU_URL=")
    try:
        time.sleep(0.3)
        base = f"http://127.0.0.1:{port}"
        assert dtu.stdout is not None
        url = ""
        # the first line was DTU_URL=...; ask the admin door through the port printed next
        for line in dtu.stdout:
            if "listening on" in line:
                url = line.split("listening on ", 1)[1].split(" ", 1)[0]
                break
        own: dict[Probe, float] = {}
        for probe in probes:
            checked = create_world(url)  # a world of its own: its one logged call is the probe's
            check(url, probe, headers_for(probe.twin, checked["token"]))
            own[probe] = in_process(logged_calls(url, checked["id"])[-1])
            drop_world(url, checked["id"])
        minimal_runs: list[tuple[float, float]] = []
        door_runs: list[tuple[float, float]] = []
        for _ in range(ROUNDS):
            c0 = cpu_seconds(minimal.pid)
            rate, answered = load(base, "POST", "/api/auth.test", "", [("Authorization", "Bearer x")], seconds=seconds)
            minimal_runs.append((rate, (cpu_seconds(minimal.pid) - c0) / sum(answered.values()) * 1e6))
            door_runs.append(measure(url, DOOR, dtu.pid, seconds))
        floor, floor_us = (statistics.median(x) for x in zip(*minimal_runs, strict=True))
        door, door_us = (statistics.median(x) for x in zip(*door_runs, strict=True))
        print(f"\nthe minimal handler and the door, {ROUNDS} turns each (medians below): minimal "
              f"{_spread(minimal_runs)} µs/req, the door {_spread(door_runs)} µs/req")
        print(f"{'dtu serve':<66}{'req/s':>9}{'minimal':>10}{'ratio':>7}{'dtu µs/req':>11}"
              f"{f'CPU ratio (minimal {floor_us:.0f} µs/req)':>34}{'over door':>10}{'in-process':>11}")
        for probe in probes:
            rate, used_us = (door, door_us) if probe is DOOR else measure(url, probe, dtu.pid, seconds)
            label = f"{probe.service} {probe.method} {probe.path}"
            print(f"{label:<66.66}{rate:>9,.0f}{floor:>10,.0f}{rate / floor:>7.2f}{used_us:>11,.0f}"
                  f"{floor_us / used_us:>34.2f}{used_us - door_us:>10,.0f}{own[probe]:>11.1f}", flush=True)
        print(f"at 0.6 of the minimal handler a request may cost {floor_us / 0.6:.0f} µs of CPU; the door "
              f"costs {door_us:.0f} of them, which leaves an operation {floor_us / 0.6 - door_us:.0f} µs")
        if not services:
            bench_mcp(url, dtu.pid, door, door_us, floor, seconds)
    finally:
        for p in (minimal, dtu):
            p.terminate()
            p.wait()


def _spread(runs: list[tuple[float, float]]) -> str:
    cpu = sorted(us for _, us in runs)
    return f"{cpu[0]:.0f}-{cpu[-1]:.0f}"


def bench_mcp(url: str, pid: int, door: float, door_us: float, floor: float, seconds: float) -> None:
    """MCP_TOOL through /mcp, raw and through the official client, next to the door and the minimal handler."""
    check_mcp(url, new_world(url))
    print(f"\n{'dtu serve /mcp, tools/call ' + MCP_TOOL:<50}{'calls/s':>9}{'/door':>7}{'/minimal':>9}"
          f"{'dtu µs/call':>12}")
    label = f"door {MCP_DOOR.method} {MCP_DOOR.path} (32 connections)"
    print(f"{label:<50}{door:>9,.0f}{1:>7.2f}{door / floor:>9.2f}{door_us:>12,.0f}", flush=True)
    world = create_world(url)
    token = str(world["token"])
    cpu = cpu_seconds(pid)
    rate, statuses = load(url, "POST", "/mcp", rpc("tools/call", {"name": MCP_TOOL, "arguments": MCP_ARGS}),
                          [("Authorization", f"Bearer {token}"), *MCP_HEADERS], seconds=seconds)
    used = cpu_seconds(pid) - cpu
    answered, logged = sum(statuses.values()), calls_logged(url, str(world["id"]))
    drop_world(url, str(world["id"]))
    if any(not s.startswith("2") for s in statuses) or logged != answered:
        raise SystemExit(f"bench serve: raw /mcp tools/call answered {statuses} under load; the world logged "
                         f"{logged} twin calls for {answered} answers")
    label = "mcp raw JSON-RPC POST (32 connections)"
    print(f"{label:<50}{rate:>9,.0f}{rate / door:>7.2f}{rate / floor:>9.2f}{used / answered * 1e6:>12,.0f}",
          flush=True)
    world = create_world(url)
    rate, answers, used = mcp_client(url, str(world["token"]), pid, seconds=seconds)
    drop_world(url, str(world["id"]))
    if set(answers) != {"ok"}:
        raise SystemExit(f"bench serve: ClientSession.call_tool({MCP_TOOL}) answered {answers} under load")
    label = "mcp ClientSession.call_tool (32 sessions)"
    print(f"{label:<50}{rate:>9,.0f}{rate / door:>7.2f}{rate / floor:>9.2f}{used / answers['ok'] * 1e6:>12,.0f}",
          flush=True)
