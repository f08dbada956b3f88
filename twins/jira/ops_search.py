"""Issue search by JQL: the enhanced search (`search/jql`, nextPageToken) and the legacy one (startAt/total)."""

from __future__ import annotations

import zlib
from typing import Any

from ..core.paging import decode_cursor, encode_cursor
from . import render
from .errors import bad_request
from .jql import JqlError
from .jql_eval import Search, compile_query
from .ops_common import API, S, V, can_browse, ops, view
from .state import Issue

UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."


def run(ctx: S, jql: str) -> tuple[Search, list[Issue]]:
    """The issues a query finds, in its order, among those the actor may browse."""
    s = ctx.state
    allowed = {pid for pid, proj in s.projects.items() if can_browse(s, ctx.actor, proj)}
    try:
        search = compile_query(jql, s, ctx.actor, ctx.env.now, lambda pid: pid in allowed)
    except JqlError as e:
        raise bad_request(str(e)) from None
    hits = [i for i in s.issues.values() if i.project in allowed and search.match(i)]
    return search, search.order(hits)


def _only_ids(fields: str | list[str] | None) -> bool:
    every, nav, include, _ = render.select(fields, "id")
    return not every and not nav and {"id", "key"}.issuperset(include)


class JqlSearch(V, kw_only=True):
    jql: str = ""
    nextPageToken: str | None = None
    maxResults: int = 50
    fields: str | list[str] | None = None
    expand: str | list[str] | None = None
    properties: Any = None
    fieldsByKeys: bool = False
    reconcileIssues: Any = None


def _expand(value: str | list[str] | None) -> str:
    if isinstance(value, list):
        return ",".join(value)
    return value or ""


@ops.op("search.jql", ("GET", "POST"), f"{API}/search/jql", mutates=False)
def search_jql(ctx: S, p: JqlSearch) -> dict[str, Any]:
    """Search issues with JQL, e.g. `project = PROJ AND status = "In Progress" ORDER BY created DESC`.
    Returns only ids unless `fields` asks for more (`*all`, `*navigable`, or `summary,status,assignee`);
    pages with `nextPageToken` until `isLast`. The query must be bounded (have a restriction)."""
    query = p.jql.strip()
    if not query or query.upper().startswith("ORDER "):
        raise bad_request(UNBOUNDED)
    crc = f"q{zlib.crc32(query.encode()):08x}"
    offset = 0
    if p.nextPageToken:
        got = decode_cursor(p.nextPageToken, crc)
        if got is None:
            raise bad_request("The provided next page token is invalid or expired.")
        offset = got
    cap = 5000 if _only_ids(p.fields) else 100
    size = cap if p.maxResults > cap else (p.maxResults if p.maxResults > 0 else 50)
    _, hits = run(ctx, query)
    w = view(ctx, p)
    chunk = hits[offset:offset + size]
    end = offset + size
    out: dict[str, Any] = {"issues": [render.issue(w, i, ctx.actor, p.fields, _expand(p.expand), "id")
                                      for i in chunk]}
    if end < len(hits):
        out["nextPageToken"] = encode_cursor(end, crc)
        out["isLast"] = False
    else:
        out["isLast"] = True
    return out


class CountQuery(V, kw_only=True):
    jql: str = ""


@ops.op("search.count", "POST", f"{API}/search/approximate-count", mutates=False)
def search_count(ctx: S, p: CountQuery) -> dict[str, Any]:
    """How many issues a bounded JQL query matches (approximately, in Jira; exactly here)."""
    if not p.jql.strip():
        raise bad_request(UNBOUNDED)
    return {"count": len(run(ctx, p.jql)[1])}


class LegacySearch(V, kw_only=True):
    jql: str = ""
    startAt: int = 0
    maxResults: int = 50
    fields: str | list[str] | None = None
    expand: str | list[str] | None = None
    validateQuery: Any = None
    properties: Any = None


@ops.op("search", ("GET", "POST"), f"{API}/search", mutates=False)
def search_legacy(ctx: S, p: LegacySearch) -> dict[str, Any]:
    """The legacy JQL search: pages by `startAt`/`maxResults` (max 100) and reports `total`."""
    if p.startAt < 0:
        raise bad_request("The 'startAt' parameter must not be negative.")
    size = 50 if p.maxResults <= 0 else min(p.maxResults, 100)
    _, hits = run(ctx, p.jql.strip())
    w = view(ctx, p)
    chunk = hits[p.startAt:p.startAt + size]
    return {"expand": "schema,names", "startAt": p.startAt, "maxResults": size, "total": len(hits),
            "issues": [render.issue(w, i, ctx.actor, p.fields, _expand(p.expand), "*navigable") for i in chunk]}
