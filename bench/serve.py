"""`dtu serve` requests/s per twin from a separate load process, next to a minimal aiohttp handler."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

# (twin, method, path, body, seed) — one read and one write per twin where it exists
PROBES: list[tuple[str, str, str, str]] = [
    ("slack", "POST", "/api/auth.test", ""),
    ("slack", "POST", "/api/conversations.list", '{"limit": 10}'),
]
SEED: dict[str, Any] = {"slack": {"users": [{"id": "U0DANA0001", "name": "dana"}],
                                  "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(url: str, method: str, path: str, body: str, token: str, conns: int = 32, seconds: float = 3.0) -> float:
    out = subprocess.run([sys.executable, "-m", "bench.load", url, method, path, body, token, str(conns),
                          str(seconds)], capture_output=True, text=True, check=True).stdout.split(" ", 1)
    return float(out[0])


def start(cmd: list[str], ready: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    while ready not in proc.stdout.readline():
        time.sleep(0.01)
    return proc


def bench_serve(seconds: float = 3.0) -> None:
    port = free_port()
    minimal = start([sys.executable, "-m", "bench.minimal", str(port)], "ready")
    dtu = start([sys.executable, "-m", "dtu.runner", "serve", "--port", "0"], "DTU_URL=")
    try:
        time.sleep(0.3)
        base = f"http://127.0.0.1:{port}"
        floor = load(base, "POST", "/api/auth.test", "", "x", seconds=seconds)
        assert dtu.stdout is not None
        url = ""
        # the first line was DTU_URL=...; ask the admin door through the port printed next
        for line in dtu.stdout:
            if "listening on" in line:
                url = line.split("listening on ", 1)[1].split(" ", 1)[0]
                break
        req = urllib.request.Request(url + "/_dtu/worlds", data=json.dumps({"seed_state": SEED}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        token = json.loads(urllib.request.urlopen(req).read())["token"]
        print(f"\n{'dtu serve':<36}{'req/s':>9}{'minimal':>10}{'ratio':>7}")
        for twin, method, path, body in PROBES:
            rate = load(url, method, path, body, token, seconds=seconds)
            print(f"{twin + ' ' + method + ' ' + path:<36.36}{rate:>9,.0f}{floor:>10,.0f}{rate / floor:>7.2f}", flush=True)
    finally:
        for p in (minimal, dtu):
            p.terminate()
            p.wait()
