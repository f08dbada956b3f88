"""Fuzzing every twin's HTTP door: hostile requests get 4xx in the vendor's shape, never a 5xx,
and the server still serves afterwards. A short run here; `pytest -m slow` runs a large one."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from ..conftest import Server
from .fuzz import Client, hostile_request, prepare_headers

SEED = {"slack": {"users": [{"id": "U0DANA0001", "name": "dana"}],
                  "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]}}


def fuzz(server: Server, examples: int) -> None:
    world = server.world(SEED)
    client = Client(server.url)
    seen: list[int] = []

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(hostile_request())
    def one(req: tuple[str, str, str, dict[str, str], bytes]) -> None:
        twin, method, url, headers, body = req
        status, data = client.send(method, url, prepare_headers(twin, dict(headers), world["token"]), body)
        seen.append(status)
        assert status < 500, f"{method} {url} {headers} {body[:80]!r} -> {status} {data[:300]!r}"

    try:
        one()
        assert len(seen) == examples
        health = json.loads(client.send("GET", "/_dtu/health", {}, b"")[1])
        assert health["ok"] is True
    finally:
        client.close()


def test_fuzz_every_door_short(server: Server) -> None:
    fuzz(server, 400)


@pytest.mark.slow
def test_fuzz_every_door_large(server: Server) -> None:
    fuzz(server, 20_000)
