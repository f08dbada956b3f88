"""An in-process HTTP transport for httpx-style clients (the anthropic SDK): requests reach a
world's twin handlers directly through door 1's dispatch, with no sockets and no server.

The token of a request picks the world, as on the HTTP door; paths, auth and error shapes are
the twins' own. JSON and form-encoded bodies are understood (the bodies SDKs on httpx send)."""

from __future__ import annotations

import contextlib
import re
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
    list: 70 Slack operations' schemas, ~150 KB parsed, kept in every world's call log). A list
    is shared only when the request holds its exact encoding, so an equal but differently written
    list (`1` and `1.0`) is kept as sent. Shared lists are read, never changed: the call log and
    the model twin only read a request's tools."""

    LIMIT = 256

    def __init__(self) -> None:
        self._lists: dict[tuple[int, str, str], tuple[bytes, list[Any]]] = {}

    def same(self, tools: list[Any], data: bytes) -> list[Any]:
        key = (len(tools), _name(tools[0]), _name(tools[-1]))
        hit = self._lists.get(key)
        if hit is not None and hit[0] in data:  # `"tools":` and the list, byte for byte
            return hit[1]
        if len(self._lists) >= self.LIMIT:
            self._lists.clear()
        with contextlib.suppress(orjson.JSONEncodeError):  # not encodable as sent (an integer past 64 bits)
            self._lists[key] = (b'"tools":' + orjson.dumps(tools), tools)
        return tools


def _name(tool: Any) -> str:
    return str(tool.get("name", "")) if type(tool) is dict else ""


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
                    obj = orjson.loads(data)
                except orjson.JSONDecodeError:
                    err = twin.errors.malformed("the body is not valid JSON")
                    return self._respond(Reply(err.status, err.body(), err.headers))
                if op.body_key:
                    args[op.body_key] = obj
                elif isinstance(obj, dict):
                    if type(obj.get("tools")) is list and obj["tools"]:
                        obj["tools"] = self.tools.same(obj["tools"], data)
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
