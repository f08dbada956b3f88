"""Jira webhooks, Okta event hooks and Drive push notifications: which registrations an event
reaches, the request each gets, and the vendor's retries.

- Jira (https://developer.atlassian.com/cloud/jira/platform/webhooks/): the webhook body
  (twins/jira/events.py) with `matchedWebhookIds`, once per URL, to the dynamic webhooks that
  subscribe to the event, have not expired and whose JQL filter (and fieldIdsFilter, for
  updates) matches the issue; headers `X-Atlassian-Webhook-Identifier` (the same on retries),
  `X-Atlassian-Webhook-Flow: Primary`, and `X-Atlassian-Webhook-Retry: <n>` on a retry. Jira
  retries a 408, 409, 425, 429, 5xx, a timeout or a failed connection, up to 5 times, within
  about half an hour.
- Okta (https://developer.okta.com/docs/concepts/event-hooks/): `{eventType: "com.okta.event_hook",
  eventTypeVersion, cloudEventsVersion, source, eventId, data: {events: [LogEvent]}, eventTime,
  contentType}` to each ACTIVE and VERIFIED hook subscribed to the event type, with its
  authorization header and custom headers; 3-second timeout, at most one retry, none for a 4xx.
  The one-time verification request (GET with `X-Okta-Verification-Challenge`; the endpoint
  answers `{"verification": <challenge>}`) is made before the verify operation runs.
- Drive (https://developers.google.com/workspace/drive/api/guides/push): an empty POST per
  notification with X-Goog-Channel-ID, X-Goog-Channel-Token (when set), X-Goog-Channel-Expiration,
  X-Goog-Resource-ID, X-Goog-Resource-URI, X-Goog-Resource-State (`sync` when the channel opens;
  then `update`, `trash` or `remove` for a watched file, `change` for changes.watch) and
  X-Goog-Message-Number; retried with exponential backoff on 500, 502, 503, 504."""

from __future__ import annotations

import email.utils
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson

from dtu.twins.core import Event, World
from dtu.twins.google.events import visible
from dtu.twins.jira.jql import JqlError
from dtu.twins.jira.jql_eval import compile_query

from .deliver import Delivery, Feed, Policy

if TYPE_CHECKING:
    from .deliver import Deliveries

JIRA = Policy(10.0, (60.0, 120.0, 300.0, 600.0, 900.0),
              lambda st: st in (0, 408, 409, 425, 429) or st >= 500,
              lambda n, reason: {"X-Atlassian-Webhook-Retry": str(n)})
OKTA = Policy(3.0, (5.0,), lambda st: st == 0 or st >= 500)
DRIVE = Policy(10.0, (1.0, 2.0, 4.0, 8.0, 16.0), lambda st: st in (500, 502, 503, 504))


def _uuid(*parts: object) -> str:
    h = hashlib.blake2b("\0".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _root(world: World, fallback: str) -> str:
    return world.env.base_url or fallback


# -- Jira ---------------------------------------------------------------------------------------------

def _jira(d: Deliveries, world: World, feed: Feed, ev: Event) -> list[tuple[Any, Delivery]]:
    s: Any = world.ctx("jira").state
    if not s.webhooks:
        return []
    now = world.env.now
    issue = ev.data.get("issue") or {}
    iss = s.issues.get(str(issue.get("id", "")))
    fields = {str(i.get("field")) for i in (ev.data.get("changelog") or {}).get("items") or ()} | {
        str(i.get("fieldId")) for i in (ev.data.get("changelog") or {}).get("items") or ()}
    urls: dict[str, list[int]] = {}
    for h in sorted(s.webhooks.values(), key=lambda h: h.id):
        if h.expires <= now or ev.type not in h.events:
            continue
        if ev.type == "jira:issue_updated" and h.field_ids is not None and not fields & set(h.field_ids):
            continue
        if iss is not None:
            try:
                if not compile_query(h.jql, s, h.owner, now).match(iss):
                    continue
            except JqlError:
                continue
        urls.setdefault(h.url, []).append(h.id)
    out: list[tuple[Any, Delivery]] = []
    for url, ids in urls.items():
        body = {**ev.data, "matchedWebhookIds": ids}
        n = feed.next("jira-webhook")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Atlassian Webhook HTTP Client",
                   "X-Atlassian-Webhook-Identifier": str(10000 + n), "X-Atlassian-Webhook-Flow": "Primary"}
        out.append((("jira", url), Delivery("jira", f"deliver:{ev.type}", url, orjson.dumps(body), body, headers,
                                            JIRA)))
    return out


# -- Okta ---------------------------------------------------------------------------------------------

def _okta_headers(h: Any) -> tuple[dict[str, str], frozenset[str]]:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    for x in h.headers:
        headers[x["key"]] = x["value"]
    hidden: frozenset[str] = frozenset()
    if h.auth_key is not None and h.auth_value is not None:
        headers[h.auth_key] = h.auth_value
        hidden = frozenset((h.auth_key.lower(),))
    return headers, hidden


