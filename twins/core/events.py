"""World events: what happened in a twin, as its vendor would push it to an app.

A twin turns a successful call into events (`Twin.events`); the world hands them to its
listeners: the people who react (runner/life.py) and the deliveries to an agent that asked for
them (runner/deliver.py). `data` is the vendor's own inner payload (a Slack `event` object, a
Jira webhook body, an Okta LogEvent, a Drive change), so a delivery only wraps and signs it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from .ops import Ctx, Reply


class Event(msgspec.Struct, omit_defaults=True, gc=False):
    """One thing that happened in a world."""

    twin: str
    type: str
    """The vendor's event type: `message`, `app_mention`, `reaction_added`, `block_actions`,
    `jira:issue_created`, `comment_created`, `user.lifecycle.deactivate`, `drive#change`, ..."""
    t: float
    """World time (epoch seconds)."""
    actor: str
    """Who did it, as the twin names users (Slack user id, Okta user id, Jira accountId, email)."""
    data: dict[str, Any]
    by: str | None = None
    """The person who did it (their email); None: the agent."""
    to: tuple[str, ...] = ()
    """Users (as the twin names them) the event concerns: a DM's other members, an assignee,
    whoever a file was shared with, the user whose status changed. People's rules match on it."""


EventsFn = Callable[[Ctx[Any], str, Mapping[str, Any], Reply], "list[Event]"]
"""(ctx, operation, args, reply of a successful call) -> the events it caused."""
Listener = Callable[[Any, Event], None]
"""(world, event) -> None. A listener is handed the world rather than holding it, so a world and
its listeners form no reference cycle (a finished world is freed by refcounting alone)."""
