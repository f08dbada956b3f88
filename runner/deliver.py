"""Deliveries: a world's events pushed to an agent's HTTP endpoints, in each vendor's envelope.

    deliveries = Deliveries(hub=hub)
    app = deliveries.slack_app(world, request_url=..., interactivity_url=..., events=["message"])
    await deliveries.verify_slack(world)                # Slack's url_verification (else done lazily)
    deliveries.listener(world)                          # Jira webhooks, Okta event hooks, Drive channels
    ...                                                 # the world's calls cause events; they are sent
    await deliveries.drain(world); await deliveries.close()

What goes where (runner/deliver_slack.py, runner/deliver_hooks.py):
- Slack: `event_callback` envelopes to the app's request URL, signed (`X-Slack-Signature`,
  `X-Slack-Request-Timestamp`) with its signing secret, only the event types it subscribed to and
  message events only in conversations its bot user is in; people's button clicks as signed
  `block_actions` payloads to its interactivity URL, with a working `response_url`.
- Jira: webhook bodies to the dynamic webhooks the world registered (state.webhooks).
- Okta: event hook deliveries to VERIFIED, ACTIVE hooks (state.event_hooks).
- Drive: notifications to watch channels (state.channels), `sync` first.

The world's listener only enqueues (listeners run inside dispatch, synchronously); an asyncio task
per subscription sends in order, retrying as the vendor does. Every attempt is a `Call` in the
world's log (`actor="dtu"`, op `deliver:<event type>`, args {url, headers without secrets, body},
the agent's status, 0 for a timeout or a refused connection, and its answer's first 4 KB).

Deliveries only go to `http://` URLs on this machine's loopback (twins/core/hooks.py): the twins
refuse anything else at registration and this module checks again before each request, follows no
redirect, and keeps its connections alive (runner/deliver_wire.py); a sandboxed agent in a network
namespace of its own is reached through sockets made there: `listener(world, socket_factory=...)`."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dtu.twins.core import Call, Event, World
from dtu.twins.core.hooks import loopback

from .deliver_wire import Client, SocketFactory, WireError
from .hub import BASE, swap, swap_text

if TYPE_CHECKING:
    from .deliver_slack import SlackApp
    from .hub import Hub

log = logging.getLogger(__name__)
MAX_ANSWER = 4096
Prepare = Callable[[World, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Policy:
    """How a vendor sends: its timeout, the waits before each retry, which answers it retries (a
    status; 0 is a timeout or a failed connection) and the headers a retry carries."""

    timeout: float
    delays: tuple[float, ...]
    retry: Callable[[int], bool]
    retry_headers: Callable[[int, str], dict[str, str]] = lambda n, reason: {}
    stop: Callable[[Mapping[str, str]], bool] = lambda headers: False
    """Whether an answer's headers ask not to retry (Slack's X-Slack-No-Retry)."""


@dataclass(slots=True)
class Delivery:
    """One request to send (with its retries)."""

    twin: str
    op: str  # deliver:<event type>
    url: str
    body: bytes  # as the world knows it: BASE and capability placeholders unswapped
    record: Any  # the body as the call log keeps it
    headers: dict[str, str]
    policy: Policy
    method: str = "POST"
    hidden: frozenset[str] = frozenset()  # header names (lower case) the log leaves out
    sign: Callable[[bytes, dict[str, str]], None] | None = None  # per attempt, over the bytes sent
    form_key: str | None = None  # send `key=<body>` form-encoded (Slack interactivity)
    swaps: list[tuple[str, str]] = field(default_factory=list)  # capability (placeholder, secret) pairs
    gate: Callable[[], bool] | None = None  # checked before sending: False drops it unsent
    then: Callable[[Answer], None] | None = None  # told the last answer


@dataclass(slots=True)
class Answer:
    status: int  # 0: timeout, refused, no connection
    text: str
    reason: str  # "", http_error, http_timeout, connection_failed, too_many_redirects
    headers: Mapping[str, str]


@dataclass(eq=False)
class Feed:
    """What a Deliveries keeps for one world. It holds no reference to the world (the world's
    listener holds it), so a world and its deliveries make no reference cycle."""

    world_id: str
    factory: SocketFactory | None = None  # the requests' sockets come from it (an agent's namespace)
    queues: dict[Any, deque[tuple[World, Delivery]]] = field(default_factory=dict)
    tasks: dict[Any, asyncio.Task[None]] = field(default_factory=dict)
    slack: SlackApp | None = None
    counters: dict[Any, int] = field(default_factory=dict)
    grants: dict[str, dict[str, str]] = field(default_factory=dict)  # response_url placeholder -> args

    def next(self, key: Any) -> int:
        n = self.counters.get(key, 0) + 1
        self.counters[key] = n
        return n


class Listener:
    """The callable a Deliveries adds to `world.listeners`: routes each event to its deliveries."""

    def __init__(self, owner: Deliveries, feed: Feed) -> None:
        self.owner = owner
        self.feed = feed

    def __call__(self, world: World, ev: Event) -> None:
        try:
            self.owner.route(world, self.feed, ev)
        except Exception:  # a delivery's bug must not fail the call that caused the event
            log.exception("dtu: could not route %s event %s of world %s", ev.twin, ev.type, world.id)


def _listener_of(world: World) -> Listener | None:
    return next((fn for fn in world.listeners if isinstance(fn, Listener)), None)


class Deliveries:
    """Event deliveries of many worlds; `hub` (the HTTP door's) lets Slack's response_url work and
    swaps the door's address into what is sent. `retry_scale` multiplies the vendors' retry waits
    (1.0: as they document them)."""

    def __init__(self, *, hub: Hub | None = None, retry_scale: float = 1.0) -> None:
        from .deliver_hooks import route_hooks
        from .deliver_slack import route_slack

        self._route_slack, self._route_hooks = route_slack, route_hooks  # imported here once, not per event
        self.hub = hub
        self.client = Client()
        self._clients: dict[SocketFactory, Client] = {}  # per socket factory given
        self.retry_scale = retry_scale
        self.feeds: weakref.WeakSet[Feed] = weakref.WeakSet()
        """Its worlds' feeds, while a world's listener (or a delivery under way) holds one."""
        self.closed = False

    # -- wiring -------------------------------------------------------------------------------
    def attach(self, hub: Hub) -> None:
        """Serve `hub`'s worlds: the HTTP door runs `prepare` before the operations that need it
        (Okta's verification request; attaching a world that registers a webhook)."""
        from .deliver_hooks import PREPARES

        self.hub = hub
        hub.deliveries = self
        for key in PREPARES:
            hub.prepare[key] = self._preparer(key)

    def _preparer(self, key: tuple[str, str]) -> Prepare:
        async def run(world: World, args: dict[str, Any]) -> None:
            await self.prepare(world, key[0], key[1], args)

        return run

    async def prepare(self, world: World, twin: str, op: str, args: dict[str, Any]) -> None:
        """What must happen before `op` runs with `args` (the HTTP door does it; an in-process
        caller that wants the same calls it): Okta's verify makes the verification request and
        hands the operation its outcome; a webhook registration attaches the world's listener."""
        from .deliver_hooks import PREPARES

        step = PREPARES.get((twin, op))
        if step is not None:
            await step(self, world, args)

    def listener(self, world: World, *, socket_factory: SocketFactory | None = None) -> Listener:
        """Start delivering `world`'s events (idempotent): its Slack app's, its Jira webhooks', Okta
        event hooks' and Drive channels'. `socket_factory` makes the sockets its requests go
        through (aiohttp's `socket_factory` signature: it gets the address info and returns a
        socket), for an agent in a network namespace of its own. A world is served by the first
        Deliveries that attaches to it; another's listener is returned as it is."""
        fn = _listener_of(world)
        if fn is not None:
            if socket_factory is not None:
                fn.feed.factory = socket_factory
            return fn
        feed = Feed(world.id, socket_factory)
        self.feeds.add(feed)
        fn = Listener(self, feed)
        world.listeners.append(fn)
        return fn

    def served(self, world: World) -> Feed:
        """The feed the world's events go through (this object's, attached now if none is)."""
        return self.listener(world).feed

    def slack_app(self, world: World, *, request_url: str | None = None, interactivity_url: str | None = None,
                  events: Iterable[str] = (), bot_user: str | None = None, signing_secret: str | None = None,
                  app_id: str | None = None, verification_token: str | None = None) -> SlackApp:
        """Configure the agent's Slack app in `world` (and start delivering): its Events API request
        URL and the event types it subscribes to, its interactivity URL, its bot user (default: the
        world's Slack actor). Its signing secret, app id and verification token are made here (a
        CSPRNG) unless given. Configuring it again keeps its credentials (as changing an app's
        settings does) unless new ones are given. The request URL is verified (url_verification) by
        `verify_slack`, or before the first event is sent (unless the caller verified it for every
        world and set the app's `verified`). Raises ValueError for a URL not on this machine."""
        from .deliver_slack import make_app

        feed = self.served(world)
        feed.slack = make_app(world, self.hub, request_url=request_url, interactivity_url=interactivity_url,
                              events=events, bot_user=bot_user, signing_secret=signing_secret, app_id=app_id,
                              previous=feed.slack, verification_token=verification_token)
        return feed.slack

    async def verify_slack(self, world: World) -> bool:
        """Slack's url_verification of the app's request URL: whether the endpoint echoed the
        challenge (only then are events sent to it)."""
        from .deliver_slack import verification

        feed = self.served(world)
        app = feed.slack
        if app is None or not app.request_url:
            return False
        answer = await self.send(world, feed, verification(app))
        app.verified = app.challenge_answered(answer.status, answer.text)
        return app.verified

    def click(self, world: World, user: str, channel: str, ts: str, action_id: str, *,
              value: str | None = None) -> dict[str, Any]:
        """A person clicks the button `action_id` of the message `ts` in `channel` (a message with
        blocks a bot posted): a `block_actions` event (people's rules see it too) whose payload is
        sent, signed, to the Slack app's interactivity URL, with a response_url that answers in the
        world. `user` is a Slack user id or email. Returns the payload; ValueError when there is no
        such button."""
        from .deliver_slack import block_actions

        feed = self.served(world)
        ev = block_actions(world, feed, user, channel, ts, action_id, value)
        world.emit([ev], ev.by)
        return ev.data

    # -- sending ------------------------------------------------------------------------------
    def route(self, world: World, feed: Feed, ev: Event) -> None:
        """Enqueue the deliveries an event causes (the listener: synchronous, no I/O)."""
        if self.closed:
            return
        route = self._route_slack if ev.twin == "slack" else self._route_hooks
        routed = route(self, world, feed, ev)
        for key, d in routed:
            self.enqueue(world, feed, key, d)

    def enqueue(self, world: World, feed: Feed, key: Any, d: Delivery) -> None:
        q = feed.queues.get(key)
        if q is None:
            q = feed.queues[key] = deque()
        q.append((world, d))
        if key not in feed.tasks:
            feed.tasks[key] = asyncio.get_running_loop().create_task(self._work(feed, key))

    async def _work(self, feed: Feed, key: Any) -> None:
        q = feed.queues[key]
        try:
            while q:
                world, d = q.popleft()
                if d.gate is not None and not d.gate():
                    continue
                try:
                    answer = await self.send(world, feed, d)
                except Exception as e:  # a bug here must not stop the world's other deliveries
                    answer = Answer(0, f"{type(e).__name__}: {e}", "unknown_error", {})
                if d.then is not None:
                    d.then(answer)
        finally:
            feed.tasks.pop(key, None)
            if not q:
                feed.queues.pop(key, None)

    async def send(self, world: World, feed: Feed, d: Delivery) -> Answer:
        """Send with the vendor's retries, logging each attempt in `world`; the last answer."""
        attempt = 0
        while True:
            answer = await self._attempt(world, feed, d, attempt)
            if 200 <= answer.status < 300 or not d.policy.retry(answer.status) or d.policy.stop(answer.headers) \
                    or attempt >= len(d.policy.delays):
                return answer
            wait = d.policy.delays[attempt] * self.retry_scale
            attempt += 1
            d.headers.update(d.policy.retry_headers(attempt, answer.reason))
            if wait > 0:
                await asyncio.sleep(wait)

    async def _attempt(self, world: World, feed: Feed, d: Delivery, attempt: int) -> Answer:
        swaps = list(d.swaps)
        if self.hub is not None and self.hub.base_url:
            swaps.append((BASE, self.hub.base_url))
        body = swap(d.body, swaps)
        if d.form_key is not None:
            from urllib.parse import urlencode

            body = urlencode({d.form_key: body.decode()}).encode()
        headers = {k: swap_text(v, swaps) for k, v in d.headers.items()}
        if d.sign is not None:
            d.sign(body, headers)
        answer = await self._request(feed, d.method, d.url, headers, body if d.method != "GET" else None,
                                     d.policy.timeout)
        shown = {k: v for k, v in headers.items() if k.lower() not in d.hidden}
        world.calls.append(Call(d.twin, d.op, {"url": d.url, "headers": shown, "body": d.record}, answer.status,
                                answer.text, world.env.now, None, "dtu"))
        return answer

    async def _request(self, feed: Feed, method: str, url: str, headers: dict[str, str], body: bytes | None,
                       timeout: float) -> Answer:
        if not is_loopback(url):
            return Answer(0, "refused: deliveries go to http:// URLs on this machine only", "connection_failed", {})
        client = self.client
        if feed.factory is not None:  # one client per factory, shared by the worlds that name it
            client = self._clients.get(feed.factory) or self._clients.setdefault(feed.factory, Client(feed.factory))
        try:
            status, got, raw = await client.request(method, url, headers, body, timeout, MAX_ANSWER)
        except TimeoutError:
            return Answer(0, "timeout", "http_timeout", {})
        except (WireError, OSError) as e:
            text = str(e) if isinstance(e, WireError) else f"{type(e).__name__}: {e}"
            return Answer(0, text[:MAX_ANSWER], "connection_failed", {})
        reason = "" if 200 <= status < 300 else ("too_many_redirects" if 300 <= status < 400 else "http_error")
        return Answer(status, raw.decode("utf-8", "replace"), reason, got)

    # -- ending ---------------------------------------------------------------------------------
    async def drain(self, world: World) -> None:
        """Wait until the deliveries queued for `world` (and those they cause) have been sent."""
        fn = _listener_of(world)
        while fn is not None and fn.feed.tasks:
            await asyncio.gather(*list(fn.feed.tasks.values()), return_exceptions=True)

    def forget(self, world: World) -> None:
        """Stop delivering `world`'s events: its listener goes, queued deliveries are dropped."""
        fn = _listener_of(world)
        if fn is None or fn.owner is not self:
            return
        world.listeners.remove(fn)
        self.feeds.discard(fn.feed)
        for task in fn.feed.tasks.values():
            task.cancel()

    async def release(self, key: Any) -> None:
        """Close the connections made through a socket factory no world uses any more (a
        program's network namespace, at the end of its trial)."""
        client = self._clients.pop(key, None)
        if client is not None:
            await client.close()

    async def close(self) -> None:
        """Cancel what is still queued and close the connections this object opened."""
        self.closed = True
        feeds = list(self.feeds)
        tasks = [t for feed in feeds for t in feed.tasks.values()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in self._clients.values():  # the worlds keep their listeners, which route nothing now
            await client.close()
        self._clients.clear()
        await self.client.close()
        self.feeds.clear()


is_loopback = functools.lru_cache(maxsize=1024)(loopback)  # a pure function of the URL; the same few URLs




def wall_time() -> int:
    """Seconds since the epoch on the wall clock (what signatures are checked against)."""
    return int(time.time())
