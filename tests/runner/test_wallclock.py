"""A world served over HTTP keeps a clock that follows the wall clock (runner/wallclock.py): the
official Okta SDKs, sleeping `X-Rate-Limit-Reset - Date + 1` wall seconds after a 429, find the
window reset when they retry; `--speed` and a world's `speed` scale it, 0 turns it off; and the
hub's ticker fires people's scheduled actions with nobody calling.

No assertion here is about wall-clock durations: the tests sleep, then look at world time."""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import pytest
from okta.client import Client as OktaClient
from okta.models import AddGroupRequest, OktaUserGroupProfile

from dtu.runner.hub import Hub
from dtu.runner.server import start
from dtu.twins.core import World
from dtu.twins.registry import TWINS
from tests.schemas import NODE_DIR, node_or_skip

from ..conftest import Server, start_server
from .test_sdk_retries import okta_sleeps

SLACK = {"slack": {"users": [{"id": "U0DANA0001", "name": "dana"}],
                   "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]}}

# An org allowed two calls a minute, and a fault plan that makes listing users take 56 world
# seconds: list groups (the window opens), list users (the minute is nearly gone), create a group
# (429, resetting 2 world seconds after the answer's Date). The SDKs sleep reset - Date + 1 wall
# seconds and retry; the world's clock has moved on as far, so the window has reset. Without the
# wall clock the retry would come one world second later, still inside the window.
OKTA = {"okta": {"org": "acme", "rateLimit": 2,
                 "users": [{"id": "00uadmin000000000001", "login": "ada@acme.test", "firstName": "Ada",
                            "lastName": "Admin", "admin": True}]}}
SLOW_LIST = [{"twin": "okta", "op": "list_users", "latency": {"kind": "fixed", "seconds": 56}}]


def calls(server: Server, world: dict[str, Any]) -> list[dict[str, Any]]:
    return list(server.admin("GET", f"/_dtu/worlds/{world['id']}/calls"))


def okta_world(server: Server) -> dict[str, Any]:
    return dict(server.admin("POST", "/_dtu/worlds", {"seed_state": OKTA, "faults": SLOW_LIST, "speed": 1}))


def check_waited_out(server: Server, world: dict[str, Any], waited: float) -> None:
    log = calls(server, world)
    assert [(c["op"], c["status"]) for c in log] == [("list_groups", 200), ("list_users", 200),
                                                     ("add_group", 429), ("add_group", 200)]
    assert log[2]["body"]["errorCode"] == "E0000047"
    limited, retried = log[2]["t"], log[3]["t"]
    # the world's clock moved on by at least what the SDK slept (plus the retry's own second)
    assert retried - limited >= waited + 1
    assert retried - log[0]["t"] >= 60  # the minute that opened with the first call is over
    names = [g["name"] for g in server.state(world["id"])["okta"]["groups"].values()]
    assert names == ["Everyone", "Contractors"]


async def test_okta_python_sdk_waits_out_the_rate_limit(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")
    w = okta_world(server)
    waits = okta_sleeps(monkeypatch)
    async with OktaClient({"orgUrl": w["base_url"], "token": w["token"]}) as client:  # unmodified, default retries
        assert (await client.list_groups())[2] is None
        assert (await client.list_users())[2] is None
        group, _, err = await client.add_group(AddGroupRequest(profile=OktaUserGroupProfile(name="Contractors")))
    assert err is None and group.profile.actual_instance.name == "Contractors"
    assert len(waits) == 1 and waits[0] >= 1  # one backoff: reset - Date + 1, in world seconds
    check_waited_out(server, w, waits[0])


NODE_SCRIPT = r"""
const okta = require('@okta/okta-sdk-nodejs');
(async () => {
  const client = new okta.Client({ orgUrl: process.env.OKTA_URL, token: process.env.OKTA_TOKEN });
  const waits = [];
  client.requestExecutor.on('backoff', (request, response, requestId, delayMs) => waits.push(delayMs));
  for await (const g of await client.groupApi.listGroups()) void g;
  for await (const u of await client.userApi.listUsers()) void u;
  const group = await client.groupApi.createGroup({ group: { profile: { name: 'Contractors' } } });
  console.log(JSON.stringify({ name: group.profile.name, waits }));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def test_okta_node_sdk_waits_out_the_rate_limit(server: Server) -> None:
    node = node_or_skip("@okta/okta-sdk-nodejs")
    w = okta_world(server)
    env = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               OKTA_URL=w["base_url"], OKTA_TOKEN=w["token"])
    proc = subprocess.run([node, "-e", NODE_SCRIPT], cwd=NODE_DIR, env=env, capture_output=True, text=True,
                          timeout=90)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["name"] == "Contractors"
    assert len(out["waits"]) == 1 and out["waits"][0] >= 1000  # one backoff, (reset - Date + 1) s in ms
    check_waited_out(server, w, out["waits"][0] / 1000)


# -- the clock itself ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fast_server() -> Iterator[Server]:
    """`dtu serve --speed 100`: a wall second is 100 world seconds."""
    srv = start_server("--speed", "100")
    yield srv
    srv.stop()


def auth_test(world: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    req = urllib.request.Request(world["env"]["SLACK_API_URL"] + "auth.test", data=b"", method="POST",
                                 headers={"Authorization": f"Bearer {world['token']}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read()), resp.headers


def test_clock_follows_the_wall_clock_at_the_servers_speed(fast_server: Server) -> None:
    w = fast_server.world(SLACK)
    first, _ = auth_test(w)
    time.sleep(0.35)
    second, headers = auth_test(w)
    assert first["ok"] and second["ok"]
    t1, t2 = (c["t"] for c in calls(fast_server, w))
    assert t2 - t1 >= 30  # 0.35 wall seconds at 100x, and the call's own second
    assert t2 == int(t2)  # the clock hands over whole seconds
    # the answer's Date is the world's time (RFC 7231), not the machine's
    assert parsedate_to_datetime(headers["Date"]).timestamp() == t2
    assert headers["Date"].endswith(" GMT")


def test_speed_zero_keeps_the_per_call_ticks(fast_server: Server) -> None:
    w = dict(fast_server.admin("POST", "/_dtu/worlds", {"seed_state": SLACK, "speed": 0}))
    auth_test(w)
    time.sleep(0.35)
    _, headers = auth_test(w)
    t1, t2 = (c["t"] for c in calls(fast_server, w))
    assert t2 - t1 == 1.0
    assert parsedate_to_datetime(headers["Date"]).timestamp() == t2


def test_a_worlds_speed_wins_over_the_servers(server: Server) -> None:
    w = dict(server.admin("POST", "/_dtu/worlds", {"seed_state": SLACK, "speed": 1000}))
    auth_test(w)
    time.sleep(0.1)
    auth_test(w)
    t1, t2 = (c["t"] for c in calls(server, w))
    assert t2 - t1 >= 90


@pytest.mark.parametrize("speed", [-1, 1e9, "fast"])
def test_a_bad_speed_is_refused(server: Server, speed: Any) -> None:
    with pytest.raises(urllib.error.HTTPError) as e:
        server.admin("POST", "/_dtu/worlds", {"seed_state": SLACK, "speed": speed})
    assert e.value.code == 400
    e.value.close()


def test_hub_speed_default_and_override() -> None:
    hub = Hub(TWINS, speed=0)
    hub.register(hub.create(seed_state=SLACK))
    assert hub.clocks == {}
    w = hub.create(seed_state=SLACK)
    hub.register(w, speed=2.5)
    assert hub.clocks[w.id].speed == 2.5
    hub.remove(w.id)
    assert hub.clocks == {}
    with pytest.raises(ValueError):
        Hub(TWINS, speed=-0.5)


# -- people's scheduled actions: fired by a request, and by the ticker with no request ----------------

class FakeLife:
    """A stand-in for runner/life.py: Dana posts in #general at world time `due`."""

    def __init__(self, due: float) -> None:
        self.next_due = due
        self.fired: list[float] = []

    def fire(self, world: World, until: float) -> None:
        if self.next_due <= until:
            at, self.next_due = self.next_due, math.inf
            self.fired.append(at)
            world.act("dana@acme.test", "slack", "chat.postMessage", {"channel": "C0GENERAL1", "text": "standup?"},
                      "U0DANA0001", at)

    async def run(self, world: World, until: float) -> None:
        await asyncio.sleep(0)
        self.fire(world, until)


class BrokenLife(FakeLife):
    async def run(self, world: World, until: float) -> None:
        raise RuntimeError("a person's rule is broken")


class StuckLife(FakeLife):
    """A persona whose reply never comes."""

    def __init__(self, due: float) -> None:
        super().__init__(due)
        self.started = asyncio.Event()

    async def run(self, world: World, until: float) -> None:
        self.started.set()
        await asyncio.Event().wait()


async def until_true(predicate: Any, rounds: int = 400) -> bool:
    for _ in range(rounds):
        if predicate():
            return True
        await asyncio.sleep(0.025)
    return bool(predicate())


def live_world(hub: Hub, life: type[FakeLife], after: float) -> tuple[World, Any]:
    world = hub.create(seed_state=SLACK)
    world.life = fake = life(world.env.now + after)
    hub.register(world)
    return world, fake


async def test_ticker_fires_a_scheduled_action_without_any_request(caplog: pytest.LogCaptureFixture) -> None:
    hub = Hub(TWINS, speed=100)
    runner = await start(hub, "127.0.0.1", 0)
    try:
        broken, _ = live_world(hub, BrokenLife, 5)  # fails every time: logged, and the ticker goes on
        world, life = live_world(hub, FakeLife, 20)
        due = life.next_due
        assert hub.live == {broken.id, world.id}
        assert await until_true(lambda: life.fired)
        assert life.fired == [due]
        assert [(c.actor, c.op, c.t) for c in world.calls] == [("dana@acme.test", "chat.postMessage", due)]
        assert world.steps == 0  # nobody else called
        assert world.env.now >= due
        assert hub.ticker.task is not None and not hub.ticker.task.done()
        assert "failed to act" in caplog.text and "a person's rule is broken" in caplog.text
    finally:
        await runner.cleanup()
    assert hub.ticker.task is None and not hub.ticker.tasks


async def test_a_request_fires_what_fell_due_before_its_own_call() -> None:
    hub = Hub(TWINS, speed=100)
    hub.ticker.every = 3600.0  # no ticker rounds: the request itself must bring the clock up
    runner = await start(hub, "127.0.0.1", 0)
    try:
        world, life = live_world(hub, FakeLife, 20)
        token = next(iter(hub._world_tokens[world.id]))
        await asyncio.sleep(0.35)
        async with aiohttp.ClientSession() as http, \
                http.post(f"{hub.base_url}/api/auth.test", headers={"Authorization": f"Bearer {token}"}) as resp:
            assert (await resp.json())["ok"]
        assert [(c.actor, c.op) for c in world.calls] == [("dana@acme.test", "chat.postMessage"),
                                                          (None, "auth.test")]
        assert world.calls[0].t == life.fired[0] < world.calls[1].t
    finally:
        await runner.cleanup()


async def test_shutdown_cancels_an_advance_under_way() -> None:
    hub = Hub(TWINS, speed=100)
    runner = await start(hub, "127.0.0.1", 0)
    try:
        _, life = live_world(hub, StuckLife, 1)
        await asyncio.wait_for(life.started.wait(), 30)
        assert len(hub.ticker.tasks) == 1
    finally:
        await runner.cleanup()
    assert hub.ticker.task is None and not hub.ticker.tasks
