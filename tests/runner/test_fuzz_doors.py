"""Fuzzing every twin's HTTP door: hostile requests get 4xx in the vendor's shape, never a 5xx,
and the server still serves afterwards. A short run here; `pytest -m slow` runs a large one."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

from ..conftest import Server
from .fuzz import SEED, Client, any_request, prepare_headers


def fuzz(server: Server, examples: int, per_world: int = 1_000) -> Counter[tuple[str, int]]:
    """Send `examples` requests, a fresh seeded world every `per_world` of them (a world's state
    drifts under the fuzzer, and its call bound would end in 429s); return (twin, status) counts."""
    world = server.world(SEED)
    client = Client(server.url)
    seen: Counter[tuple[str, int]] = Counter()

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(any_request())
    def one(req: tuple[str, str, str, dict[str, str], bytes]) -> None:
        nonlocal world
        if seen.total() and seen.total() % per_world == 0:
            server.admin("DELETE", f"/_dtu/worlds/{world['id']}")
            world = server.world(SEED)
        twin, method, url, headers, body = req
        status, data = client.send(method, url, prepare_headers(twin, dict(headers), world["token"]), body)
        seen[twin, status] += 1
        assert status < 500, f"{method} {url} {headers} {body[:80]!r} -> {status} {data[:300]!r}"

    try:
        one()
        assert seen.total() == examples
        health = json.loads(client.send("GET", "/_dtu/health", {}, b"")[1])
        assert health["ok"] is True
    finally:
        client.close()
    return seen


def reached(seen: Counter[tuple[str, int]]) -> dict[str, int]:
    """Per twin, how many requests got through to a 2xx answer."""
    out: dict[str, int] = {}
    for (twin, status), n in seen.items():
        out[twin] = out.get(twin, 0) + (n if status < 300 else 0)
    return out


def test_fuzz_every_door_short(server: Server) -> None:
    seen = fuzz(server, 600)
    # plausible requests reach past validation into every twin's handlers
    assert all(n >= 5 for n in reached(seen).values()) and len(reached(seen)) == 5, reached(seen)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_fuzz_every_door_large(server: Server) -> None:
    seen = fuzz(server, 20_000)
    print("\nfuzz: (twin, status) -> count", sorted(seen.items()))


def test_integers_past_64_bits_echoed_back_are_not_a_500(server: Server) -> None:
    """Found by the large run: a page number past 64 bits, echoed in the answer, broke encoding."""
    world = server.world(SEED)
    client = Client(server.url)
    try:
        status, data = client.send("GET", f"/api/search.messages?query=hi&page={2**70}",
                                   {"Authorization": f"Bearer {world['token']}"}, b"")
    finally:
        client.close()
    assert status == 200 and json.loads(data)["messages"]["paging"]["page"] == 2**70