def _okta(d: Deliveries, world: World, feed: Feed, ev: Event) -> list[tuple[Any, Delivery]]:
    s: Any = world.ctx("okta").state
    out: list[tuple[Any, Delivery]] = []
    for h in s.event_hooks.values():
        if h.status != "ACTIVE" or h.verification != "VERIFIED" or ev.type not in h.events:
            continue
        n = feed.next(("okta", h.id))
        body = {"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
                "source": f"{_root(world, f'https://{s.org}.okta.com')}/api/v1/eventHooks/{h.id}",
                "eventId": _uuid(world.id, h.id, n), "data": {"events": [ev.data]},
                "eventTime": world.env.iso(), "contentType": "application/json"}
        headers, hidden = _okta_headers(h)
        out.append((("okta", h.id), Delivery("okta", f"deliver:{ev.type}", h.uri, orjson.dumps(body), body,
                                             headers, OKTA, hidden=hidden)))
    return out


async def verify_okta(d: Deliveries, world: World, args: dict[str, Any]) -> None:
    """Okta's one-time verification request, before verify_event_hook runs: the operation is told
    VERIFIED, or why not (whatever the caller sent in its place is dropped)."""
    args.pop("verification", None)
    s: Any = world.ctx("okta").state
    h = s.event_hooks.get(str(args.get("eventHookId", "")))
    if h is None:
        return
    feed = d.served(world)
    challenge = secrets.token_urlsafe(24)
    headers, hidden = _okta_headers(h)
    headers.pop("Content-Type", None)
    headers["X-Okta-Verification-Challenge"] = challenge
    answer = await d.send(world, feed, Delivery("okta", "deliver:verification", h.uri, b"", None, headers,
                                         Policy(3.0, (), lambda st: False), method="GET", hidden=hidden))
    try:
        got = orjson.loads(answer.text) if answer.text else None
    except orjson.JSONDecodeError:
        got = None
    if answer.status == 200 and isinstance(got, dict) and got.get("verification") == challenge:
        args["verification"] = "VERIFIED"
    elif answer.status != 200:
        args["verification"] = f"the endpoint answered {answer.status or answer.text}"
    else:
        args["verification"] = "the endpoint did not answer {\"verification\": <the challenge>}"


# -- Drive --------------------------------------------------------------------------------------------

def _notify(feed: Feed, ch: Any, state: str) -> Delivery:
    n = feed.next(("drive", ch.resource_id, ch.id))
    expires = email.utils.formatdate(ch.expiration / 1000, usegmt=True)
    headers = {"X-Goog-Channel-ID": ch.id, "X-Goog-Channel-Expiration": expires,
               "X-Goog-Resource-ID": ch.resource_id, "X-Goog-Resource-URI": ch.resource_uri,
               "X-Goog-Resource-State": state, "X-Goog-Message-Number": str(n)}
    if ch.token:
        headers["X-Goog-Channel-Token"] = ch.token
    return Delivery("google", f"deliver:{state}", ch.address, b"", None, headers, DRIVE)


def _drive(d: Deliveries, world: World, feed: Feed, ev: Event) -> list[tuple[Any, Delivery]]:
    s: Any = world.ctx("google").state
    now_ms = int(world.env.now * 1000)
    out: list[tuple[Any, Delivery]] = []
    for ch in s.channels.values():
        if ch.expiration <= now_ms:
            continue
        key = ("google", ch.resource_id, ch.id)
        if ev.type == "api#channel":
            if ev.data.get("resourceId") == ch.resource_id and ev.data.get("id") == ch.id:
                out.append((key, _notify(feed, ch, "sync")))
            continue
        if ch.file_id:
            if ev.data.get("fileId") != ch.file_id:
                continue
            f = s.files.get(ch.file_id)
            state = "remove" if ev.data.get("removed") or f is None else ("trash" if f.trashed else "update")
            out.append((key, _notify(feed, ch, state)))
        elif visible(s, ev.data, ch.owner):
            out.append((key, _notify(feed, ch, "change")))
    return out


def route_hooks(d: Deliveries, world: World, feed: Feed, ev: Event) -> list[tuple[Any, Delivery]]:
    if ev.twin == "jira":
        return _jira(d, world, feed, ev)
    if ev.twin == "okta":
        return _okta(d, world, feed, ev)
    if ev.twin == "google":
        return _drive(d, world, feed, ev)
    return []


async def _attach(d: Deliveries, world: World, args: dict[str, Any]) -> None:
    d.listener(world)


PREPARES: dict[tuple[str, str], Callable[[Deliveries, World, dict[str, Any]], Awaitable[None]]] = {
    ("okta", "verify_event_hook"): verify_okta,
    ("okta", "create_event_hook"): _attach,
    ("jira", "webhook.register"): _attach,
    ("google", "drive.files.watch"): _attach,
    ("google", "drive.changes.watch"): _attach,
}
"""What the HTTP door does before these operations run (Deliveries.prepare)."""
