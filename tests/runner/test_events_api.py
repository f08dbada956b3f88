"""runner/deliver.py's Python API on in-process worlds (door 1), as a runner that drives worlds
itself uses it: Deliveries(), listener, slack_app with url_verification made before the first event,
prepare (Okta's verification), the vendors' retries, drain and close; and what it refuses to do."""

from __future__ import annotations

import json
from typing import Any

from dtu.runner.deliver import Deliveries
from dtu.twins.core import SeedImage, World, parse_time
from dtu.twins.registry import TWINS

from .receiver import Received, Receiver

NOW = parse_time("2024-03-01T12:00:00Z", 0.0)
SEED: dict[str, Any] = {
    "jira": {"me": "dana@acme.test", "users": [{"account_id": "5b10a2844c20165700ede21g", "name": "Dana",
                                                "email": "dana@acme.test", "admin": True}],
             "projects": [{"key": "PROJ", "name": "Platform", "lead": "dana@acme.test"}]},
    "okta": {"org": "acme", "users": [{"id": "00uadmin000000000001", "login": "ada@acme.test", "firstName": "Ada",
                                       "lastName": "Admin", "admin": True},
                                      {"id": "00ubob00000000000001", "login": "bob@acme.test", "firstName": "Bob",
                                       "lastName": "B"}]},
    "slack": {"users": [{"id": "U0DANA0001", "name": "dana"},
                        {"id": "U0BOT00001", "name": "bot", "is_bot": True, "bot_id": "B0BOT00001"}],
              "me": "U0BOT00001",
              "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana", "bot"]}]},
}


def world() -> World:
    return World(SeedImage(TWINS, SEED, 7, NOW), 7, "w-api")


async def test_jira_retries_then_delivers_and_drain_waits() -> None:
    answers = iter([503, 200])

    def flaky(req: Received) -> tuple[int, dict[str, str], bytes]:
        return next(answers, 200), {}, b""

    w = world()
    d = Deliveries(retry_scale=0.0)
    try:
        with Receiver(flaky) as r:
            d.listener(w)
            reply = await w.invoke("jira", "webhook.register", {"v": "3", "url": r.url + "/j", "webhooks": [
                {"events": ["jira:issue_created"], "jqlFilter": "project = PROJ"}]})
            assert reply.status == 200
            await w.call("jira", "issue.create", {"fields": {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"},
                                                             "summary": "Flaky"}})
            await d.drain(w)
            got = r.wait(2)
    finally:
        await d.close()
    assert "x-atlassian-webhook-retry" not in got[0].headers and got[1].headers["x-atlassian-webhook-retry"] == "1"
    assert got[0].headers["x-atlassian-webhook-identifier"] == got[1].headers["x-atlassian-webhook-identifier"]
    log = [(c.op, c.status, c.actor) for c in w.calls if c.actor == "dtu"]
    assert log == [("deliver:jira:issue_created", 503, "dtu"), ("deliver:jira:issue_created", 200, "dtu")]
    assert w.steps == 2  # deliveries are not the agent's steps


async def test_okta_verification_through_prepare_and_one_retry_at_most() -> None:
    def down(req: Received) -> tuple[int, dict[str, str], bytes]:
        if req.method == "GET":
            challenge = req.headers["x-okta-verification-challenge"]
            return 200, {"Content-Type": "application/json"}, json.dumps({"verification": challenge}).encode()
        return 500, {}, b"down"

    w = world()
    d = Deliveries(retry_scale=0.0)
    try:
        with Receiver(down) as r:
            d.listener(w)
            hook = await w.call("okta", "create_event_hook", {
                "name": "h", "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.deactivate"]},
                "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": r.url + "/okta"}}})
            args: dict[str, Any] = {"eventHookId": hook["id"], "verification": "VERIFIED"}  # a caller's claim
            await d.prepare(w, "okta", "verify_event_hook", args)
            assert args["verification"] == "VERIFIED"  # made by the request, not taken from the caller
            assert (await w.call("okta", "verify_event_hook", args))["verificationStatus"] == "VERIFIED"
            await w.call("okta", "deactivate_user", {"id": "00ubob00000000000001"})
            await d.drain(w)
    finally:
        await d.close()
    assert [q.method for q in r.requests] == ["GET", "POST", "POST"]  # Okta retries once, no more


async def test_okta_verification_fails_for_a_silent_endpoint() -> None:
    w = world()
    d = Deliveries()
    try:
        with Receiver() as r:
            hook = await w.call("okta", "create_event_hook", {
                "name": "h", "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.deactivate"]},
                "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": r.url + "/okta"}}})
            args: dict[str, Any] = {"eventHookId": hook["id"], "verification": "VERIFIED"}
            await d.prepare(w, "okta", "verify_event_hook", args)
            reply = await w.invoke("okta", "verify_event_hook", args)
    finally:
        await d.close()
    assert args["verification"] != "VERIFIED" and reply.status == 400
    assert reply.body["errorCode"] == "E0000001"


