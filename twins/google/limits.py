"""Google's per-user quotas (per project, per user, per minute), each checked against Google's
documentation:

- Sheets: 60 read and 60 write requests per minute per user per project; past them 429
  RESOURCE_EXHAUSTED. https://developers.google.com/workspace/sheets/api/limits ("Read requests:
  Per minute per user per project 60"; "Write requests: Per minute per user per project 60").
- Docs: 300 read and 60 write requests per minute per user per project; 429 RESOURCE_EXHAUSTED.
  https://developers.google.com/workspace/docs/api/limits ("Read requests: Per minute per user
  per project 300"; "Write requests: Per minute per user per project 60").
- Drive: 12,000 queries per 60 seconds per user; past it 403 "User rate limit exceeded"
  (`userRateLimitExceeded`) in Drive's legacy envelope.
  https://developers.google.com/workspace/drive/api/guides/limits ("Queries: Per 60 seconds per
  user 12,000"; "If you exceed a quota, you'll receive a 403: User rate limit exceeded"). Google
  has since begun restating Drive quotas in "quota units" (325,000 per minute per user); the
  twin keeps the per-query figure, one call being one query.
Which Sheets calls are reads: "any method that retrieves data from a spreadsheet, such as get or
search" (the Sheets page above), so POST reads (values:batchGetByDataFilter,
developerMetadata:search) count as reads too. A world's calls act as its user, so each bucket is
per world. Batch envelopes are not counted (the calls inside them are not either)."""

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
    read = op.methods == ("GET",) or not op.mutates
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
