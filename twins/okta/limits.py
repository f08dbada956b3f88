"""Okta's Management API rate limits: org-wide buckets per endpoint, per minute.

The numbers are Okta's documented per-minute defaults for a Workforce Identity org, the
"Workforce Identity" column of https://developer.okta.com/docs/reference/rl-global-mgmt/
(checked for issue 16; each constant names its row). An endpoint not listed counts in the
`/api/v1` catch-all bucket. A call past its bucket answers 429 E0000047 with X-Rate-Limit-Limit
(the bucket's), X-Rate-Limit-Remaining 0 and X-Rate-Limit-Reset (epoch seconds, world time).

Answers that succeed keep the org-wide X-Rate-Limit-* headers of wire.py: the door's header hook
sees the state and the answer, not the operation nor the world's fault plan, so it cannot tell
which bucket a successful call counted in."""

from __future__ import annotations

from ..core import Operation
from ..core.faults import RateLimit

RL = "https://developer.okta.com/docs/reference/rl-global-mgmt/"
APPS = RateLimit("/api/v1/apps", 100)  # RL: "Create or list applications" 100
APP = RateLimit("/api/v1/apps/{id}", 500)  # RL: "Get, update, or delete an application by ID" 500
GROUPS = RateLimit("/api/v1/groups", 500)  # RL: "Create or list groups" 500
GROUP = RateLimit("/api/v1/groups/{id}", 1000)  # RL: "Get, update, or delete a group by ID" 1,000
USERS = RateLimit("/api/v1/users", 600)  # RL: "Create or list users" 600
USER_GET = RateLimit("/api/v1/users/{idOrLogin} GET", 2000)  # RL: "Get a user by ID or sign in" 2,000
USER = RateLimit("/api/v1/users/{id}", 600)  # RL: "Update or delete a user by ID" 600
LOGS = RateLimit("/api/v1/logs", 120)  # RL: "Get System Log data: /api/v1/logs" 120
REST = RateLimit("/api/v1", 1200)  # RL: "Most other API actions: /api/v1" 1,200


def bucket(op: Operation) -> RateLimit:
    """The bucket a route counts in: the collection, the item (and below), or the catch-all."""
    parts = op.path.removeprefix("/api/v1/").split("/")
    kind, deep = parts[0], len(parts) > 1
    if kind == "apps":
        return APP if deep else APPS
    if kind == "groups":
        return GROUP if deep else GROUPS
    if kind == "logs":
        return LOGS
    if kind == "users":
        if not deep:
            return USERS
        if len(parts) == 2 and op.methods == ("GET",):
            return USER_GET
        return USER
    return REST


_LIMITS: dict[str, RateLimit] = {}


def limits(op: Operation) -> RateLimit:
    """The org-wide bucket of the operation's endpoint."""
    rl = _LIMITS.get(op.name)
    if rl is None:
        rl = _LIMITS[op.name] = bucket(op)
    return rl
