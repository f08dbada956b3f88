"""Isolation and access: a world's token reaches only that world; admin needs its token when set;
bounds on body size, world count and calls per world answer in the vendor's shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

from dtu.runner.cmd_serve import is_loopback

from ..conftest import Server, start_server
from .routes import auth_headers, fill, routes

SEED = {"slack": {"users": [{"id": "U0DANA0001", "name": "dana"}, {"id": "U0BOB00001", "name": "bob"}],
                  "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana", "bob"]}]}}


def request(url: str, method: str, headers: dict[str, str], body: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def ids_in(state: Any) -> list[str]:
    """Every id-looking string in a world's state."""
    out: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if isinstance(v, str) and (k in ("id", "key", "accountId") or k.endswith("Id")):
                    out.add(v)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(state)
    return sorted(out)


def test_a_token_reaches_only_its_world(server: Server) -> None:
    a = server.world(SEED)
    b = server.world(SEED)
    # world B makes things of its own, with ids only it has
    hb = {"Authorization": f"Bearer {b['token']}", "Content-Type": "application/json"}
    status, body = request(server.url + "/api/conversations.create", "POST", hb, b'{"name": "b-only"}')
    assert status == 200 and json.loads(body)["ok"]
    before = server.state(b["id"])
    calls_before = server.admin("GET", f"/_dtu/worlds/{b['id']}/calls")
    b_ids = ids_in(before) or ["x"]
    for twin, method, path, _op in routes():
        for value in b_ids[:4]:
            url = server.url + fill(path, value)
            status, _ = request(url, method, {**auth_headers(twin, a["token"]), "Content-Type": "application/json"},
                                b"{}" if method in ("POST", "PUT", "PATCH") else None)
            assert status < 500, f"{method} {url} -> {status}"
    assert server.state(b["id"]) == before, "a call with world A's token changed world B"
    assert server.admin("GET", f"/_dtu/worlds/{b['id']}/calls") == calls_before


def test_unknown_token_gets_vendor_auth_error(server: Server) -> None:
    status, body = request(server.url + "/api/auth.test", "POST", {"Authorization": "Bearer nope"})
    assert status == 200 and json.loads(body) == {"ok": False, "error": "invalid_auth"}


def test_admin_token_guards_admin_endpoints() -> None:
    srv = start_server("--admin-token", "s3cret")
    try:
        status, _ = request(srv.url + "/_dtu/worlds", "POST", {"Content-Type": "application/json"}, b"{}")
        assert status == 401
        status, body = request(srv.url + "/_dtu/worlds", "POST",
                               {"Content-Type": "application/json", "X-DTU-Admin": "s3cret"}, b"{}")
        assert status == 201 and json.loads(body)["token"]
    finally:
        srv.stop()


def test_serve_binds_loopback_by_default_and_says_so() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")
    proc = subprocess.Popen([sys.executable, "-m", "dtu.runner", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        assert proc.stdout is not None
        first, second = proc.stdout.readline(), proc.stdout.readline()
        assert first.startswith("DTU_URL=http://127.0.0.1:")
        assert "loopback only" in second
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_bounds_answer_in_vendor_shape() -> None:
    srv = start_server("--max-worlds", "2", "--max-steps", "3", "--max-body", "4096")
    try:
        w = srv.world(SEED)
        h = {"Authorization": f"Bearer {w['token']}", "Content-Type": "application/json"}
        status, body = request(srv.url + "/api/chat.postMessage", "POST", h,
                               json.dumps({"channel": "C0GENERAL1", "text": "x" * 10_000}).encode())
        assert status == 413 and json.loads(body)["ok"] is False
        for _ in range(3):
            request(srv.url + "/api/auth.test", "POST", h)
        status, body = request(srv.url + "/api/auth.test", "POST", h)
        assert status == 429 and json.loads(body) == {"ok": False, "error": "ratelimited"}
        srv.world(SEED)
        try:
            srv.world(SEED)
            raise AssertionError("a third world was created past --max-worlds 2")
        except urllib.error.HTTPError as e:
            assert e.code == 429
        status, _ = request(srv.url + "/api/auth.test", "POST", h)  # still serving
        assert status == 429
        status, _ = request(srv.url + "/_dtu/health", "GET", {})
        assert status == 200
    finally:
        srv.stop()
