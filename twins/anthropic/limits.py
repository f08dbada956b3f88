"""The API's requests-per-minute limits at usage tier 1, the tier a new organization starts in.

- Messages API (messages.create and messages.count_tokens share the bucket): 50 RPM.
  https://docs.claude.com/en/api/rate-limits ("Tier 1 ... Claude Sonnet 4.x: 50 RPM")
- Message Batches API: 50 RPM across all its endpoints (a bucket of its own).
  https://docs.claude.com/en/api/rate-limits ("Message Batches API ... Tier 1: 50 RPM")

A request past one answers 429 `rate_limit_error` with `retry-after` and the
`anthropic-ratelimit-requests-*` headers. Listing models and the Files API are not limited here
(no published number)."""

from __future__ import annotations

from ..core import Operation
from ..core.faults import RateLimit

RPM = RateLimit("requests", 50)
BATCHES_RPM = RateLimit("batches", 50)


def limits(op: Operation) -> RateLimit | None:
    """The bucket an operation draws from, or None."""
    if op.name.startswith("messages.batches."):
        return BATCHES_RPM
    return RPM if op.name.startswith("messages.") else None
