"""The admin API of `dtu serve` always needs the admin token; every route refuses a Host that is not
the server's own (DNS rebinding); admin routes refuse browsers' cross-origin requests."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from dtu.runner.hub import Hub
from dtu.runner.server import start

from ..conftest import Server, start_server

SEED = {"slack": {"users": [{"id": "U0DANA0001", "name": "dana"}],
                  "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]}}


def send(url: str, method: str, path: str, headers: dict[str, str] | None = None,
         body: bytes | None = None) -> tuple[int, Any]:
    """One request with exactly these headers (http.client sends the Host we give it)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        h = dict(headers or {})
        conn.putrequest(method, path, skip_host="Host" in h, skip_accept_encoding=True)
        for k, v in h.items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, raw
    finally:
        conn.close()


def endpoints(world_id: str) -> list[tuple[str, str, bytes | None]]:
    return [("GET", "/_dtu/worlds", None), ("POST", "/_dtu/worlds", b"{}"),
            ("GET", f"/_dtu/worlds/{world_id}/state", None), ("GET", f"/_dtu/worlds/{world_id}/calls", None),
            ("POST", f"/_dtu/worlds/{world_id}/tokens", b"{}"), ("DELETE", f"/_dtu/worlds/{world_id}", None)]


def test_every_admin_endpoint_needs_the_token(server: Server) -> None:
    w = server.world(SEED)
    for method, path, body in endpoints(w["id"]):
        for headers in ({}, {"X-DTU-Admin": "wrong"}, {"Authorization": "Bearer wrong"},
                        {"Authorization": server.admin_token}):  # the token without "Bearer "
            status, answer = send(server.url, method, path, headers, body)
            assert status == 401 and answer["error"] == "admin_token_required", (method, path, headers)
    assert server.admin("GET", f"/_dtu/worlds/{w['id']}/calls") == []  # nothing happened to it
    for method, path, body in endpoints(w["id"]):
        status, _ = send(server.url, method, path, {"Authorization": f"Bearer {server.admin_token}"}, body)
        assert status in (200, 201, 204), (method, path)


def test_health_tells_liveness_only_without_the_token(tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "slack" / "launch-channel.yaml"
    srv = start_server("--scenario", str(scenario))
    try:
        status, body = send(srv.url, "GET", "/_dtu/health")
        assert status == 200 and body == {"ok": True}
        status, body = send(srv.url, "GET", "/_dtu/health", {"X-DTU-Admin": "wrong"})
        assert body == {"ok": True}
        status, body = send(srv.url, "GET", "/_dtu/health", srv.admin_headers)
        assert body["ok"] is True and body["scenarios"] == ["slack-launch-channel"] and body["worlds"] == 1
    finally:
        srv.stop()


def test_a_foreign_host_is_refused_on_every_route(server: Server) -> None:
    """DNS rebinding: a web page at evil.example whose name now resolves to 127.0.0.1."""
    w = server.world(SEED)
    port = urlsplit(server.url).port
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1:{port + 1}", f"localhost.evil.example:{port}", ""):
        for method, path, headers, body in (
                ("GET", "/_dtu/health", {}, None),
                ("GET", "/_dtu/worlds", server.admin_headers, None),
                ("POST", "/api/auth.test", {"Authorization": f"Bearer {w['token']}"}, b""),
                ("POST", "/upload/v1/whatever", {}, b"x"),
                ("GET", "/nowhere", {}, None)):
            status, answer = send(server.url, method, path, {**headers, "Host": host}, body)
            assert status == 421 and answer["error"] == "host_not_allowed", (host, path)
    assert server.admin("GET", f"/_dtu/worlds/{w['id']}/calls") == []
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        status, answer = send(server.url, "POST", "/api/auth.test", {"Authorization": f"Bearer {w['token']}",
                                                                      "Host": host}, b"")
        assert status == 200 and answer["ok"] is True, host


def test_allow_host_adds_a_name() -> None:
    srv = start_server("--allow-host", "twins.internal")
    try:
        port = urlsplit(srv.url).port
        assert send(srv.url, "GET", "/_dtu/health", {"Host": f"twins.internal:{port}"})[0] == 200
        assert send(srv.url, "GET", "/_dtu/health", {"Host": f"other.internal:{port}"})[0] == 421
    finally:
        srv.stop()


def test_admin_refuses_browser_cross_origin_requests(server: Server) -> None:
    port = urlsplit(server.url).port
    for extra in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                  {"Origin": f"http://localhost:{port + 1}"},  # another local web app: same site
                  {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
        for method, path, body in (("POST", "/_dtu/worlds", b"{}"), ("GET", "/_dtu/worlds", None)):
            status, answer = send(server.url, method, path, {**server.admin_headers, **extra}, body)
            assert status == 403 and answer["error"] == "cross_origin", (extra, path)
        assert send(server.url, "GET", "/_dtu/health", {**server.admin_headers, **extra})[1] == {"ok": True}
    # the server's own origin, and a browser's own navigation, are fine
    for extra in ({"Origin": server.url}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}):
        status, _ = send(server.url, "GET", "/_dtu/worlds", {**server.admin_headers, **extra})
        assert status == 200, extra


def serve_proc(*extra: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "dtu.runner", "serve", "--port", "0", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**env, "PYTHONUNBUFFERED": "1"})


