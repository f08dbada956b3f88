"""Okta event hooks with the official okta SDK: a hook is created, verified (the receiver answers
Okta's one-time challenge), and a user's deactivation and a group membership reach it as Okta's
event hook deliveries, checked against Okta's published sample payload (vendor_examples/, key sets
and types)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from okta.client import Client
from okta.models import (
    EventHook,
    EventHookChannel,
    EventHookChannelConfig,
    EventHookChannelConfigAuthScheme,
    EventHookChannelConfigHeader,
    EventSubscriptions,
)

from ..conftest import Server
from .receiver import Received, Receiver, missing

pytestmark = pytest.mark.sdk("python", "okta")

ADMIN, BOB, ERIN = "00uadmin000000000001", "00ubob00000000000001", "00uerin0000000000001"
ENG = "00gengineering000001"
SEED = {"okta": {"org": "acme",
                 "users": [{"id": ADMIN, "login": "ada@acme.test", "firstName": "Ada", "lastName": "Admin",
                            "admin": True},
                           {"id": BOB, "login": "bob@acme.test", "firstName": "Bob", "lastName": "Builder"},
                           {"id": ERIN, "login": "erin@acme.test", "firstName": "Erin", "lastName": "New"}],
                 "groups": [{"id": ENG, "name": "Engineering"}]}}
SAMPLE = json.loads((Path(__file__).parent / "vendor_examples" / "okta_event_hook.json").read_text())
SECRET = "Basic c2VydmljZTpzM2NyZXQ="


@pytest.fixture(autouse=True)
def _plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")


def hook_for(uri: str) -> EventHook:
    config = EventHookChannelConfig(uri=uri, authScheme=EventHookChannelConfigAuthScheme(
        type="HEADER", key="Authorization", value=SECRET), headers=[EventHookChannelConfigHeader(key="X-Team", value="it")])
    return EventHook(name="Offboarding sync",
                     events=EventSubscriptions(type="EVENT_TYPE",
                                               items=["user.lifecycle.deactivate", "group.user_membership.add"]),
                     channel=EventHookChannel(type="HTTP", version="1.0.0", config=config))


def answer_challenge(req: Received) -> tuple[int, dict[str, str], bytes]:
    challenge = req.headers.get("x-okta-verification-challenge")
    if req.method == "GET" and challenge:
        return 200, {"Content-Type": "application/json"}, json.dumps({"verification": challenge}).encode()
    return 204, {}, b""


def event_keys(sample: dict[str, Any]) -> dict[str, Any]:
    """The sample's LogEvent without its debugData's contents: what a debugContext carries depends on
    the event type (the sample is a sign-in's: authnRequestId, deviceFingerprint, ...)."""
    ev = json.loads(json.dumps(sample["data"]["events"][0]))
    ev["debugContext"]["debugData"] = {}
    return ev


async def test_event_hook_is_verified_and_delivers(server: Server, make_world: Callable[..., dict[str, Any]]) -> None:
    w = make_world(SEED)
    with Receiver(answer_challenge) as r:
        async with Client({"orgUrl": w["base_url"], "token": w["token"]}) as client:
            hook, _, err = await client.create_event_hook(hook_for(r.url + "/okta"))
            assert err is None and hook.verification_status == "UNVERIFIED" and hook.status == "ACTIVE"
            _, _, err = await client.deactivate_user(BOB)  # unverified: nothing is sent
            assert err is None
            verified, _, err = await client.verify_event_hook(hook.id)
            assert err is None and verified.verification_status == "VERIFIED"
            check = r.wait(1, method="GET")[0]
            assert check.headers["authorization"] == SECRET and check.headers["x-team"] == "it"
            _, _, err = await client.assign_user_to_group(ENG, ERIN)
            assert err is None
            _, _, err = await client.suspend_user(ERIN)  # not subscribed
            assert err is None
            _, _, err = await client.deactivate_user(ERIN)
            assert err is None
            server.admin("POST", f"/_dtu/worlds/{w['id']}/deliveries/drain", {})
            got = r.wait(2)
            # a hook pointing anywhere but this machine is refused in Okta's error shape
            _, _, err = await client.create_event_hook(hook_for("https://hooks.example.com/okta"))
            assert err is not None
    assert len(r.requests) == 3  # the challenge and two deliveries
    bodies = [g.json() for g in got]
    assert [b["data"]["events"][0]["eventType"] for b in bodies] == ["group.user_membership.add",
                                                                     "user.lifecycle.deactivate"]
    for g, body in zip(got, bodies, strict=True):
        assert g.headers["authorization"] == SECRET and g.headers["content-type"] == "application/json"
        assert set(body) == set(SAMPLE)  # the envelope, exactly
        assert missing({k: v for k, v in SAMPLE.items() if k != "data"}, body) == []
        assert missing(event_keys(SAMPLE), body["data"]["events"][0]) == []
        assert body["source"] == f"{w['base_url']}/api/v1/eventHooks/{hook.id}"
    added, deactivated = (b["data"]["events"][0] for b in bodies)
    assert [t["id"] for t in added["target"]] == [ERIN, ENG]
    assert deactivated["target"][0]["id"] == ERIN and deactivated["outcome"]["result"] == "SUCCESS"

    calls = server.admin("GET", f"/_dtu/worlds/{w['id']}/calls")
    delivered = [c for c in calls if c.get("actor") == "dtu"]
    assert [c["op"] for c in delivered] == ["deliver:verification", "deliver:group.user_membership.add",
                                            "deliver:user.lifecycle.deactivate"]
    assert all("Authorization" not in c["args"]["headers"] for c in delivered)  # the hook's secret is not logged
    assert "auth_value" not in json.dumps(server.state(w["id"])["okta"]["event_hooks"])


async def test_a_hook_that_does_not_answer_the_challenge_stays_unverified(
        server: Server, make_world: Callable[..., dict[str, Any]]) -> None:
    w = make_world(SEED)
    with Receiver() as r:  # answers 200 with an empty body
        async with Client({"orgUrl": w["base_url"], "token": w["token"]}) as client:
            hook, _, err = await client.create_event_hook(hook_for(r.url + "/okta"))
            assert err is None
            _, resp, err = await client.verify_event_hook(hook.id)
            assert err is not None and resp.status == 400
            again, _, _ = await client.get_event_hook(hook.id)
            assert again.verification_status == "UNVERIFIED"
            await client.deactivate_user(BOB)
            server.admin("POST", f"/_dtu/worlds/{w['id']}/deliveries/drain", {})
    assert [q.method for q in r.requests] == ["GET"]
