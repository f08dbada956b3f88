"""Door 2: an aiohttp application serving every twin at its vendor's real paths.

The token of a request picks the world (and the acting user), so one server hosts thousands of
isolated worlds. Admin endpoints live under /_dtu/."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import orjson
from aiohttp import web
from multidict import CIMultiDict

from dtu.twins.core import Operation, Raw, Reply, Twin, TwinError
from dtu.twins.core.faults import parse_plan

from .errors import DtuError
from .hub import Hub

MAX_BODY = 16 * 1024 * 1024
JSON = "application/json; charset=utf-8"
HandlerFn = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error_reply(err: TwinError) -> Reply:
    return Reply(err.status, err.body(), err.headers)


def encode(reply: Reply, extra: dict[str, str] | None = None) -> web.Response:
    body = reply.body
    headers: Any = dict(reply.headers) if reply.headers else {}
    if extra:
        headers.update(extra)
    if any(type(v) is list for v in headers.values()):  # a header sent once per value (Okta's Link)
        headers = CIMultiDict((k, one) for k, v in headers.items() for one in (v if type(v) is list else (v,)))
    if body is None:
        return web.Response(status=reply.status, headers=headers)
    if type(body) is Raw:
        headers["Content-Type"] = body.content_type
        return web.Response(status=reply.status, body=body.data, headers=headers)
    headers["Content-Type"] = JSON
    try:
        data = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:  # an integer past 64 bits, echoed from the request (page=2**70)
        data = msgspec.json.encode(body)
    return web.Response(status=reply.status, body=data, headers=headers)


async def read_args(request: web.Request, twin: Twin[Any], op: Operation | None) -> dict[str, Any]:
    """Parameters from the query string, the path, and a JSON, form or raw body alike."""
    args: dict[str, Any] = dict(request.query) if request.query_string else {}
    if len(args) != len(request.query):  # a repeated parameter (ranges=A1&ranges=B2) becomes a list
        args.update({k: request.query.getall(k) for k in args if len(request.query.getall(k)) > 1})
    if request.match_info:
        args.update((k, v) for k, v in request.match_info.items() if k != "tail")
    if op is not None and op.raw_body:  # raw ops also see the request headers (uploads: Content-Range)
        args["_headers"] = {k.lower(): v for k, v in request.headers.items()
                            if k.lower() not in ("authorization", "cookie")}
    if not request.body_exists:
        return args
    ctype = request.content_type
    try:
        if op is not None and op.raw_body:
            args["_body"] = await request.read()
            args["_content_type"] = request.headers.get("Content-Type", "")
            return args
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for k, v in form.items():
                args[k] = v if isinstance(v, str) else v.file.read()  # type: ignore[union-attr]
            return args
        data = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise twin.errors.too_large(MAX_BODY) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise twin.errors.malformed(f"could not read the body: {e}") from None
    if not data.strip():
        return args
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        if ctype == "application/json":
            raise twin.errors.malformed("the body is not valid JSON") from None
        args["_body"] = data
        return args
    if op is not None and op.body_key:
        args[op.body_key] = obj
    elif isinstance(obj, dict):
        args.update(obj)
    else:
        raise twin.errors.malformed("the body must be a JSON object")
    return args


def op_handler(hub: Hub, twin: Twin[Any], op: Operation) -> HandlerFn:
    tokens = hub.tokens
    name = twin.name
    extra_headers = twin.headers

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            args = await read_args(request, twin, op)
            token = twin.auth(request.headers, args)
            entry = tokens.get(token) if token else None
            if entry is None and not op.tool and "_world" in args:
                # A capability URL a twin handed out (an upload URL): the path names the world and
                # the handler checks the secret the path also carries.
                found = hub.worlds.get(str(args.pop("_world")))
                entry = (found, None) if found is not None else None
            if entry is None:
                return encode(_error_reply(twin.errors.unauthorized(bool(token))))
        except TwinError as e:
            return encode(_error_reply(e))
        world, actors = entry
        reply = world.dispatch(name, op.name, args, actors.get(name) if actors else None)
        if extra_headers is not None:
            return encode(reply, extra_headers(world.ctx(name).state, world.env, reply))
        return encode(reply)

    return handle


def fallback(hub: Hub) -> HandlerFn:
    """Unknown paths and methods, answered in the shape of the twin that owns the prefix."""
    owners = sorted(((p, t) for t in hub.twins.values() for p in t.prefixes), key=lambda x: -len(x[0]))

    async def handle(request: web.Request) -> web.StreamResponse:
        for prefix, twin in owners:
            if request.path.startswith(prefix):
                return encode(_error_reply(twin.errors.not_found_route(request.method, request.path)))
        return web.json_response({"error": "not_found", "path": request.path}, status=404)

    return handle


# -- admin ------------------------------------------------------------------------------------------

class CreateWorld(msgspec.Struct, forbid_unknown_fields=True):
    scenario: str | None = None
    seed_state: dict[str, Any] | None = None
    trial: int = 0
    seed: int | None = None
    now: str | None = None
    faults: Any = None  # a fault plan (see twins/core/faults.py)


class NewToken(msgspec.Struct, forbid_unknown_fields=True):
    actors: dict[str, str] = {}


def admin_routes(hub: Hub, admin_token: str | None) -> list[web.RouteDef]:
    def guard(fn: HandlerFn) -> HandlerFn:
        if admin_token is None:
            return fn

        async def checked(request: web.Request) -> web.StreamResponse:
            got = request.headers.get("X-DTU-Admin") or request.headers.get("Authorization", "")[7:]
            if not hmac.compare_digest(got.encode(), admin_token.encode()):
                return web.json_response({"error": "admin_token_required"}, status=401)
            return await fn(request)

        return checked

    def world_of(request: web.Request) -> Any:
        world = hub.worlds.get(request.match_info["id"])
        if world is None:
            raise web.HTTPNotFound(text='{"error": "world_not_found"}', content_type="application/json")
        return world

    async def health(request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": True, "worlds": len(hub.worlds), "twins": sorted(hub.twins),
                                  "scenarios": sorted(hub.scenarios)})

    async def create(request: web.Request) -> web.StreamResponse:
        try:
            spec = msgspec.json.decode(await request.read() or b"{}", type=CreateWorld)
        except msgspec.DecodeError as e:
            return web.json_response({"error": "invalid_request", "detail": str(e)}, status=400)
        if hub.full():
            return web.json_response({"error": "too_many_worlds", "limit": hub.max_worlds}, status=429)
        if spec.scenario is not None and spec.scenario not in hub.scenarios:
            return web.json_response({"error": "unknown_scenario", "known": sorted(hub.scenarios)}, status=404)
        try:
            world = hub.create(spec.scenario, spec.seed_state, spec.trial, spec.seed, spec.now)
            if spec.faults is not None:
                world.faults = parse_plan(spec.faults).world_faults(world.env.seed)
        except (ValueError, KeyError, msgspec.ValidationError, DtuError) as e:
            return web.json_response({"error": "invalid_seed", "detail": str(e)}, status=400)
        token = hub.register(world)
        return web.json_response({"id": world.id, "token": token, "base_url": hub.base_url,
                                  "env": hub.env_vars(token)}, status=201)

    async def listing(request: web.Request) -> web.StreamResponse:
        return web.json_response({"worlds": [{"id": w.id, "calls": len(w.calls)} for w in hub.worlds.values()]})

    async def state(request: web.Request) -> web.StreamResponse:
        world = world_of(request)
        return web.Response(body=orjson.dumps(world.view(tuple(sorted(set(world.image.seeded) | set(world.touched())))),
                                              option=orjson.OPT_NON_STR_KEYS), content_type="application/json")

    async def calls(request: web.Request) -> web.StreamResponse:
        world = world_of(request)
        return web.Response(body=msgspec.json.encode(world.calls), content_type="application/json")

    async def delete(request: web.Request) -> web.StreamResponse:
        if not hub.remove(request.match_info["id"]):
            return web.json_response({"error": "world_not_found"}, status=404)
        return web.Response(status=204)

    async def token(request: web.Request) -> web.StreamResponse:
        world = world_of(request)
        try:
            spec = msgspec.json.decode(await request.read() or b"{}", type=NewToken)
        except msgspec.DecodeError as e:
            return web.json_response({"error": "invalid_request", "detail": str(e)}, status=400)
        tok = hub.token(world, spec.actors or None)
        return web.json_response({"token": tok, "env": hub.env_vars(tok)}, status=201)

    return [
        web.get("/_dtu/health", health),
        web.post("/_dtu/worlds", guard(create)),
        web.get("/_dtu/worlds", guard(listing)),
        web.get("/_dtu/worlds/{id}/state", guard(state)),
        web.get("/_dtu/worlds/{id}/calls", guard(calls)),
        web.post("/_dtu/worlds/{id}/tokens", guard(token)),
        web.delete("/_dtu/worlds/{id}", guard(delete)),
    ]


def make_app(hub: Hub, admin_token: str | None = None, max_body: int = MAX_BODY) -> web.Application:
    app = web.Application(client_max_size=max_body)
    app.add_routes(admin_routes(hub, admin_token))
    for twin in hub.twins.values():
        for op in twin.ops:
            handler = op_handler(hub, twin, op)
            for method in op.methods:
                app.router.add_route(method, op.path, handler)
    app.router.add_route("*", "/{tail:.*}", fallback(hub))
    return app


async def start(hub: Hub, host: str = "127.0.0.1", port: int = 0, *, admin_token: str | None = None,
                ssl_context: Any = None, max_body: int = MAX_BODY) -> web.AppRunner:
    """Start serving on host:port (0 picks a free port) and set the hub's base URL."""
    runner = web.AppRunner(make_app(hub, admin_token, max_body), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context, backlog=1024)
    await site.start()
    server = site._server
    assert server is not None
    sock = server.sockets[0]  # type: ignore[attr-defined]
    bound = sock.getsockname()[1]
    scheme = "https" if ssl_context is not None else "http"
    hub.base_url = f"{scheme}://{host}:{bound}"
    for world in hub.worlds.values():
        world.env.base_url = hub.base_url
    return runner
