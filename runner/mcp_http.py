"""`/mcp` on `dtu serve`: the MCP door over Streamable HTTP.

The SDK's session manager speaks ASGI; aiohttp hands it each request through a small bridge
(scope, a body that has already been read, a response streamed back as it is sent). It runs
stateless with JSON responses: every request stands alone, so nothing is kept per client and a
world token is all a request needs. The token is checked before the SDK sees the request: no
token or an unknown one is a 401. The Host check and admin rules of the rest of the server
apply here too (the router refuses a foreign Host first)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from .hub import BASE, Hub
from .mcp_door import server

PATH = "/mcp"
ENTRY = "dtu.world"  # where the bridge leaves the request's world for the tool handlers


def _bearer(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _rpc_error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}
    return web.json_response(body, status=status, headers=headers)


def _refuse(why: str) -> web.Response:
    return _rpc_error(401, -32001, why, {"WWW-Authenticate": 'Bearer realm="dtu"'})


def _resolve(ctx: Any) -> Any:
    request = getattr(ctx, "request", None)
    scope = getattr(request, "scope", None)
    return scope.get("state", {}).get(ENTRY) if isinstance(scope, dict) else None


def routes(hub: Hub) -> tuple[list[web.RouteDef], Any]:
    """The /mcp routes and the cleanup context that runs the SDK's session manager."""

    def seal(world: Any, twin: str) -> list[tuple[str, str]]:
        swaps = [(BASE, hub.base_url)]
        if world.env.grants:
            swaps += hub.seal(world, twin, world.env.grants)
        return swaps

    manager = StreamableHTTPSessionManager(app=server(_resolve, seal, hub.catch_up), stateless=True, json_response=True)

    async def handle(request: web.Request) -> web.StreamResponse:
        token = _bearer(request)
        if not token:
            return _refuse("send the world's token as Authorization: Bearer <token>")
        entry = hub.tokens.get(token)
        if entry is None:
            return _refuse("unknown token: no world answers to it")
        world, actors = entry
        return await _asgi(manager.handle_request, request, {ENTRY: (world, actors, hub.tools.get(world.id))})

    async def running(_app: web.Application) -> AsyncIterator[None]:
        # the manager's task group is entered and left in a task of its own: aiohttp may start
        # and clean up the app from different tasks
        started, stop = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with manager.run():
                started.set()
                await stop.wait()

        task, waiter = asyncio.ensure_future(hold()), asyncio.ensure_future(started.wait())
        await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task.done():
            task.result()  # it failed to start: say why
        try:
            yield
        finally:
            stop.set()
            await task

    async def no_stream(_request: web.Request) -> web.StreamResponse:
        # stateless: there is no server-initiated stream to open (the spec's answer is 405; an
        # empty 200 stream would have clients reconnect every second)
        return web.Response(status=405, headers={"Allow": "POST, DELETE"})

    return [web.post(PATH, handle), web.delete(PATH, handle), web.get(PATH, no_stream)], running


async def _asgi(app: Any, request: web.Request, state: dict[str, Any]) -> web.StreamResponse:
    """Run one request through an ASGI app and stream its answer back through aiohttp."""
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _rpc_error(413, -32600, "the request body is too large")
    except Exception as e:  # a broken body: gzip, deflate, a dropped connection
        return _rpc_error(400, -32700, f"could not read the body: {type(e).__name__}")
    host, port = (request.transport.get_extra_info("sockname") or ("127.0.0.1", 0))[:2] \
        if request.transport is not None else ("127.0.0.1", 0)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": request.method,
        "scheme": request.scheme, "path": request.path, "raw_path": request.raw_path.encode(),
        "query_string": request.query_string.encode(), "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.raw_headers],
        "client": (request.remote or "", 0), "server": (host, port), "state": state,
    }
    sent = False
    response: web.StreamResponse | None = None

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal response
        if message["type"] == "http.response.start":
            response = web.StreamResponse(status=message["status"])
            for k, v in message.get("headers", []):
                response.headers.add(k.decode("latin-1"), v.decode("latin-1"))
            await response.prepare(request)
        elif message["type"] == "http.response.body" and response is not None:
            await response.write(message.get("body", b""))
            if not message.get("more_body", False):
                await response.write_eof()

    await app(scope, receive, send)
    return response if response is not None else web.Response(status=500)
