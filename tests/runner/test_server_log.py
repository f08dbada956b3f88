"""A served world's call log keeps each JSON answer as the door sent it (`msgspec.Raw`, before the base
URL is swapped in), and every reader of the log reads it as it was answered (`Call.answer`)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import msgspec

from dtu.runner.checks import call_ok
from dtu.runner.hub import BASE, Hub
from dtu.runner.replay import first_difference
from dtu.runner.server import start
from dtu.twins.core import Call

SEED = {"slack": {"users": [{"id": "U0DANA0001", "name": "dana"}],
                  "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]},
        "jira": {"site": "acme", "me": "dana@acme.test",
                 "users": [{"name": "Dana Scully", "email": "dana@acme.test", "admin": True}],
                 "projects": [{"key": "PROJ", "name": "Platform", "lead": "dana@acme.test"}],
                 "issues": [{"project": "PROJ", "type": "Task", "summary": "Fix login"}]}}

# (method, path, JSON body or None): a 200, Slack's 200 `"ok": false`, a 404, a Jira issue full of links
REQUESTS: list[tuple[str, str, Any]] = [
    ("POST", "/api/conversations.list", {"limit": 10}),
    ("POST", "/api/chat.postMessage", {"channel": "C0NOWHERE1", "text": "hi"}),
    ("GET", "/rest/api/2/issue/PROJ-404", None),
    ("GET", "/rest/api/2/issue/PROJ-1", None),
]


async def _serve() -> tuple[list[tuple[int, str]], list[Call], str, Any]:
    hub = Hub(seed=7)
    runner = await start(hub, "127.0.0.1", 0, admin_token="admin")
    try:
        world = hub.create(None, SEED)
        token = hub.register(world, speed=0)
        got = []
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            for method, path, body in REQUESTS:
                async with http.request(method, hub.base_url + path, json=body) as r:
                    got.append((r.status, await r.text()))
            async with http.get(f"{hub.base_url}/_dtu/worlds/{world.id}/calls", headers={"X-DTU-Admin": "admin"}) as r:
                listed = await r.json()
        return got, list(world.calls), hub.base_url, listed
    finally:
        await runner.cleanup()


def test_the_log_keeps_what_the_door_sent_and_reads_it_back_decoded() -> None:
    got, calls, base, listed = asyncio.run(_serve())
    assert [c.status for c in calls] == [status for status, _ in got] == [200, 200, 404, 200]
    for (_, text), call in zip(got, calls, strict=True):
        assert type(call.body) is msgspec.Raw  # not the objects the answer was made from
        assert json.loads(text.replace(base, BASE)) == call.answer  # the answer, with the world's placeholder
    assert BASE in json.dumps(calls[3].answer) and base not in bytes(calls[3].body).decode()
    assert [call_ok(c.status, c.body) for c in calls] == [True, False, False, True]  # Slack's ok: false
    assert [c["body"] for c in listed] == [c.answer for c in calls]  # the admin API lists it as JSON
    # replay compares it with a log of objects (door 1, or a run folder read back) as the same answers
    plain = [msgspec.structs.replace(c, body=c.answer) for c in calls]
    assert first_difference(plain, calls) is None
    plain[3].answer["fields"]["summary"] = "changed"
    assert "call 3 (jira issue.get) answered differently" in (first_difference(plain, calls) or "")
