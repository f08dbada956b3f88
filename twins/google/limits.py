"""Google's per-user quotas (per project, per user, per minute), as the Cloud console lists them.

- Sheets: 60 read and 60 write requests per minute per user; past them 429 RESOURCE_EXHAUSTED.
- Docs: 300 read and 60 write requests per minute per user; 429 RESOURCE_EXHAUSTED.
- Drive: 12,000 queries per 60 seconds per user; past it 403 `userRateLimitExceeded` in Drive's
  legacy envelope (errors.py says each).
A world's calls act as its user, so each bucket is per world. Batch envelopes are not counted
(the calls inside them are not either)."""

from __future__ import annotations

from ..core import Operation
from ..core.faults import RateLimit

SHEETS_READ = RateLimit("sheets.read", 60)
SHEETS_WRITE = RateLimit("sheets.write", 60)
DOCS_READ = RateLimit("docs.read", 300)
DOCS_WRITE = RateLimit("docs.write", 60)
DRIVE = RateLimit("drive", 12_000)

_LIMITS: dict[str, RateLimit | None] = {}


def bucket(op: Operation) -> RateLimit | None:
    service = op.name.split(".", 1)[0]
    read = op.methods == ("GET",)
    if service == "sheets":
        return SHEETS_READ if read else SHEETS_WRITE
    if service == "docs":
        return DOCS_READ if read else DOCS_WRITE
    if service == "drive" and op.name != "drive.batch":
        return DRIVE
    return None


def limits(op: Operation) -> RateLimit | None:
    """The quota bucket the operation counts in."""
    if op.name not in _LIMITS:
        _LIMITS[op.name] = bucket(op)
    return _LIMITS[op.name]
