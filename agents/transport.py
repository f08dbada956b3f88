"""An in-process HTTP transport for httpx-style clients (the anthropic SDK): requests reach a
world's twin handlers directly through door 1's dispatch, with no sockets and no server.

The token of a request picks the world, as on the HTTP door; paths, auth and error shapes are
the twins' own. JSON and form-encoded bodies are understood (the bodies SDKs on httpx send)."""

from __future__ import annotations

import re
import secrets
import urllib.parse
from collections.abc import Mapping
from typing import Any

import orjson

from dtu.twins.core import Operation, Raw, Reply, Twin, World

__all__ = ["WorldTransport", "http_module"]

_PARAM = re.compile(r"\{(\w+)(?::([^{}]+))?\}")


def http_module() -> Any:
    """The httpx flavour the installed anthropic SDK is built on (httpx2 in 2.x, httpx before)."""
    try:
        import anthropic._base_client as base
    except ImportError:  # pragma: no cover - the SDK is a dependency
        import httpx

        return httpx
    mod = getattr(base, "httpx2", None) or getattr(base, "httpx", None)
    if mod is None:  # pragma: no cover
        import httpx

        return httpx
    return mod


def _compile(path: str) -> re.Pattern[str]:
    out, pos = [], 0
    for m in _PARAM.finditer(path):
        out.append(re.escape(path[pos:m.start()]))
        out.append(f"(?P<{m.group(1)}>{m.group(2) or '[^/]+'})")
        pos = m.end()
    out.append(re.escape(path[pos:]))
    return re.compile("".join(out) + "$")


class SharedTools:
    """One parsed copy of each tool list agents send over and over (a model turn carries the whole
    list: 70 Slack operations' schemas, ~20 KB of JSON, ~150 KB parsed, kept in every world's call
    log). A request whose top-level `"tools"` holds a known list's exact encoding is parsed
    without it, and given the shared list: the list is not parsed again. An equal but differently
    written list (`1` and `1.0`) is parsed and kept as sent. Shared lists are read, never changed:
    the call log and the model twin only read a request's tools."""

    LIMIT = 256
    PREFIX = 64  # bytes of a list's encoding that pick its candidates

    def __init__(self) -> None:
        self._lists: dict[bytes, list[tuple[bytes, list[Any]]]] = {}
        self._count = 0
        # what stands in for a known list while the rest is parsed: a string no request holds
        self._mark = "dtu-shared-tools-" + secrets.token_hex(16)
        self._marked = b'"tools":' + orjson.dumps(self._mark)

    def parse(self, data: bytes) -> Any:
        """`orjson.loads(data)`, with a known tool list shared rather than parsed again."""
        i = data.find(_KEY)
        if i >= 0:
            for enc, tools in self._lists.get(data[i:i + self.PREFIX], ()):
                if data.startswith(enc, i):
                    obj = orjson.loads(data[:i] + self._marked + data[i + len(enc):])
                    if type(obj) is dict and obj.get("tools") == self._mark:  # the top level's tools
                        obj["tools"] = tools
                        return obj
                    break  # a nested "tools" (inside a message): parse it all, as sent
        obj = orjson.loads(data)
        if type(obj) is dict and type(sent := obj.get("tools")) is list and sent:
            self._learn(sent)
        return obj

    def _learn(self, tools: list[Any]) -> None:
        try:
            enc = b'"tools":' + orjson.dumps(tools)
        except orjson.JSONEncodeError:  # not encodable as sent (an integer past 64 bits)
            return
        if self._count >= self.LIMIT:
            self._lists.clear()
            self._count = 0
        same = self._lists.setdefault(enc[:self.PREFIX], [])
        if all(e != enc for e, _ in same):
            same.append((enc, tools))
            self._count += 1


_KEY = b'"tools":['


class WorldTransport:
    """Serves worlds by token to an httpx(2) client: `client = transport.client()`."""

    def __init__(self, twins: Mapping[str, Twin[Any]] | None = None) -> None:
        if twins is None:
            from dtu.twins.registry import TWINS

            twins = TWINS
        self.twins = twins
        self.worlds: dict[str, World] = {}
        self.routes: list[tuple[re.Pattern[str], str, Twin[Any], Operation]] = [
            (_compile(op.path), method, twin, op)
            for twin in twins.values() for op in twin.ops for method in op.methods
        ]
        self.http = http_module()
        self._n = 0
        self.tools = SharedTools()

    def add(self, world: World) -> str:
        """Serve a world; returns the token that picks it."""
        self._n += 1
        token = f"dtu-local-{self._n}"
        self.worlds[token] = world
        return token

    def remove(self, token: str) -> None:
        self.worlds.pop(token, None)

    def client(self, **kw: Any) -> Any:
        """An AsyncClient whose requests never leave the process."""
        return self.http.AsyncClient(transport=self.http.MockTransport(self.handle), **kw)

    def route(self, method: str, path: str) -> tuple[Twin[Any], Operation, dict[str, str]] | None:
        for rx, m, twin, op in self.routes:
            if m == method:
                hit = rx.match(path)
                if hit is not None:
                    return twin, op, hit.groupdict()
        return None

    def owner(self, path: str) -> Twin[Any] | None:
        best: tuple[int, Twin[Any]] | None = None
        for twin in self.twins.values():
            for p in twin.prefixes:
                if path.startswith(p) and (best is None or len(p) > best[0]):
                    best = (len(p), twin)
        return best[1] if best else None

    async def handle(self, request: Any) -> Any:
        path = request.url.path
        hit = self.route(request.method, path)
        if hit is None:
            owner = self.owner(path)
            if owner is None:
                return self._respond(Reply(404, {"error": "not_found", "path": path}))
            err = owner.errors.not_found_route(request.method, path)
            return self._respond(Reply(err.status, err.body(), err.headers))
        twin, op, params = hit
        args: dict[str, Any] = {k: v for k, v in request.url.params.items()}
        args.update(params)
        data = await request.aread()
        if data.strip():
            ctype = request.headers.get("content-type", "")
            if op.raw_body:
                args["_body"], args["_content_type"] = data, ctype
            elif ctype.startswith("application/x-www-form-urlencoded"):
                args.update(urllib.parse.parse_qsl(data.decode("utf-8", "replace")))
            else:
                try:
                    obj = self.tools.parse(data) if not op.body_key else orjson.loads(data)
                except orjson.JSONDecodeError:
                    err = twin.errors.malformed("the body is not valid JSON")
                    return self._respond(Reply(err.status, err.body(), err.headers))
                if op.body_key:
                    args[op.body_key] = obj
                elif isinstance(obj, dict):
                    args.update(obj)
                else:
                    err = twin.errors.malformed("the body must be a JSON object")
                    return self._respond(Reply(err.status, err.body(), err.headers))
        token = twin.auth(request.headers, args)
        world = self.worlds.get(token) if token else None
        if world is None:
            err = twin.errors.unauthorized(bool(token))
            return self._respond(Reply(err.status, err.body(), err.headers))
        reply = world.dispatch(twin.name, op.name, args)
        extra = twin.headers(world.ctx(twin.name).state, world.env, reply) if twin.headers else None
        return self._respond(reply, extra)

    def _respond(self, reply: Reply, extra: dict[str, str] | None = None) -> Any:
        headers = dict(reply.headers) if reply.headers else {}
        if extra:
            headers.update(extra)
        body = reply.body
        if body is None:
            content = b""
        elif type(body) is Raw:
            headers["content-type"] = body.content_type
            content = body.data
        else:
            headers["content-type"] = "application/json"
            content = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
        return self.http.Response(reply.status, headers=headers, content=content)
