"""Jira Cloud's rate limit, simplified: one bucket per user (per world) for every REST call.

Jira Cloud's limits are cost-based and unpublished as numbers; it answers 429 with `Retry-After`
when a user's budget runs out. This twin uses a plain budget of 100 calls per minute per user,
and lets the metadata reads an SDK makes on connect (serverInfo, field) through."""

from __future__ import annotations

from ..core import Operation
from ..core.faults import RateLimit

PER_USER = RateLimit("user", 100)
FREE = frozenset({"serverInfo", "field.list"})


def limits(op: Operation) -> RateLimit | None:
    """Every REST call shares the user's bucket."""
    return None if op.name in FREE else PER_USER