async def test_slack_app_verifies_its_url_before_the_first_event() -> None:
    def bolt_like(req: Received) -> tuple[int, dict[str, str], bytes]:
        body = req.json()
        if body.get("type") == "url_verification":
            return 200, {"Content-Type": "application/json"}, json.dumps({"challenge": body["challenge"]}).encode()
        return 200, {}, b""

    w = world()
    d = Deliveries()
    try:
        with Receiver(bolt_like) as r:
            app = d.slack_app(w, request_url=r.url + "/slack/events", events=["message"], bot_user="U0BOT00001")
            assert len(app.signing_secret) == 32 and app.api_app_id.startswith("A") and app.token is None
            await w.call("slack", "chat.postMessage", {"channel": "C0GENERAL1", "text": "hello"}, actor="U0DANA0001")
            await d.drain(w)
            got = r.wait(2)
    finally:
        await d.close()
    assert got[0].json()["type"] == "url_verification"
    assert got[1].json()["event"]["text"] == "hello" and got[1].headers["x-slack-signature"].startswith("v0=")
    assert app.verified is True


async def test_nothing_is_sent_off_this_machine_nor_through_a_redirect() -> None:
    def redirect(req: Received) -> tuple[int, dict[str, str], bytes]:
        return 302, {"Location": "http://203.0.113.9/elsewhere"}, b""

    w = world()
    d = Deliveries(retry_scale=0.0)
    try:
        with Receiver(redirect) as r:
            d.listener(w)
            s: Any = w.ctx("jira").state
            await w.call("jira", "webhook.register", {"url": r.url + "/j", "webhooks": [
                {"events": ["jira:issue_created"], "jqlFilter": "project = PROJ"}]})
            s.webhooks[1].url = "http://203.0.113.9/hook"  # as if the state had been tampered with
            await w.call("jira", "webhook.register", {"url": r.url + "/k", "webhooks": [
                {"events": ["jira:issue_created"], "jqlFilter": "project = PROJ"}]})
            await w.call("jira", "issue.create", {"fields": {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"},
                                                             "summary": "x"}})
            await d.drain(w)
    finally:
        await d.close()
    log = [(c.args["url"], c.status, c.body) for c in w.calls if c.actor == "dtu"]
    refused = [entry for entry in log if entry[0].startswith("http://203.")]
    assert refused and all(status == 0 and "refused" in body for _, status, body in refused)
    followed = [entry for entry in log if entry[0] == r.url + "/k"]
    assert followed and all(status == 302 for _, status, _ in followed)  # answered, never followed
    assert len(r.requests) == len(followed)


async def test_a_world_is_served_by_the_first_deliveries_only() -> None:
    """A door's Deliveries and a runner's own one: the world's events go out once, through the first
    attached, and the Slack app configured through the second lands there too."""
    def bolt_like(req: Received) -> tuple[int, dict[str, str], bytes]:
        body = req.json()
        return 200, {}, (body.get("challenge") or "").encode()

    w = world()
    door, runner = Deliveries(), Deliveries()
    try:
        with Receiver(bolt_like) as r:
            await door.prepare(w, "jira", "webhook.register", {})  # the door attaches the world
            app = runner.slack_app(w, request_url=r.url + "/events", events=["message"])
            assert door.served(w).slack is app and runner.served(w) is door.served(w)
            await w.call("slack", "chat.postMessage", {"channel": "C0GENERAL1", "text": "once"}, actor="U0DANA0001")
            await runner.drain(w)
            got = r.wait(2)
    finally:
        await door.close()
        await runner.close()
    assert [q.json()["type"] for q in got] == ["url_verification", "event_callback"]
    assert len(r.requests) == 2


async def test_requests_go_through_the_given_socket_factory() -> None:
    """A sandboxed agent lives in a network namespace of its own: its deliveries' sockets come from
    the runner's factory."""
    import socket

    made: list[Any] = []

    def factory(addr: Any) -> socket.socket:
        made.append(addr[4])
        return socket.socket(addr[0], addr[1], addr[2])

    w = world()
    d = Deliveries()
    try:
        with Receiver() as r:
            d.listener(w, socket_factory=factory)
            await w.call("jira", "webhook.register", {"url": r.url + "/j", "webhooks": [
                {"events": ["jira:issue_created"], "jqlFilter": "project = PROJ"}]})
            await w.call("jira", "issue.create", {"fields": {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"},
                                                             "summary": "via the factory"}})
            await d.drain(w)
            r.wait(1)
    finally:
        await d.close()
    assert made and made[0][0] == "127.0.0.1"


async def test_a_world_with_deliveries_makes_no_reference_cycle() -> None:
    import gc

    w = world()
    d = Deliveries(retry_scale=0.0)
    d.slack_app(w, request_url="http://127.0.0.1:9/events", events=["message"])  # nobody listens there
    d.listener(w)
    await w.call("slack", "chat.postMessage", {"channel": "C0GENERAL1", "text": "hi"}, actor="U0DANA0001")
    await d.drain(w)
    assert any(c.op == "deliver:url_verification" and c.status == 0 for c in w.calls)
    await d.close()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept in gc.garbage, to be looked at
    try:
        del w
        gc.collect()
        # only dtu's own objects: another thread (a resolver's, an executor's) may leave garbage of its
        # own meanwhile, which says nothing of the world
        ours = [type(o).__qualname__ for o in gc.garbage if type(o).__module__.startswith("dtu.")]
        assert ours == [], f"a world with deliveries left objects only the cycle collector can free: {ours}"
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
