"""Event hooks (`/api/v1/eventHooks`): register an endpoint for System Log event types, verify it
(Okta's one-time GET with `X-Okta-Verification-Challenge`), activate, deactivate, delete.

Okta POSTs the subscribed events only to hooks that are VERIFIED and ACTIVE (runner/deliver_hooks.py).
The verification request is made by the HTTP door before this twin's verify operation runs
(runner/deliver.py, `Deliveries.prepare`), which hands the operation its outcome; the twin itself
does no I/O. A hook's URI must be on this machine (twins/core/hooks.py)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import NoParams
from ..core.hooks import LOOPBACK_HINT, loopback
from .common import S, admin, base, new_id, ops
from .errors import OktaError, found, validation
from .events import ELIGIBLE
from .state import EventHook, OktaState
from .syslog import emit, target

HOOKS = "/api/v1/eventHooks"
HOOK = "/api/v1/eventHooks/{eventHookId}"
MAX_HOOKS = 25  # active and verified at once


def hook_json(h: EventHook, root: str) -> dict[str, Any]:
    href = f"{root}{HOOKS}/{h.id}"
    config: dict[str, Any] = {"uri": h.uri, "headers": [dict(x) for x in h.headers], "method": "POST"}
    if h.auth_key is not None:
        config["authScheme"] = {"type": "HEADER", "key": h.auth_key}
    links: dict[str, Any] = {"self": {"href": href, "hints": {"allow": ["GET", "PUT", "DELETE"]}},
                             "verify": {"href": f"{href}/lifecycle/verify", "hints": {"allow": ["POST"]}}}
    flip = "deactivate" if h.status == "ACTIVE" else "activate"
    links[flip] = {"href": f"{href}/lifecycle/{flip}", "hints": {"allow": ["POST"]}}
    return {"id": h.id, "status": h.status, "verificationStatus": h.verification, "name": h.name,
            "description": h.description, "created": h.created, "createdBy": h.created_by,
            "lastUpdated": h.last_updated,
            "events": {"type": "EVENT_TYPE", "items": list(h.events)},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": config}, "_links": links}


class HookBody(msgspec.Struct, rename="camel"):
    name: Any = None
    events: Any = None
    channel: Any = None
    description: Any = None


def _parse(s: OktaState, p: HookBody) -> tuple[str, list[str], str, str | None, str | None, list[dict[str, str]]]:
    """(name, event types, uri, auth header name, auth value, extra headers), or Okta's E0000001."""
    if not isinstance(p.name, str) or not p.name.strip():
        raise validation("name: The field cannot be left blank", field="name")
    ev = p.events if isinstance(p.events, dict) else {}
    if ev.get("type", "EVENT_TYPE") != "EVENT_TYPE":
        raise validation("events.type: Only EVENT_TYPE subscriptions are supported", field="events")
    items = ev.get("items")
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise validation("events.items: The field cannot be left blank", field="events")
    bad = [x for x in items if x not in ELIGIBLE]
    if bad:
        raise validation(*(f"events.items: {x} is not an event type eligible for event hooks" for x in bad),
                         field="events")
    ch = p.channel if isinstance(p.channel, dict) else {}
    if ch.get("type", "HTTP") != "HTTP" or str(ch.get("version", "1.0.0")) != "1.0.0":
        raise validation("channel: Only HTTP channels of version 1.0.0 are supported", field="channel")
    got = ch.get("config")
    config: dict[str, Any] = got if isinstance(got, dict) else {}
    uri = config.get("uri")
    if not isinstance(uri, str) or not uri.strip():
        raise validation("channel.config.uri: The field cannot be left blank", field="channel.config.uri")
    if not loopback(uri):
        raise validation(f"channel.config.uri: The URI must be on this machine ({LOOPBACK_HINT})",
                         field="channel.config.uri")
    scheme = config.get("authScheme")
    auth: dict[str, Any] | None = scheme if isinstance(scheme, dict) else None
    key = value = None
    if auth is not None:
        if auth.get("type", "HEADER") != "HEADER" or not isinstance(auth.get("key"), str) \
                or not isinstance(auth.get("value"), str):
            raise validation("channel.config.authScheme: type HEADER with a key and a value is required",
                             field="channel.config.authScheme")
        key, value = auth["key"], auth["value"]
    headers: list[dict[str, str]] = []
    for h in config.get("headers") or ():
        if not isinstance(h, dict) or not isinstance(h.get("key"), str) or not isinstance(h.get("value"), str):
            raise validation("channel.config.headers: each header needs a key and a value",
                             field="channel.config.headers")
        headers.append({"key": h["key"], "value": h["value"]})
    return p.name.strip(), list(dict.fromkeys(items)), uri, key, value, headers


def _get(s: OktaState, hid: str) -> EventHook:
    return found(s.event_hooks, hid, "EventHook")


def _target(h: EventHook) -> dict[str, Any]:
    return target(h.id, "EventHook", h.name, h.uri)


@ops.op("list_event_hooks", "GET", HOOKS)
def list_event_hooks(ctx: S, p: NoParams) -> Any:
    """Every event hook of the org."""
    s = admin(ctx)
    root = base(ctx)
    return [hook_json(h, root) for h in s.event_hooks.values()]


