"""Jira Cloud's rate limit, simplified: one bucket per user (per world) for every REST call.

What Atlassian documents (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/, last
updated 2026-02-03): API-token traffic is governed by burst limits per tenant, endpoint and method,
and apps by points-based hourly quotas; the numbers for API-token traffic are not published; a 429
carries `Retry-After` (seconds) and may carry `X-RateLimit-Reset`
(https://developer.atlassian.com/cloud/jira/platform/build-an-app-that-respects-rate-limits/).
The 100 calls per minute per user below is the twin's own choice, not an Atlassian number, and
the metadata reads an SDK makes on connect (serverInfo, field) are let through."""

from __future__ import annotations

from ..core import Operation
from ..core.faults import RateLimit

PER_USER = RateLimit("user", 100)
FREE = frozenset({"serverInfo", "field.list"})


def limits(op: Operation) -> RateLimit | None:
    """Every REST call shares the user's bucket."""
    return None if op.name in FREE else PER_USER
