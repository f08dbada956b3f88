"""The Messages API's requests-per-minute limit (Anthropic's usage tier 1: 50 RPM).

A request past it answers 429 `rate_limit_error` with `retry-after` and the
`anthropic-ratelimit-requests-*` headers. Listing models is not counted."""

from __future__ import annotations

from ..core import Operation
from ..core.faults import RateLimit

RPM = RateLimit("requests", 50)


def limits(op: Operation) -> RateLimit | None:
    """messages.create and messages.count_tokens share the requests-per-minute bucket."""
    return RPM if op.name.startswith("messages.") else None
