"""Shared fixtures: a real `dtu serve` on a free 127.0.0.1 port, and worlds made through its admin door
(with the admin token the fixture hands it in DTU_ADMIN_TOKEN)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests import conformance

ROOT = Path(__file__).resolve().parent.parent


class Server:
    def __init__(self, proc: subprocess.Popen[str], url: str, admin_token: str = "",
                 log: IO[str] | None = None) -> None:
        self.proc = proc
        self.log = log  # the server's stderr
        self.url = url
        self.admin_token = admin_token

    def stop(self) -> None:
        """Terminate the server (kill it if it lingers) and close its streams."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.log):
            if stream is not None:
                stream.close()

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"X-DTU-Admin": self.admin_token}

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **self.admin_headers})
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None

    def world(self, seed_state: dict[str, Any] | None = None, scenario: str | None = None,
              now: str | None = None, faults: Any = None) -> dict[str, Any]:
        """A fresh world: {"id", "token", "base_url", "env"}."""
        body: dict[str, Any] = {}
        if faults is not None:
            body["faults"] = faults
        if seed_state is not None:
            body["seed_state"] = seed_state
        if scenario is not None:
            body["scenario"] = scenario
        if now is not None:
            body["now"] = now
        return dict(self.admin("POST", "/_dtu/worlds", body))

    def state(self, world_id: str) -> Any:
        return self.admin("GET", f"/_dtu/worlds/{world_id}/state")


def start_server(*extra: str) -> Server:
    """`dtu serve` with `extra` arguments; its admin token is `--admin-token` when given, else one
    handed over in DTU_ADMIN_TOKEN."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("DTU_ADMIN_TOKEN", None)
    if "--admin-token" in extra:
        token = extra[extra.index("--admin-token") + 1]
    else:
        token = env["DTU_ADMIN_TOKEN"] = secrets.token_urlsafe(24)
    # stderr to a file, not a pipe nobody reads: a full pipe would stall the server
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by Server.stop)
    proc = subprocess.Popen([sys.executable, "-m", "dtu.runner", "serve", "--host", "127.0.0.1", "--port", "0",
                             *extra], stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("DTU_URL="):
        proc.kill()
        proc.wait()
        log.seek(0)
        raise RuntimeError(f"dtu serve did not start: {line!r} {log.read()}")
    return Server(proc, line.removeprefix("DTU_URL="), token, log)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """One real `dtu serve` for the session; each test makes its own worlds."""
    srv = start_server()
    yield srv
    conformance.collect(srv)  # which operations the official clients called (docs/conformance.md)
    srv.stop()


@pytest.fixture
def make_world(server: Server, request: pytest.FixtureRequest) -> Callable[..., dict[str, Any]]:
    """`server.world`; a test marked `sdk(LANGUAGE, NAME)` has its worlds labelled with the client
    that drives them, for the conformance matrix."""
    marker = request.node.get_closest_marker("sdk")
    if marker is None:
        return server.world

    def make(*args: Any, **kwargs: Any) -> dict[str, Any]:
        w = server.world(*args, **kwargs)
        conformance.label(w["id"], marker)
        return w

    return make


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stale = conformance.check(session)
    if stale is not None:
        session.config.get_terminal_writer().line("\n" + stale, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
