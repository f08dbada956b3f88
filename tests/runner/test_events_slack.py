"""A slack_bolt App, unmodified, in HTTP mode with signature verification on, receives the Slack
twin's Events API deliveries and a person's button click, and answers through the twin: its
WebClient (pointed at dtu) for events, `respond` (the response_url) for the click. Served by bolt's
own WSGI adapter on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from urllib.error import HTTPError
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from ..conftest import Server
from .receiver import Received, Receiver

pytestmark = pytest.mark.sdk("python", "slack_bolt")

DANA, BOT = "U0DANA0001", "U0BOT00001"
SEED = {"slack": {"users": [{"id": DANA, "name": "dana", "email": "dana@acme.test"},
                            {"id": BOT, "name": "deploybot", "is_bot": True, "bot_id": "B0BOT00001"},
                            {"id": "U0ERIN0001", "name": "erin"}],
                  "me": BOT,
                  "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana", "deploybot", "erin"]},
                               {"id": "C0RANDOM01", "name": "random", "members": ["dana", "erin"]}]}}
EVENTS = ["message.channels", "app_mention"]
BUTTON = [{"type": "section", "text": {"type": "mrkdwn", "text": "Deploy v2 to production?"}},
          {"type": "actions", "block_id": "deploy", "elements": [
              {"type": "button", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"},
               "value": "v2", "style": "primary"}]}]


class Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Bolt:
    """A bolt App behind its WSGI adapter, on 127.0.0.1 in a thread; `gate` may answer a request
    before bolt sees it (a failing endpoint), and every request is recorded."""

    def __init__(self, app: App, gate: Callable[[dict[str, Any]], str | None] | None = None) -> None:
        handler = SlackRequestHandler(app)
        self.seen: list[dict[str, Any]] = []

        def wsgi(environ: dict[str, Any], start: Any) -> Any:
            self.seen.append({k: v for k, v in environ.items() if k.startswith("HTTP_")})
            failed = gate(environ) if gate is not None else None
            if failed is not None:
                start(failed, [("Content-Type", "text/plain")])
                return [b"down"]
            return handler(environ, start)

        self.server = make_server("127.0.0.1", 0, wsgi, handler_class=Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}/slack/events"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def refused(call: Callable[[], Any]) -> tuple[int, Any]:
    """The status and JSON body of a call that must fail with an HTTP error."""
    with pytest.raises(HTTPError) as e:
        call()
    with e.value:
        raw = e.value.read()
    return e.value.code, json.loads(raw) if raw.strip().startswith(b"{") else raw


def wait_for(pred: Callable[[], Any], timeout: float = 10.0) -> Any:
    end = time.monotonic() + timeout
    while True:
        got = pred()
        if got or time.monotonic() > end:
            assert got, "timed out"
            return got
        time.sleep(0.05)


def messages(server: Server, wid: str, channel: str = "C0GENERAL1") -> list[dict[str, Any]]:
    return list(server.state(wid)["slack"]["channels"][channel]["messages"])


@pytest.fixture
def world(server: Server, make_world: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    w = make_world(SEED)
    w["app"] = server.admin("POST", f"/_dtu/worlds/{w['id']}/apps/slack", {})  # the app's credentials
    w["dana"] = server.admin("POST", f"/_dtu/worlds/{w['id']}/tokens", {"actors": {"slack": DANA}})["token"]
    return w


def bolt_app(world: dict[str, Any]) -> App:
    client = WebClient(token=world["app"]["token"], base_url=world["env"]["SLACK_API_URL"])
    app = App(client=client, signing_secret=world["app"]["signing_secret"], request_verification_enabled=True)

    @app.event("app_mention")
    def mentioned(event: dict[str, Any], say: Any) -> None:
        say(f"hi <@{event['user']}>, you said: {event['text']}")

    @app.event("message")
    def message(event: dict[str, Any], say: Any, client: WebClient) -> None:
        if "deploy?" in event.get("text", ""):
            client.chat_postMessage(channel=event["channel"], text="Deploy v2 to production?", blocks=BUTTON)
        elif "<@" not in event.get("text", ""):
            say(f"echo: {event['text']}")

    @app.action("approve")
    def approve(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        respond(text=f"Approved {body['actions'][0]['value']} by <@{body['user']['id']}>", replace_original=True)

    return app


@pytest.fixture
def bolt(world: dict[str, Any], server: Server) -> Iterator[Bolt]:
    b = Bolt(bolt_app(world))
    app = server.admin("POST", f"/_dtu/worlds/{world['id']}/apps/slack",
                       {"request_url": b.url, "interactivity_url": b.url, "events": EVENTS})
    assert app["url_verified"] is True and app["signing_secret"] == world["app"]["signing_secret"]
    yield b
    b.close()


def test_bolt_receives_message_and_mention_and_answers(server: Server, world: dict[str, Any], bolt: Bolt) -> None:
    dana = WebClient(token=world["dana"], base_url=world["env"]["SLACK_API_URL"])
    dana.chat_postMessage(channel="C0GENERAL1", text="good morning")
    wait_for(lambda: any(m["text"] == "echo: good morning" and m["user"] == BOT
                         for m in messages(server, world["id"])))
    dana.chat_postMessage(channel="C0GENERAL1", text=f"<@{BOT}> status please")
    wait_for(lambda: any(m["text"].startswith(f"hi <@{DANA}>, you said:") for m in messages(server, world["id"])))
    # not a member of #random: its messages are not delivered
    dana.chat_postMessage(channel="C0RANDOM01", text="psst")
    server.admin("POST", f"/_dtu/worlds/{world['id']}/deliveries/drain", {})
    calls = server.admin("GET", f"/_dtu/worlds/{world['id']}/calls")
    delivered = [c for c in calls if c.get("actor") == "dtu"]
    assert delivered[0]["op"] == "deliver:url_verification"
    kinds = [c["args"]["body"]["event"]["type"] for c in delivered if c["op"] != "deliver:url_verification"]
    assert "app_mention" in kinds and "message" in kinds
    texts = [c["args"]["body"]["event"].get("text") for c in delivered if c["op"] == "deliver:message"]
    assert "psst" not in texts
    env = next(c["args"] for c in delivered if c["op"] == "deliver:app_mention")
    assert set(env["body"]) >= {"token", "team_id", "api_app_id", "event", "type", "event_id", "event_time",
                                "authorizations", "is_ext_shared_channel", "event_context"}
    assert env["body"]["type"] == "event_callback" and env["body"]["authorizations"][0]["user_id"] == BOT
    assert "X-Slack-Signature" not in env["headers"] and "X-Slack-Request-Timestamp" in env["headers"]
    assert all(c["status"] == 200 for c in delivered)


def test_a_click_reaches_bolt_and_respond_updates_the_message(server: Server, world: dict[str, Any],
                                                              bolt: Bolt) -> None:
    dana = WebClient(token=world["dana"], base_url=world["env"]["SLACK_API_URL"])
    dana.chat_postMessage(channel="C0GENERAL1", text="deploy?")
    asked = wait_for(lambda: next((m for m in messages(server, world["id"]) if m.get("blocks")), None))
    assert asked["user"] == BOT
    clicked = server.admin("POST", f"/_dtu/worlds/{world['id']}/apps/slack/click",
                           {"user": "dana@acme.test", "channel": "C0GENERAL1", "ts": asked["ts"],
                            "action_id": "approve"})
    assert clicked["payload"]["actions"][0]["value"] == "v2"
    answered = wait_for(lambda: next((m for m in messages(server, world["id"])
                                      if m["ts"] == asked["ts"] and m["text"].startswith("Approved")), None))
    assert answered["text"] == f"Approved v2 by <@{DANA}>" and not answered.get("blocks")
    calls = server.admin("GET", f"/_dtu/worlds/{world['id']}/calls")
    click = next(c for c in calls if c["op"] == "deliver:block_actions")
    assert click["status"] == 200 and click["args"]["body"]["type"] == "block_actions"
    assert set(click["args"]["body"]) >= {"type", "user", "api_app_id", "token", "container", "trigger_id", "team",
                                          "channel", "message", "response_url", "actions"}
    responded = next(c for c in calls if c["op"] == "actions.respond")
    assert responded["status"] == 200 and responded["args"]["replace_original"] is True
    # the response_url is a capability: a made-up one opens nothing
    made_up = urllib.request.Request(world["base_url"] + "/actions/made-up", data=b"{}",
                                     headers={"Content-Type": "application/json"})
    assert refused(lambda: urllib.request.urlopen(made_up, timeout=10))[0] == 404


def test_a_failed_delivery_is_retried_with_the_retry_headers(server: Server, world: dict[str, Any]) -> None:
    failures = {"left": 0}

    def gate(environ: dict[str, Any]) -> str | None:  # the next first attempt fails with a 500
        if failures["left"] and "HTTP_X_SLACK_RETRY_NUM" not in environ:
            failures["left"] -= 1
            return "500 Internal Server Error"
        return None

    b = Bolt(bolt_app(world), gate)
    try:
        server.admin("POST", f"/_dtu/worlds/{world['id']}/apps/slack", {"request_url": b.url, "events": EVENTS})
        failures["left"] = 1
        dana = WebClient(token=world["dana"], base_url=world["env"]["SLACK_API_URL"])
        dana.chat_postMessage(channel="C0GENERAL1", text="are you there")
        wait_for(lambda: any(m["text"] == "echo: are you there" for m in messages(server, world["id"])))
    finally:
        b.close()
    calls = [c for c in server.admin("GET", f"/_dtu/worlds/{world['id']}/calls") if c["op"] == "deliver:message"]
    first = [c for c in calls if c["args"]["body"]["event"]["text"] == "are you there"]
    assert [c["status"] for c in first] == [500, 200]
    assert "X-Slack-Retry-Num" not in first[0]["args"]["headers"]
    assert first[1]["args"]["headers"]["X-Slack-Retry-Num"] == "1"
    assert first[1]["args"]["headers"]["X-Slack-Retry-Reason"] == "http_error"
    assert first[0]["args"]["body"]["event_id"] == first[1]["args"]["body"]["event_id"]


def test_a_request_url_must_answer_the_challenge_and_be_local(server: Server, world: dict[str, Any]) -> None:
    def deaf(req: Received) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/json"}, b'{"challenge": "wrong"}'

    with Receiver(deaf) as r:
        status, body = refused(lambda: server.admin("POST", f"/_dtu/worlds/{world['id']}/apps/slack",
                                                    {"request_url": r.url + "/events"}))
        assert status == 400 and body["error"] == "url_verification_failed"
        challenge = r.wait(1)[0]
        assert challenge.json()["type"] == "url_verification" and challenge.headers["x-slack-signature"].startswith("v0=")
    for url in ("http://example.com/slack", "https://127.0.0.1:9/x", "http://10.0.0.1:80/", "http://user@localhost:1/"):
        status, body = refused(lambda u=url: server.admin("POST", f"/_dtu/worlds/{world['id']}/apps/slack",
                                                          {"request_url": u}))
        assert status == 400 and body["error"] == "invalid_app"
