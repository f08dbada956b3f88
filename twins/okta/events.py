"""Okta events: the System Log events a successful call wrote (syslog.py), each as one element of an
event hook's `data.events`, for the event types Okta lets event hooks deliver.

https://developer.okta.com/docs/concepts/event-hooks/ : an event hook delivers LogEvent objects,
the System Log's own shape; Okta's sample delivery also carries `device`, `insertionTimestamp` and
the client's `ipChain`, which the copy handed to hooks adds. `to` names the users the event is
about (the User targets)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from ..core.events import Event
from ..core.hooks import added
from ..core.ops import Ctx, Reply
from .state import OktaState

ELIGIBLE = frozenset((
    "user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.deactivate", "user.lifecycle.suspend",
    "user.lifecycle.unsuspend", "user.lifecycle.reactivate", "user.lifecycle.delete.initiated",
    "user.lifecycle.delete.completed", "user.account.lock", "user.account.unlock", "user.account.update_profile",
    "user.account.reset_password", "user.account.update_password", "user.account.expire_password",
    "user.account.privilege.grant", "user.account.privilege.revoke", "user.mfa.factor.activate",
    "user.mfa.factor.deactivate", "group.user_membership.add", "group.user_membership.remove",
    "group.lifecycle.create", "group.lifecycle.delete", "group.profile.update",
    "group.application_assignment.add", "group.application_assignment.remove",
    "application.lifecycle.create", "application.lifecycle.activate", "application.lifecycle.deactivate",
    "application.lifecycle.delete", "application.user_membership.add", "application.user_membership.remove",
    "application.user_membership.update", "user.session.start",
))
"""Event types an event hook may subscribe to: those of Okta's event-hook-eligible catalog
(https://developer.okta.com/docs/reference/api/event-types/?q=event-hook-eligible) this twin writes,
or could (delete.completed, lock, session.start)."""


_ENCODE = msgspec.msgpack.Encoder().encode
_DECODE = msgspec.msgpack.Decoder().decode


def hook_event(log: dict[str, Any]) -> dict[str, Any]:
    """A System Log event as an event hook delivers it (a copy: state is never handed out)."""
    ev: dict[str, Any] = _DECODE(_ENCODE(log))  # a deep copy, several times faster than copy.deepcopy
    client = ev.get("client")
    if isinstance(client, dict) and "ipChain" not in client:
        client["ipChain"] = _DECODE(_ENCODE((ev.get("request") or {}).get("ipChain") or []))
    ev.setdefault("device", None)
    ev.setdefault("insertionTimestamp", None)
    return ev


def events(ctx: Ctx[OktaState], op: str, args: Mapping[str, Any], reply: Reply) -> list[Event]:
    out = []
    for log in added(ctx, ctx.state.logs, ctx.env.iso(), lambda e: e.get("published"), lambda e: e.get("uuid")):
        kind = str(log.get("eventType", ""))
        if kind not in ELIGIBLE:
            continue
        users = tuple(t["id"] for t in log.get("target") or () if isinstance(t, dict) and t.get("type") == "User")
        out.append(Event("okta", kind, ctx.env.now, ctx.actor, hook_event(log), to=users))
    return out
