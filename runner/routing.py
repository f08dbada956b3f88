"""The door's router: aiohttp's own routing rules, answered with one regular expression per prefix.

aiohttp's `UrlDispatcher` walks a request's path from its longest prefix to "/" and, under each
prefix, awaits every resource registered there in turn. Jira alone puts 57 resources under
`/rest/api` (its paths start `/rest/api/{v}/`), so a Jira request cost ~10 µs of routing. This
router keeps the same walk and the same order but, under each prefix and for each method, matches
one alternation of the resources that answer that method: the first alternative that matches is
the resource aiohttp would have picked. Anything it does not index (static files, sub-applications,
an unusual method) goes to aiohttp's own `resolve`, which also answers 404 and 405.

Every request is resolved here first, so this is also where a request whose `Host` the server does not
answer to is refused (`hosts`, see runner/server.py `Guard`): one check on every route, without a
middleware (aiohttp wraps every request in two more coroutines once an application has one)."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Any

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import DynamicResource, MatchInfoError, PlainResource, UrlMappingMatchInfo

from dtu.twins.core.memo import Bounded

METHODS = frozenset((hdrs.METH_GET, hdrs.METH_HEAD, hdrs.METH_POST, hdrs.METH_PUT, hdrs.METH_PATCH,
                     hdrs.METH_DELETE, hdrs.METH_OPTIONS))
"""The methods indexed; any other goes through aiohttp (the table is not grown by what clients send)."""

CACHED = 4096
"""Paths whose resolution is kept (cleared when full): worlds of one scenario share their ids, so
a sweep asks for the same few paths again and again."""
_LONG = 256  # longer paths are resolved every time, so a client cannot make the cache large


def misdirected() -> web.HTTPMisdirectedRequest:
    """The answer to a request for another host (a web page reaching 127.0.0.1 by DNS rebinding)."""
    return web.HTTPMisdirectedRequest(
        text='{"error": "host_not_allowed", "detail": "this server answers only to its own address '
             '(dtu serve --allow-host NAME accepts another name)"}', content_type="application/json")


_GROUP = re.compile(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>")
_DEFER = object()


class _Alternation:
    """The resources under one prefix answering one method, as one regular expression."""

    __slots__ = ("routes", "rx")

    def __init__(self, resources: list[Any], method: str) -> None:
        parts: list[str] = []
        self.routes: list[tuple[Any, tuple[tuple[str, str], ...]]] = []
        for resource in resources:
            route = resource._routes.get(method, resource._any_route)
            if route is None:
                continue
            tag = f"r{len(self.routes)}"
            names: tuple[tuple[str, str], ...] = ()
            if type(resource) is PlainResource:
                pattern = re.escape(resource._path)
            else:
                names = tuple((f"{tag}_{n}", n) for n in resource._pattern.groupindex)
                pattern = _GROUP.sub(rf"(?P<{tag}_\1>", resource._pattern.pattern)
            parts.append(f"(?P<{tag}>{pattern})")
            self.routes.append((route, names))
        self.rx = re.compile("|".join(parts)) if parts else None

    def match(self, path: str) -> tuple[Any, dict[str, str]] | None:
        m = self.rx.fullmatch(path) if self.rx is not None else None
        if m is None:
            return None
        route, names = self.routes[int(m.lastgroup[1:])]  # type: ignore[index]
        found: dict[str, str] = {}
        for renamed, name in names:
            value = m.group(renamed)
            found[name] = value.replace("%2F", "/").replace("%25", "%") if "%" in value else value
        return route, found


class Router(web.UrlDispatcher):
    """`UrlDispatcher` with the same answers, found without awaiting each candidate resource."""

    def __init__(self, hosts: AbstractSet[str] | None = None) -> None:
        super().__init__()
        self._hosts = hosts
        """The Host headers (lower case) the server answers to, filled in once it is bound; None: any."""
        self._fast: dict[str, dict[str, _Alternation] | object] | None = None
        self._seen: Bounded[tuple[str, str], tuple[Any, dict[str, str]]] = Bounded(CACHED)

    def _index(self) -> dict[str, dict[str, _Alternation] | object]:
        table: dict[str, dict[str, _Alternation] | object] = {}
        for key, resources in self._resource_index.items():
            if any(type(r) not in (PlainResource, DynamicResource) or not hasattr(r, "_any_route")
                   for r in resources):
                table[key] = _DEFER
                continue
            table[key] = {m: _Alternation(resources, m) for m in METHODS}
        return table

    async def resolve(self, request: web.Request) -> UrlMappingMatchInfo:
        if self._hosts is not None and request.headers.get("Host", "").lower() not in self._hosts:
            return MatchInfoError(misdirected())
        fast = self._fast
        if fast is None:
            if not self.frozen or self._matched_sub_app_resources:
                return await super().resolve(request)
            fast = self._fast = self._index()
        method = request.method
        if method not in METHODS:
            return await super().resolve(request)
        path = url_part = request.rel_url.path_safe
        seen = self._seen.get((method, path))
        if seen is not None:
            return UrlMappingMatchInfo(dict(seen[1]), seen[0])
        while url_part:
            entry = fast.get(url_part)
            if entry is _DEFER:
                return await super().resolve(request)
            if entry is not None:
                found = entry[method].match(path)  # type: ignore[index]
                if found is not None:
                    if len(path) <= _LONG:
                        self._seen.keep((method, path), found)
                    return UrlMappingMatchInfo(dict(found[1]), found[0])
            if url_part == "/":
                break
            url_part = url_part.rpartition("/")[0] or "/"
        return await super().resolve(request)  # 404 or 405, in aiohttp's words
