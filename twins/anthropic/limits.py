"""The API's requests-per-minute limits at usage tier 1, the tier a new organization starts in.

- Messages API (messages.create and messages.count_tokens share the bucket): 50 RPM, the tier-1
  figure of https://docs.anthropic.com/claude/reference/rate-limits (token-bucket, per
  organization; the 429 carries `retry-after`: https://support.claude.com/en/articles/8243635).
- Message Batches API: a bucket of its own ("Specialized endpoints such as the Message Batches
  API ... maintain separate rate limit pools"), 50 RPM across its endpoints at tier 1 (same
  rate-limits page).

Newer docs rename the tiers (Evaluation, Start, Build, Scale: support.claude.com/en/articles/8243635)
and their per-tier numbers could not be re-checked here; 50 RPM is kept as the entry-tier figure.

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
