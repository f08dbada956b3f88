"""The System Log API: `GET /api/v1/logs` over the events the world's operations wrote (syslog.py)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import msgspec

from .common import S, admin, ops, paged
from .errors import OktaError
from .query import compile_expr

LOGS = "/api/v1/logs"
DEFAULT_LIMIT = 100  # Okta: "limit ... default 100, maximum 1000"
MAX_LIMIT = 1000
WEEK = 7 * 24 * 3600.0


def _time(value: str, field: str) -> float:
    try:
        d = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise OktaError("E0000001", f"Api validation failed: {field}", status=400,
                        causes=[f"{field}: The date is not in the correct format (ISO 8601)."]) from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return d.timestamp()


class ListLogs(msgspec.Struct, rename="camel"):
    since: str = ""
    until: str = ""
    after: str = ""
    filter: str = ""
    q: str = ""
    limit: int | None = None
    sort_order: str = "ASCENDING"


@ops.op("list_log_events", "GET", LOGS)
def list_log_events(ctx: S, p: ListLogs) -> Any:
    """Read the System Log: events of what was done in the org (user lifecycle, group membership,
    app assignment, password changes, ...), oldest first (`sortOrder=DESCENDING` for newest first).
    `since`/`until` (ISO 8601; since defaults to 7 days ago), `filter` (`eventType eq "user.lifecycle.create"`,
    `target.id eq "00u..."`, `actor.id`, `outcome.result`; and/or), `q` (words that must all appear in
    the event), `limit` (default 100, max 1000) and `after` (the Link header's cursor)."""
    s = admin(ctx)
    now = ctx.env.now
    since = _time(p.since, "since") if p.since else now - WEEK
    until = _time(p.until, "until") if p.until else now + 1
    if since > until:
        raise OktaError("E0000001", "Api validation failed: since", status=400,
                        causes=["since: The 'since' date must be before the 'until' date."])
    order = p.sort_order.upper()
    if order not in ("ASCENDING", "DESCENDING"):
        raise OktaError("E0000001", "Api validation failed: sortOrder", status=400,
                        causes=["sortOrder: Must be ASCENDING or DESCENDING."])
    pred = compile_expr(p.filter, None) if p.filter else None
    words = [w.lower() for w in p.q.split()]
    if len(words) > 10 or any(len(w) > 40 for w in words):
        raise OktaError("E0000001", "Api validation failed: q", status=400,
                        causes=["q: At most 10 keywords of at most 40 characters each."])
    picked: list[tuple[int, dict[str, Any]]] = []
    for i, e in enumerate(s.logs):
        t = _time(e["published"], "published")
        if not since <= t < until:
            continue
        if pred is not None and not (pred(e) or any(pred({**e, "target": tg}) for tg in e["target"])):
            continue
        if words:
            text = " ".join(str(x) for x in _strings(e)).lower()
            if not all(w in text for w in words):
                continue
        picked.append((i, e))
    if order == "DESCENDING":
        picked.reverse()
    size = DEFAULT_LIMIT if p.limit is None or p.limit <= 0 else min(p.limit, MAX_LIMIT)
    start = 0
    if p.after:
        # Okta documents 400 (E0000001) for a bad request to List all System Log events
        # (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/SystemLog/):
        # a cursor this query never handed out is refused, not read as the end of the log.
        cursors = [str(i) for i, _ in picked]
        if p.after not in cursors:
            raise OktaError("E0000001", "Api validation failed: after", status=400,
                            causes=["after: The cursor is not valid for this query; use the `next` link "
                                    "of the previous page."])
        start = cursors.index(p.after) + 1
    chunk = picked[start:start + size]
    nxt = str(chunk[-1][0]) if start + size < len(picked) and chunk else None
    query = {"since": p.since, "until": p.until, "filter": p.filter, "q": p.q, "limit": p.limit,
             "sortOrder": p.sort_order if order != "ASCENDING" else "", "after": p.after}
    return paged(ctx, LOGS, query, [copy.deepcopy(e) for _, e in chunk], nxt)


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [x for v in node.values() for x in _strings(v)]
    if isinstance(node, list):
        return [x for v in node for x in _strings(v)]
    return [node] if isinstance(node, str) else []
