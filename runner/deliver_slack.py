"""The agent's Slack app: its Events API deliveries and its interactivity payloads.

https://docs.slack.dev/apis/events-api : each event goes to the app's request URL as an
`event_callback` envelope (token, team_id, api_app_id, event, event_id, event_time,
authorizations, is_ext_shared_channel, event_context), signed: `X-Slack-Signature: v0=` +
HMAC-SHA256 of `v0:{timestamp}:{body}` with the app's signing secret, and
`X-Slack-Request-Timestamp` (the wall clock: apps refuse stale signatures). A request URL is
accepted once it answers the `url_verification` challenge. A delivery that fails (no 2xx within
3 seconds) is retried up to 3 times, nearly at once, after a minute and after 5 minutes, with
`X-Slack-Retry-Num` and `X-Slack-Retry-Reason`; an answer with `X-Slack-No-Retry: 1` stops that.
Only the event types the app subscribed to are sent, and message events only from conversations
its bot user is in (subscriptions `message.channels`, `message.groups`, `message.im`,
`message.mpim`, or `message` for all four).

https://docs.slack.dev/reference/interaction-payloads/block_actions-payload : a person's click on
a button in a message the app posted is POSTed form-encoded (`payload=<json>`) to the
interactivity URL, signed the same way, not retried; its `response_url` is a capability URL on the
door that answers the click in the world (twins/slack/ops_interact.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from dtu.twins.core import Event, World
from dtu.twins.core.env import Grant
from dtu.twins.core.hooks import LOOPBACK_HINT
from dtu.twins.core.memo import text_cache
from dtu.twins.slack.events import message_of
from dtu.twins.slack.ops_interact import LIFETIME

from .deliver import MAX_ANSWER, Answer, Delivery, Feed, Policy, is_loopback, wall_time
from .deliver_wire import Client, WireError
from .hub import BASE

if TYPE_CHECKING:
    from .deliver import Deliveries
    from .hub import Hub

EVENTS = Policy(3.0, (0.0, 60.0, 300.0), lambda status: not 200 <= status < 300,
                lambda n, reason: {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": reason or "unknown_error"},
                lambda headers: headers.get("X-Slack-No-Retry") == "1")
ONCE = Policy(3.0, (), lambda status: False)
MESSAGE_SUBS = {"channel": "message.channels", "group": "message.groups", "im": "message.im",
                "mpim": "message.mpim"}
HIDDEN = frozenset(("x-slack-signature",))
ALNUM = string.ascii_uppercase + string.digits  # 36 letters and digits (`_opaque` indexes by b % 36)
_ALNUM_OF_BYTE = bytes(ord(ALNUM[b % 36]) for b in range(256))


@dataclass
class SlackApp:
    """The agent's Slack app in one world. `signing_secret` signs every delivery; `token` is a bot
    token for the Web API (when the app was made through a door's hub)."""

    api_app_id: str
    signing_secret: str
    verification_token: str
    team_id: str
    team_domain: str
    bot_user: str
    bot_id: str | None
    request_url: str | None
    interactivity_url: str | None
    events: frozenset[str]
    token: str | None = None
    verified: bool | None = None  # the request URL answered url_verification (None: not asked yet)
    pending: bool = False
    challenge: str = ""

    def sign(self, body: bytes, headers: dict[str, str]) -> None:
        ts = str(wall_time())
        mac = _keyed(self.signing_secret).copy()
        mac.update(b"v0:%s:" % ts.encode())
        mac.update(body)
        headers["X-Slack-Request-Timestamp"] = ts
        headers["X-Slack-Signature"] = "v0=" + mac.hexdigest()

    def subscribed(self, ev: Event) -> bool:
        if ev.type == "message":
            sub = MESSAGE_SUBS.get(str(ev.data.get("channel_type", "")), "message.channels")
            return "message" in self.events or sub in self.events
        return ev.type in self.events

    def challenge_answered(self, status: int, text: str) -> bool:
        if status != 200 or not self.challenge:
            return False
        if text.strip() == self.challenge:
            return True
        try:
            got = orjson.loads(text)
        except orjson.JSONDecodeError:
            return text.strip() == f"challenge={self.challenge}"
        return isinstance(got, dict) and got.get("challenge") == self.challenge

    def info(self) -> dict[str, Any]:
        """What the admin API answers about the app (its secrets included: the caller is the admin)."""
        return {"api_app_id": self.api_app_id, "signing_secret": self.signing_secret,
                "verification_token": self.verification_token, "token": self.token, "team_id": self.team_id,
                "bot_user_id": self.bot_user, "bot_id": self.bot_id, "request_url": self.request_url,
                "interactivity_url": self.interactivity_url, "events": sorted(self.events),
                "url_verified": self.verified}


@text_cache(64, 256)
def _keyed(secret: str) -> hmac.HMAC:
    """An HMAC-SHA256 with `secret` as its key, copied for each signature: hmac.digest set the key
    up for each one (a service agent's app signs every workspace's deliveries with one secret)."""
    return hmac.new(secret.encode(), digestmod="sha256")


def alnum_token(n: int) -> str:
    """`n` letters and digits from a CSPRNG: one uniform draw below 36**n, in base 36 (a draw per
    letter cost more than the rest of an app's set-up)."""
    x = secrets.randbelow(36 ** n)
    out = []
    for _ in range(n):
        x, d = divmod(x, 36)
        out.append(ALNUM[d])
    return "".join(out)


def make_app(world: World, hub: Hub | None, *, request_url: str | None, interactivity_url: str | None,
             events: Iterable[str], bot_user: str | None, signing_secret: str | None,
             app_id: str | None, previous: SlackApp | None = None, verification_token: str | None = None) -> SlackApp:
    for name, url in (("request_url", request_url), ("interactivity_url", interactivity_url)):
        if url is not None and not is_loopback(url):
            raise ValueError(f"{name} must be on this machine ({LOOPBACK_HINT}), not {url!r}")
    s: Any = world.ctx("slack").state
    bot = bot_user or s.me
    user = s.users.get(bot)
    if user is None:
        raise ValueError(f"bot_user {bot!r} is not a user of the world's Slack workspace")
    same = previous is not None and previous.bot_user == bot
    token = previous.token if same and previous is not None else None
    if token is None and hub is not None and hub.worlds.get(world.id) is world:
        token = hub.token(world, {"slack": bot})
    verification_token = verification_token or (previous.verification_token if previous else alnum_token(24))
    return SlackApp(api_app_id=app_id or (previous.api_app_id if previous else "A" + alnum_token(10)),
                    signing_secret=signing_secret or (previous.signing_secret if previous else secrets.token_hex(16)),
                    verification_token=verification_token,
                    team_id=s.team_id, team_domain=s.domain, bot_user=bot, bot_id=user.bot_id,
                    request_url=request_url, interactivity_url=interactivity_url, events=frozenset(events),
                    token=token)


def verification(app: SlackApp) -> Delivery:
    """The url_verification request (a fresh challenge)."""
    assert app.request_url is not None
    app.challenge = secrets.token_urlsafe(32)
    body = {"token": app.verification_token, "challenge": app.challenge, "type": "url_verification"}
    return Delivery("slack", "deliver:url_verification", app.request_url, orjson.dumps(body), body,
                    {"Content-Type": "application/json"}, ONCE, hidden=HIDDEN, sign=app.sign)


async def verify_url(client: Client, url: str, signing_secret: str, verification_token: str) -> bool:
    """Slack's url_verification of a request URL outside any world: an app's settings, saved once
    for every workspace it is installed in. Whether the endpoint echoed a fresh challenge."""
    app = SlackApp(api_app_id="", signing_secret=signing_secret, verification_token=verification_token, team_id="",
                   team_domain="", bot_user="", bot_id=None, request_url=url, interactivity_url=None,
                   events=frozenset())
    d = verification(app)
    headers = dict(d.headers)
    app.sign(d.body, headers)
    try:
        status, _, raw = await client.request(d.method, url, headers, d.body, d.policy.timeout, MAX_ANSWER)
    except (WireError, OSError, TimeoutError):
        return False
    return app.challenge_answered(status, raw.decode("utf-8", "replace"))


def _opaque(*parts: object, n: int = 10) -> str:
    """`n` (at most 64) letters and digits that stand for `parts`: the same parts, the same letters."""
    return _letters("\0".join(map(str, parts)), n)


def _letters(text: str, n: int = 10) -> str:
    """`_opaque` of parts already joined with NULs."""
    return hashlib.blake2b(text.encode(), digest_size=max(n, 16)).digest()[:n].translate(_ALNUM_OF_BYTE).decode()


def envelope(app: SlackApp, world: World, feed: Feed, ev: Event) -> dict[str, Any]:
    n = feed.next("slack-event")
    return {"token": app.verification_token, "team_id": app.team_id, "context_team_id": app.team_id,
            "context_enterprise_id": None, "api_app_id": app.api_app_id, "event": ev.data, "type": "event_callback",
            "event_id": "Ev" + _letters(f"{world.id}\0event\0{n}"), "event_time": int(ev.t),
            "authorizations": [{"enterprise_id": None, "team_id": app.team_id, "user_id": app.bot_user,
                                "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": "4-" + _letters(f"{world.id}\0ctx\0{n}", 40)}


def _member(world: World, app: SlackApp, channel: Any) -> bool:
    s: Any = world.ctx("slack").state
    ch = s.channels.get(str(channel or ""))
    return ch is not None and app.bot_user in ch.members


def _wanted(world: World, app: SlackApp, ev: Event) -> bool:
    if not app.subscribed(ev):
        return False
    data = ev.data
    if ev.type == "message":
        return _member(world, app, data.get("channel"))
    if ev.type == "app_mention":
        return app.bot_user in ev.to
    if ev.type == "reaction_added":
        return _member(world, app, (data.get("item") or {}).get("channel"))
    if ev.type == "member_joined_channel":
        return _member(world, app, data.get("channel"))
    return True


def route_slack(d: Deliveries, world: World, feed: Feed, ev: Event) -> list[tuple[Any, Delivery]]:
    app = feed.slack
    if app is None:
        return []
    if ev.type == "block_actions":
        return _interaction(d, world, feed, app, ev)
    if not app.request_url or app.verified is False or not _wanted(world, app, ev):
        return []
    out: list[tuple[Any, Delivery]] = []
    if app.verified is None and not app.pending:
        app.pending = True
        check = verification(app)

        def answered(a: Answer) -> None:
            app.verified = app.challenge_answered(a.status, a.text)
            app.pending = False

        check.then = answered
        out.append((("slack", "events"), check))
    env = envelope(app, world, feed, ev)
    out.append((("slack", "events"), Delivery("slack", f"deliver:{ev.type}", app.request_url, orjson.dumps(env), env,
                                               {"Content-Type": "application/json"}, EVENTS, hidden=HIDDEN,
                                               sign=app.sign, gate=lambda: app.verified is True)))
    return out


def _interaction(d: Deliveries, world: World, feed: Feed, app: SlackApp, ev: Event) -> list[tuple[Any, Delivery]]:
    if not app.interactivity_url:
        return []
    data = completed(world, feed, ev)
    url = str(data.get("response_url", ""))
    placeholder = url.rsplit("/", 1)[-1]
    swaps: list[tuple[str, str]] = []
    args = feed.grants.get(placeholder)
    if d.hub is not None and args is not None and d.hub.worlds.get(world.id) is world:
        swaps = d.hub.seal(world, "slack", [Grant(placeholder, ("actions.respond",), dict(args))])
    return [(("slack", "interactivity"), Delivery(
        "slack", "deliver:block_actions", app.interactivity_url, orjson.dumps(data), data,
        {"Content-Type": "application/x-www-form-urlencoded"}, ONCE, hidden=HIDDEN, sign=app.sign,
        form_key="payload", swaps=swaps))]


def _buttons(blocks: Any) -> Iterable[tuple[str, dict[str, Any]]]:
    """(block_id, element) for every button in a message's blocks."""
    for i, block in enumerate(blocks or ()):
        if not isinstance(block, Mapping):
            continue
        bid = str(block.get("block_id") or _opaque("block", i, n=5))
        elements = list(block.get("elements") or ()) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), Mapping):
            elements.append(block["accessory"])
        for el in elements:
            if isinstance(el, Mapping) and el.get("type") == "button":
                yield bid, dict(el)


def payload(world: World, feed: Feed, user: str, channel: str, ts: str, action: dict[str, Any]) -> dict[str, Any]:
    """The block_actions payload of `user`'s click (`action`) on message `ts` of `channel`, with a
    response_url the world knows as a placeholder (the door swaps in a secret when it sends it)."""
    ctx = world.ctx("slack")
    s: Any = ctx.state
    u = s.users.get(user)
    ch = s.channels.get(channel)
    msg = next((m for m in reversed(ch.messages) if m.ts == ts), None) if ch is not None else None
    now = world.env.now
    n = feed.next("click")
    placeholder = "dtu" + _opaque(world.id, channel, ts, user, n, n=32).lower()
    feed.grants[placeholder] = {"channel": channel, "ts": ts, "user": user, "bot": msg.user if msg else "",
                                "expires": repr(now + LIFETIME)}
    app = feed.slack
    name = u.name if u is not None else user
    return {
        "type": "block_actions",
        "user": {"id": user, "username": name, "name": name, "team_id": s.team_id},
        "api_app_id": app.api_app_id if app else "", "token": app.verification_token if app else "",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": f"{int(now)}.{_opaque(world.id, 'trigger', n, n=12)}",
        "team": {"id": s.team_id, "domain": s.domain}, "enterprise": None, "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage" if ch is None or ch.is_im else ch.name},
        "message": message_of(ctx, channel, ts), "state": {"values": {}},
        "response_url": f"{BASE}/actions/{placeholder}", "actions": [action],
    }