@ops.op("create_event_hook", "POST", HOOKS)
def create_event_hook(ctx: S, p: HookBody) -> Any:
    """Register an event hook: `name`, `events: {type: "EVENT_TYPE", items: [event types]}`,
    `channel: {type: "HTTP", version: "1.0.0", config: {uri, authScheme?: {type: "HEADER", key,
    value}, headers?}}`. It starts ACTIVE and UNVERIFIED: verify it before it receives events."""
    s = admin(ctx)
    name, items, uri, key, value, headers = _parse(s, p)
    now = ctx.env.iso()
    h = EventHook(id=new_id(ctx, "who"), name=name, uri=uri, events=items, created=now, last_updated=now,
                  created_by=ctx.actor or "00tdtuapitoken000000", auth_key=key, auth_value=value, headers=headers,
                  description=p.description if isinstance(p.description, str) else None)
    s.event_hooks[h.id] = h
    emit(ctx, "event_hook.created", "Event hook created", [_target(h)])
    return hook_json(h, base(ctx))


class HookRef(msgspec.Struct, rename="camel"):
    event_hook_id: str


@ops.op("get_event_hook", "GET", HOOK)
def get_event_hook(ctx: S, p: HookRef) -> Any:
    """One event hook by id."""
    s = admin(ctx)
    return hook_json(_get(s, p.event_hook_id), base(ctx))


class ReplaceHook(HookBody, rename="camel"):
    event_hook_id: str = ""


@ops.op("replace_event_hook", "PUT", HOOK)
def replace_event_hook(ctx: S, p: ReplaceHook) -> Any:
    """Replace an event hook's name, events and channel (a new URI must be verified again)."""
    s = admin(ctx)
    h = _get(s, p.event_hook_id)
    name, items, uri, key, value, headers = _parse(s, p)
    if uri != h.uri:
        h.verification = "UNVERIFIED"
    h.name, h.events, h.uri, h.headers = name, items, uri, headers
    if key is not None:
        h.auth_key, h.auth_value = key, value
    h.description = p.description if isinstance(p.description, str) else None
    h.last_updated = ctx.env.iso()
    emit(ctx, "event_hook.updated", "Event hook updated", [_target(h)])
    return hook_json(h, base(ctx))


@ops.op("delete_event_hook", "DELETE", HOOK, status=204)
def delete_event_hook(ctx: S, p: HookRef) -> None:
    """Delete an event hook; it must be deactivated first."""
    s = admin(ctx)
    h = _get(s, p.event_hook_id)
    if h.status == "ACTIVE":
        raise OktaError("E0000001", "Api validation failed: eventHook", status=400,
                        causes=["Cannot delete an ACTIVE event hook. Deactivate it first."])
    del s.event_hooks[h.id]
    emit(ctx, "event_hook.deleted", "Event hook deleted", [_target(h)])
    return None


def _set_status(ctx: S, p: HookRef, status: str) -> Any:
    s = admin(ctx)
    h = _get(s, p.event_hook_id)
    if status == "ACTIVE" and h.status != "ACTIVE" and h.verification == "VERIFIED" and sum(
            1 for x in s.event_hooks.values() if x.status == "ACTIVE" and x.verification == "VERIFIED") >= MAX_HOOKS:
        raise validation(f"eventHook: An org can have at most {MAX_HOOKS} active and verified event hooks",
                         field="eventHook")
    if h.status != status:
        h.status = status
        h.last_updated = ctx.env.iso()
        emit(ctx, f"event_hook.{'activated' if status == 'ACTIVE' else 'deactivated'}",
             f"Event hook {'activated' if status == 'ACTIVE' else 'deactivated'}", [_target(h)])
    return hook_json(h, base(ctx))


@ops.op("activate_event_hook", "POST", HOOK + "/lifecycle/activate")
def activate_event_hook(ctx: S, p: HookRef) -> Any:
    """Activate an event hook (it receives events once it is also VERIFIED)."""
    return _set_status(ctx, p, "ACTIVE")


@ops.op("deactivate_event_hook", "POST", HOOK + "/lifecycle/deactivate")
def deactivate_event_hook(ctx: S, p: HookRef) -> Any:
    """Deactivate an event hook: no events are sent to it until it is activated again."""
    return _set_status(ctx, p, "INACTIVE")


class Verify(HookRef, rename="camel"):
    verification: str = ""
    """Set by the door, never by the caller: VERIFIED, or why the endpoint failed the challenge."""


@ops.op("verify_event_hook", "POST", HOOK + "/lifecycle/verify", tool=False)
def verify_event_hook(ctx: S, p: Verify) -> Any:
    """Verify an event hook: Okta sends its endpoint a GET with `X-Okta-Verification-Challenge`, and
    the endpoint must answer `{"verification": <the challenge>}`. VERIFIED on success; E0000001
    (the hook stays UNVERIFIED) when the endpoint does not answer the challenge."""
    s = admin(ctx)
    h = _get(s, p.event_hook_id)
    if p.verification != "VERIFIED":
        why = p.verification or "the verification request was not made (no delivery service)"
        raise validation(f"Verification failed: {why}", field="eventHook")
    h.verification = "VERIFIED"
    h.last_updated = ctx.env.iso()
    emit(ctx, "event_hook.verified", "Event hook verified", [_target(h)])
    return hook_json(h, base(ctx))