def test_a_generated_token_is_printed_once_and_kept_in_a_private_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DTU_ADMIN_TOKEN"}
    env["XDG_RUNTIME_DIR"] = str(tmp_path)
    proc = serve_proc(env=env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        url = lines[0].strip().removeprefix("DTU_URL=")
        token = lines[2].strip().removeprefix("DTU_ADMIN_TOKEN=")
        assert lines[2].startswith("DTU_ADMIN_TOKEN=") and len(token) >= 32
        path = tmp_path / "dtu" / f"serve-{urlsplit(url).port}.token"
        assert str(path) in lines[3]
        assert path.read_text().strip() == token
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert send(url, "GET", "/_dtu/worlds")[0] == 401
        assert send(url, "GET", "/_dtu/worlds", {"X-DTU-Admin": token})[0] == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert token not in out  # printed once
    assert not path.exists()  # the token dies with the server


def test_token_from_the_environment_and_a_token_file(tmp_path: Path) -> None:
    env = dict(os.environ, DTU_ADMIN_TOKEN="from-the-environment-0123456789")
    target = tmp_path / "deep" / "admin.token"
    proc = serve_proc("--admin-token-file", str(target), env=env)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().removeprefix("DTU_URL=")
        proc.stdout.readline()
        told = proc.stdout.readline()
        assert "DTU_ADMIN_TOKEN" in told and "from-the-environment" not in told and str(target) in told
        assert target.read_text().strip() == "from-the-environment-0123456789"
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert send(url, "GET", "/_dtu/worlds", {"X-DTU-Admin": "from-the-environment-0123456789"})[0] == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_two_different_admin_tokens_are_a_clear_error() -> None:
    env = dict(os.environ, DTU_ADMIN_TOKEN="one-token-0123456789")
    proc = serve_proc("--admin-token", "another-token-0123456789", env=env)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "DTU_ADMIN_TOKEN and --admin-token differ" in err and "Traceback" not in err


def test_start_without_a_token_locks_the_admin_api() -> None:
    """`start(hub, host, port)` as a library call: the admin API is closed, not open."""

    async def go() -> tuple[int, int]:
        hub = Hub()
        runner = await start(hub, "127.0.0.1", 0)
        try:
            loop = asyncio.get_running_loop()
            a = await loop.run_in_executor(None, send, hub.base_url, "GET", "/_dtu/worlds")
            b = await loop.run_in_executor(None, send, hub.base_url, "GET", "/_dtu/worlds",
                                           {"X-DTU-Admin": ""})
            return a[0], b[0]
        finally:
            await runner.cleanup()

    assert asyncio.run(go()) == (401, 401)


@pytest.mark.parametrize("bad", [b"\xff" * 20, b"not compressed at all"])
def test_admin_answers_json_400_to_a_broken_compressed_body(server: Server, bad: bytes) -> None:
    for enc in ("gzip", "deflate"):
        status, answer = send(server.url, "POST", "/_dtu/worlds", {**server.admin_headers, "Content-Encoding": enc,
                                                                   "Content-Type": "application/json"}, bad)
        assert status == 400 and answer["error"] == "invalid_request", (enc, answer)
    w = server.world(SEED)
    status, answer = send(server.url, "POST", f"/_dtu/worlds/{w['id']}/tokens",
                          {**server.admin_headers, "Content-Encoding": "gzip"}, bad)
    assert status == 400 and answer["error"] == "invalid_request"