def completed(world: World, feed: Feed, ev: Event) -> dict[str, Any]:
    """A block_actions event's payload in full: people's clicks (runner/life_actions.py) carry only
    who clicked what where."""
    data = ev.data
    if "response_url" in data:
        return data
    user = data.get("user")
    user = user.get("id") if isinstance(user, dict) else user or ev.actor
    channel = data.get("channel")
    channel = channel.get("id") if isinstance(channel, dict) else channel
    ts = str((data.get("message") or {}).get("ts") or (data.get("container") or {}).get("message_ts") or "")
    actions = data.get("actions") or [{}]
    return payload(world, feed, str(user), str(channel), ts, dict(actions[0]))


def block_actions(world: World, feed: Feed, user: str, channel: str, ts: str, action_id: str,
                  value: str | None) -> Event:
    """The event of a person's click: its data is the block_actions payload."""
    s: Any = world.ctx("slack").state
    u = s.users.get(user) or next((x for x in s.users.values() if x.email and x.email.lower() == user.lower()), None)
    if u is None:
        raise ValueError(f"no Slack user {user!r} in the world")
    ch = s.channels.get(channel)
    msg = next((m for m in reversed(ch.messages) if m.ts == ts), None) if ch is not None else None
    if ch is None or msg is None:
        raise ValueError(f"no message {ts} in channel {channel}")
    found = next(((bid, el) for bid, el in _buttons(msg.blocks) if el.get("action_id") == action_id), None)
    if found is None:
        raise ValueError(f"message {ts} has no button {action_id!r}")
    bid, button = found
    action: dict[str, Any] = {"action_id": action_id, "block_id": bid, "text": button.get("text"),
                              "value": value if value is not None else button.get("value"), "type": "button",
                              "action_ts": f"{world.env.now:.6f}"}
    if button.get("style"):
        action["style"] = button["style"]
    if action["value"] is None:
        del action["value"]
    data = payload(world, feed, u.id, ch.id, ts, action)
    return Event("slack", "block_actions", world.env.now, u.id, data, by=u.email or u.id, to=(msg.user,))
