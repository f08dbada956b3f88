"""Saved filters: a named JQL query with an owner, favourites, and search over them."""

from __future__ import annotations

from typing import Any

import msgspec

from . import render_more
from .errors import JiraError, bad_request, forbidden
from .jql import JqlError
from .jql_eval import compile_query
from .ops_common import API, S, V, is_admin, ops, page_args, view
from .state import Filter


class FilterBody(V, kw_only=True):
    name: str | None = None
    jql: str | None = None
    description: str | None = None
    favourite: bool | None = None
    sharePermissions: list[Any] = []
    editPermissions: list[Any] = []
    expand: str = ""
    overrideSharePermissions: bool = False


def _check(ctx: S, f: Filter, p: FilterBody) -> None:
    s = ctx.state
    if p.name is not None:
        if not p.name.strip():
            raise bad_request(filterName="You must specify a name to save this filter as.")
        if len(p.name) > 255:
            raise bad_request(filterName="The filter name must not exceed 255 characters.")
        if any(x.name.lower() == p.name.lower() and x.owner == f.owner and x.id != f.id for x in s.filters.values()):
            raise bad_request(filterName="Filter with same name already exists.")
        f.name = p.name
    if p.jql is not None:
        try:
            compile_query(p.jql, s, ctx.actor, ctx.env.now, lambda pid: True)
        except JqlError as e:
            raise bad_request(jql=str(e)) from None
        f.jql = p.jql
    if p.description is not None:
        f.description = p.description
    if p.favourite is not None:
        f.favourite_of = [a for a in f.favourite_of if a != ctx.actor] + ([ctx.actor] if p.favourite else [])


@ops.op("filter.create", "POST", f"{API}/filter")
def filter_create(ctx: S, p: FilterBody) -> dict[str, Any]:
    """Save a JQL query as a filter: `name`, `jql`, optional `description`, `favourite` (default true)."""
    s = ctx.state
    if p.name is None:
        raise bad_request(filterName="You must specify a name to save this filter as.")
    f = Filter(id="", name="", jql="", owner=ctx.actor)
    _check(ctx, f, msgspec.structs.replace(p, favourite=True if p.favourite is None else p.favourite))
    f.id = s.next_id("filter")
    s.filters[f.id] = f
    return render_more.filter_(view(ctx, p), f, ctx.actor)


class FilterSearch(V, kw_only=True):
    filterName: str = ""
    accountId: str = ""
    startAt: int = 0
    maxResults: int = 50
    orderBy: str = "name"
    expand: str = ""


@ops.op("filter.search", "GET", f"{API}/filter/search", mutates=False)
def filter_search(ctx: S, p: FilterSearch) -> dict[str, Any]:
    """Find filters page by page (PageBean): `filterName` (contains, case-insensitive), `accountId` (owner),
    `orderBy` name, id, owner, favourite_count (- for descending)."""
    start, size = page_args(p.startAt, p.maxResults, 50, 100)
    q = p.filterName.lower()
    hits = [f for f in ctx.state.filters.values() if (not q or q in f.name.lower())
            and (not p.accountId or f.owner == p.accountId)]
    key = p.orderBy.lstrip("+-")
    sorts: dict[str, Any] = {"name": lambda f: f.name.lower(), "id": lambda f: int(f.id),
                             "owner": lambda f: f.owner, "favourite_count": lambda f: len(f.favourite_of)}
    if key not in sorts:
        raise bad_request(f"The orderBy value '{p.orderBy}' is not valid: use name, id, owner or favourite_count.")
    hits.sort(key=sorts[key], reverse=p.orderBy.startswith("-"))
    w = view(ctx, p)
    chunk = hits[start:start + size]
    last = start + size >= len(hits)
    out: dict[str, Any] = {"self": f"{w.api}/filter/search?startAt={start}&maxResults={size}", "maxResults": size,
                           "startAt": start, "total": len(hits), "isLast": last,
                           "values": [render_more.filter_(w, f, ctx.actor) for f in chunk]}
    if not last:
        out["nextPage"] = f"{w.api}/filter/search?startAt={start + size}&maxResults={size}"
    return out


class MyFilters(V, kw_only=True):
    includeFavourites: bool = False
    expand: str = ""


@ops.op("filter.my", "GET", f"{API}/filter/my", mutates=False)
def filter_my(ctx: S, p: MyFilters) -> list[dict[str, Any]]:
    """The filters you own (plus your favourites with `includeFavourites=true`)."""
    w = view(ctx, p)
    return [render_more.filter_(w, f, ctx.actor) for f in ctx.state.filters.values()
            if f.owner == ctx.actor or (p.includeFavourites and ctx.actor in f.favourite_of)]


@ops.op("filter.favourite", "GET", f"{API}/filter/favourite", mutates=False)
def filter_favourite(ctx: S, p: MyFilters) -> list[dict[str, Any]]:
    """The filters you starred."""
    w = view(ctx, p)
    return [render_more.filter_(w, f, ctx.actor) for f in ctx.state.filters.values() if ctx.actor in f.favourite_of]


# after filter/search, filter/my and filter/favourite: routes match in registration order
class FilterRef(V, kw_only=True):
    id: str
    expand: str = ""


def _filter(ctx: S, fid: str) -> Filter:
    f = ctx.state.filters.get(fid)
    if f is None:
        raise JiraError(400, "The selected filter is not available to you, perhaps it has been deleted or "
                             "had its permissions changed.")
    return f


@ops.op("filter.get", "GET", f"{API}/filter/{{id}}", mutates=False)
def filter_get(ctx: S, p: FilterRef) -> dict[str, Any]:
    """One saved filter, with its JQL and owner."""
    return render_more.filter_(view(ctx, p), _filter(ctx, p.id), ctx.actor)


class UpdateFilter(FilterBody, kw_only=True):
    id: str


def _own(ctx: S, f: Filter) -> None:
    if f.owner != ctx.actor and not is_admin(ctx.state, ctx.actor):
        raise forbidden("Only the owner of the filter can change it.")


@ops.op("filter.update", "PUT", f"{API}/filter/{{id}}")
def filter_update(ctx: S, p: UpdateFilter) -> dict[str, Any]:
    """Change a filter's name, JQL, description or favourite flag (its owner only)."""
    f = _filter(ctx, p.id)
    _own(ctx, f)
    draft = msgspec.structs.replace(f, favourite_of=list(f.favourite_of))
    _check(ctx, draft, p)
    ctx.state.filters[f.id] = draft
    return render_more.filter_(view(ctx, p), draft, ctx.actor)


@ops.op("filter.delete", "DELETE", f"{API}/filter/{{id}}")
def filter_delete(ctx: S, p: FilterRef) -> None:
    """Delete a filter (its owner or an admin). Answers 204."""
    f = _filter(ctx, p.id)
    _own(ctx, f)
    del ctx.state.filters[f.id]
