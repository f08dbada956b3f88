"""Door 2: an aiohttp application serving every twin at its vendor's real paths.

The token of a request picks the world (and the acting user), so one server hosts thousands of
isolated worlds; a capability URL (an upload URL) picks it by its secret instead. Admin
endpoints live under /_dtu/ and always need the admin token. Every route refuses a Host that is
not the server's own (DNS rebinding); admin routes also refuse browsers' cross-origin requests."""

from __future__ import annotations

import hmac
import secrets
import warnings
from collections.abc import Awaitable, Callable, Iterable
from time import monotonic
from typing import Annotated, Any
from urllib.parse import parse_qsl

import msgspec
import orjson
from aiohttp import web
from multidict import CIMultiDict

from dtu.twins.core import Call, Operation, Raw, Reply, Twin, TwinError
from dtu.twins.core.faults import parse_plan

from .errors import DtuError
from .hub import BASE, Hub, swap, swap_text
from .routing import Router
from .wallclock import MAX_SPEED, catch_up, http_date

MAX_BODY = 16 * 1024 * 1024
JSON = "application/json; charset=utf-8"
HandlerFn = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error_reply(err: TwinError) -> Reply:
    return Reply(err.status, err.body(), err.headers)


def encode(reply: Reply, extra: dict[str, str] | None = None,
           swaps: Iterable[tuple[str, str]] = (), now: float | None = None, log: Call | None = None) -> web.Response:
    """The wire form of a reply; `swaps` are (placeholder, real) pairs replaced in the body and
    headers: the served world's base URL and the capability secrets the call handed out. `now`,
    the world's time, is the `Date` (unless the twin set one), so an SDK that reads a reset time
    against `Date` waits what the world means. `log`, the world's call that made the reply, then
    keeps the JSON as it was sent (before the swaps: the world's own placeholders) instead of the
    objects it was made from, read back decoded (`Call.answer`): nothing for the collector to walk
    as a served world's log grows, and mostly less memory (a Docs document's answer: 1.2 KB of JSON
    against 7.2 KB of objects; a Jira issue's, built of shared shapes, 3.7 KB against 3.2)."""
    body = reply.body
    headers: Any = {}
    if reply.headers or extra:
        headers = {**reply.headers, **extra} if reply.headers and extra else dict(reply.headers or extra or ())
        several = False
        for k, v in headers.items():  # values only: the keys stay as they are
            if type(v) is str:
                if swaps:
                    headers[k] = swap_text(v, swaps)
            elif type(v) is list:  # a header sent once per value (Okta's Link)
                headers[k] = [swap_text(one, swaps) if type(one) is str else one for one in v]
                several = True
        if several:
            headers = CIMultiDict((k, one) for k, v in headers.items() for one in (v if type(v) is list else (v,)))
    if now is not None and "Date" not in headers and "date" not in headers:
        headers["Date"] = http_date(now)
    if body is None:
        return web.Response(status=reply.status, headers=headers)
    if type(body) is Raw:
        headers["Content-Type"] = body.content_type
        return web.Response(status=reply.status, body=swap(body.data, swaps), headers=headers)
    headers["Content-Type"] = JSON
    try:
        data = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:  # an integer past 64 bits, echoed from the request (page=2**70)
        data = msgspec.json.encode(body)
    if log is not None and log.body is body:
        log.body = msgspec.Raw(data)
    return web.Response(status=reply.status, body=swap(data, swaps), headers=headers)


# Request headers a raw operation never sees: credentials, and what differs per connection or
# port (Host), which would make a world's call log differ from run to run.
HIDDEN_HEADERS = frozenset(("authorization", "cookie", "proxy-authorization", "x-dtu-admin", "host", "connection",
                            "keep-alive", "transfer-encoding", "te", "upgrade", "via", "forwarded",
                            "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip"))


async def _body(request: web.Request, max_body: int) -> bytes:
    """The request's body: taken as it is when the parser already has all of it (a small body
    comes with its head), else read as `request.read()` reads it."""
    content = request.content
    if not content.is_eof():
        return await request.read()
    data = content.read_nowait()
    if len(data) > max_body:
        raise web.HTTPRequestEntityTooLarge(max_body, len(data))
    return data


async def read_args(request: web.Request, twin: Twin[Any], op: Operation | None,
                    max_body: int = MAX_BODY) -> dict[str, Any]:
    """Parameters from the query string, the path, and a JSON, form or raw body alike."""
    args: dict[str, Any] = dict(request.query) if request.query_string else {}
    if len(args) != len(request.query):  # a repeated parameter (ranges=A1&ranges=B2) becomes a list
        args.update({k: request.query.getall(k) for k in args if len(request.query.getall(k)) > 1})
    if request.match_info:
        args.update((k, v) for k, v in request.match_info.items() if k != "tail")
    if op is not None and op.raw_body:  # raw ops also see the request headers (uploads: Content-Range)
        args["_headers"] = {k.lower(): v for k, v in request.headers.items()
                            if k.lower() not in HIDDEN_HEADERS}
    if not request.body_exists:
        return args
    ctype = request.content_type
    try:
        if op is not None and op.raw_body:
            args["_body"] = await request.read()
            args["_content_type"] = request.headers.get("Content-Type", "")
            return args
        if ctype == "multipart/form-data":
            form = await request.post()
            for k, v in form.items():
                args[k] = v if isinstance(v, str) else v.file.read()  # type: ignore[union-attr]
            return args
        data = await _body(request, max_body)
        if ctype == "application/x-www-form-urlencoded":  # what request.post() does, without its MultiDict
            args.update(parse_qsl(data.decode(request.charset or "utf-8"), keep_blank_values=True))
            return args
    except web.HTTPRequestEntityTooLarge:
        raise twin.errors.too_large(max_body) from None
    except Exception as e:  # a broken body: multipart, gzip, deflate, charset, ...
        raise twin.errors.malformed(f"could not read the body: {_reason(e)}") from None
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


def _reason(e: BaseException) -> str:
    text = " ".join(str(e).split())[:200]
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def op_handler(hub: Hub, twin: Twin[Any], op: Operation, max_body: int = MAX_BODY) -> HandlerFn:
    tokens = hub.tokens
    clocks = hub.clocks
    live = hub.live
    name = twin.name
    extra_headers = twin.headers
    capability = op.capability

    async def handle(request: web.Request) -> web.StreamResponse:
        if capability is not None and capability in request.match_info and hub.opened(
                request.match_info[capability], name, op.name) is None:  # refused before its body is read
            return encode(_error_reply(twin.errors.not_found_route(request.method, request.path)))
        try:
            args = await read_args(request, twin, op, max_body)
            token = twin.auth(request.headers, args)
        except TwinError as e:
            return encode(_error_reply(e))
        entry = tokens.get(token) if token else None
        if entry is None and token and token[:4] == "jwt:":  # a Connect app's JWT (runner/connect.py)
            tenant = hub.connect.verify(token[4:], request.method, request.path_qs)
            if tenant is not None:
                entry = (tenant.world, {name: tenant.actor})
        if capability is not None and capability in args:
            # a capability URL: its secret alone picks the world (a token, if one is sent, must be
            # for the same world); anything else is refused before it reaches any world
            opened = hub.opened(str(args.pop(capability)), name, op.name)
            if opened is None or (entry is not None and entry[0] is not opened[0]):
                return encode(_error_reply(twin.errors.not_found_route(request.method, request.path)))
            world, cap_args = opened
            args.update(cap_args)
            actors = entry[1] if entry is not None else None
        elif entry is None:
            return encode(_error_reply(twin.errors.unauthorized(bool(token))))
        else:
            world, actors = entry
        env = world.env
        clock = clocks.get(world.id)
        if clock is not None and monotonic() >= clock.due:  # a whole world second is owed (wallclock.py)
            await catch_up(world, clock, live)
        prepare = hub.prepare.get((name, op.name)) if hub.prepare else None
        if prepare is not None:  # a step the operation needs first (runner/deliver_hooks.py)
            await prepare(world, args)
        if env.grants:
            env.grants.clear()
        reply = world.dispatch(name, op.name, args, actors.get(name) if actors else None)
        swaps = [(BASE, hub.base_url)]
        if env.grants:
            swaps += hub.seal(world, name, env.grants)
        extra = extra_headers(world.ctx(name).state, env, reply) if extra_headers is not None else None
        return encode(reply, extra, swaps, env.now, world.last_call)

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
    speed: Annotated[float, msgspec.Meta(ge=0.0, le=MAX_SPEED)] | None = None
    """World seconds per wall second of this world's clock (0: per-call ticks only); default the server's."""


class NewToken(msgspec.Struct, forbid_unknown_fields=True):
    actors: dict[str, str] = {}


def _refuse(status: int, error: str, detail: str) -> web.Response:
    return web.json_response({"error": error, "detail": detail}, status=status)


class Guard:
    """Who may reach the server and its admin API.

    Every route (checked by the router, runner/routing.py): the Host header must name this server
    (the bound address, localhost, 127.0.0.1, [::1] or an --allow-host name, with the port), or a
    web page could reach it by DNS rebinding.
    Admin routes: the admin token (X-DTU-Admin, or Authorization: Bearer), and no browser
    cross-origin request (an Origin other than the server's own, Sec-Fetch-Site cross-site or
    same-site)."""

    LOCAL = ("localhost", "127.0.0.1", "[::1]")

    def __init__(self, admin_token: str, allow_hosts: Iterable[str] = ()) -> None:
        self.admin_token = admin_token.encode()
        self.names = {*self.LOCAL, *(h.lower() for h in allow_hosts)}
        self.hosts: set[str] = set()
        self.scheme = "http"

    def bind(self, host: str, port: int, scheme: str) -> None:
        """Accept Host headers naming this server, now that its port is known."""
        self.scheme = scheme
        bound = f"[{host}]" if ":" in host and not host.startswith("[") else host
        default = 443 if scheme == "https" else 80
        for name in {*self.names, bound.lower()}:
            if name.rsplit(":", 1)[-1].isdigit() and not name.endswith("]"):
                self.hosts.add(name)  # an --allow-host given with its port
                continue
            self.hosts.add(f"{name}:{port}")
            if port == default:
                self.hosts.add(name)

    async def closing(self, request: web.Request, resp: web.StreamResponse) -> None:
        """Before any answer's headers go out (`on_response_prepare`): a body refused or broken
        before it was read to its end closes the connection after this answer (lingering_time=0),
        so say so, or a client would send its next request on a connection that is going away."""
        if request.body_exists and not request.content.at_eof():
            resp.force_close()
            resp.headers["Connection"] = "close"

    def application(self, **kwargs: Any) -> web.Application:
        """An application under this guard: its router refuses foreign hosts (runner/routing.py), and
        answers to bodies left unread say they close their connection (`closing`)."""
        with warnings.catch_warnings():  # aiohttp calls a router of one's own deprecated, and still takes it
            warnings.filterwarnings("ignore", "router argument is deprecated", DeprecationWarning)
            app = web.Application(router=Router(self.hosts), **kwargs)
        app.on_response_prepare.append(self.closing)
        return app

    def cross_origin(self, request: web.Request) -> web.Response | None:
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() != f"{self.scheme}://{request.headers.get('Host', '').lower()}":
            return _refuse(403, "cross_origin", "admin endpoints refuse requests from other origins")
        if request.headers.get("Sec-Fetch-Site", "same-origin").lower() not in ("same-origin", "none"):
            return _refuse(403, "cross_origin", "admin endpoints refuse requests from other sites")
        return None

    def admin(self, request: web.Request) -> bool:
        got = request.headers.get("X-DTU-Admin")
        if got is None:
            auth = request.headers.get("Authorization", "")
            got = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        return bool(got) and hmac.compare_digest(got.encode(), self.admin_token)

    def only_admin(self, fn: HandlerFn) -> HandlerFn:
        """`fn` behind the admin token, refusing browsers' cross-origin requests first."""
        async def checked(request: web.Request) -> web.StreamResponse:
            refused = self.cross_origin(request)
            if refused is not None:
                return refused
            if not self.admin(request):
                return _refuse(401, "admin_token_required", "send the admin token `dtu serve` printed, "
                               "as X-DTU-Admin: <token> or Authorization: Bearer <token>")
            return await fn(request)

        return checked


async def _json_body(request: web.Request, kind: type[Any]) -> Any:
    """The request body decoded as `kind` ({} when empty); a JSON 400 for anything broken."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise
    except Exception as e:  # a broken body: gzip, deflate, chunking, ...
        raise web.HTTPBadRequest(text=orjson.dumps({"error": "invalid_request", "detail": _reason(e)}).decode(),
                                 content_type="application/json") from None
    try:
        return msgspec.json.decode(raw or b"{}", type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        raise web.HTTPBadRequest(text=orjson.dumps({"error": "invalid_request", "detail": str(e)}).decode(),
                                 content_type="application/json") from None


def admin_routes(hub: Hub, guard: Guard) -> list[web.RouteDef]:
    admin = guard.only_admin

    def world_of(request: web.Request) -> Any:
        world = hub.worlds.get(request.match_info["id"])
        if world is None:
            raise web.HTTPNotFound(text='{"error": "world_not_found"}', content_type="application/json")
        return world

    async def health(request: web.Request) -> web.StreamResponse:
        if guard.cross_origin(request) is not None or not guard.admin(request):
            return web.json_response({"ok": True})  # liveness only
        return web.json_response({"ok": True, "worlds": len(hub.worlds), "twins": sorted(hub.twins),
                                  "scenarios": sorted(hub.scenarios)})

    async def create(request: web.Request) -> web.StreamResponse:
        spec = await _json_body(request, CreateWorld)
        if hub.full():
            return web.json_response({"error": "too_many_worlds", "limit": hub.max_worlds}, status=429)
        if spec.scenario is not None and spec.scenario not in hub.scenarios:
            return web.json_response({"error": "unknown_scenario", "known": sorted(hub.scenarios)}, status=404)
        try:
            world = hub.create(spec.scenario, spec.seed_state, spec.trial, spec.seed, spec.now)
            if spec.faults is not None:
                world.faults = parse_plan(spec.faults).world_faults(world.env.seed)
        except (ValueError, KeyError, TypeError, msgspec.ValidationError, DtuError) as e:
            return web.json_response({"error": "invalid_seed", "detail": str(e)}, status=400)
        token = hub.register(world, speed=spec.speed)
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
        spec = await _json_body(request, NewToken)
        tok = hub.token(world, spec.actors or None)
        return web.json_response({"token": tok, "env": hub.env_vars(tok)}, status=201)

    return [
        web.get("/_dtu/health", health),
        web.post("/_dtu/worlds", admin(create)),
        web.get("/_dtu/worlds", admin(listing)),
        web.get("/_dtu/worlds/{id}/state", admin(state)),
        web.get("/_dtu/worlds/{id}/calls", admin(calls)),
        web.post("/_dtu/worlds/{id}/tokens", admin(token)),
        web.delete("/_dtu/worlds/{id}", admin(delete)),
    ]


def make_app(hub: Hub, guard: Guard, max_body: int = MAX_BODY, *, ui: bool = False) -> web.Application:
    """The door's application; `ui` adds the twin views under /ui/ (`dtu serve` only, never a private door)."""
    app = guard.application(client_max_size=max_body)
    app.add_routes(admin_routes(hub, guard))
    if ui:
        from .views.routes import routes as ui_routes

        app.add_routes(ui_routes(hub, guard))
    for twin in hub.twins.values():
        for op in twin.ops:
            handler = op_handler(hub, twin, op, max_body)
            for method in op.methods:
                app.router.add_route(method, op.path, handler)
    from . import mcp_http  # the MCP SDK is imported only by a server that starts

    mcp_routes, mcp_running = mcp_http.routes(hub)
    app.add_routes(mcp_routes)
    app.cleanup_ctx.append(mcp_running)
    app.cleanup_ctx.append(hub.ticking)  # served worlds' people act on time with nobody calling
    from .deliver_http import deliver_routes, delivering  # events pushed to agents (runner/deliver.py)

    app.add_routes(deliver_routes(hub, guard))
    app.cleanup_ctx.append(delivering(hub))
    app.router.add_route("*", "/{tail:.*}", fallback(hub))
    return app


async def start(hub: Hub, host: str = "127.0.0.1", port: int = 0, *, admin_token: str | None = None,
                ssl_context: Any = None, max_body: int = MAX_BODY,
                allow_hosts: Iterable[str] = (), ui: bool = False) -> web.AppRunner:
    """Start serving on host:port (0 picks a free port) and set the hub's base URL.

    The admin API always needs `admin_token`; without one, a random token nobody is told locks
    it. `allow_hosts` are further names the server answers to (besides its bound address,
    localhost, 127.0.0.1 and [::1]); `ui` serves the twin views under /ui/."""
    guard = Guard(admin_token or secrets.token_urlsafe(32), allow_hosts)
    # lingering_time=0: a body the handler refused unread (or could not decode) closes the
    # connection instead of being drained, which would log a client's broken body as a traceback
    runner = web.AppRunner(make_app(hub, guard, max_body, ui=ui), access_log=None, handle_signals=False,
                           lingering_time=0)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context, backlog=1024)
    await site.start()
    server = site._server
    assert server is not None
    sock = server.sockets[0]  # type: ignore[attr-defined]
    bound = sock.getsockname()[1]
    scheme = "https" if ssl_context is not None else "http"
    guard.bind(host, bound, scheme)
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    hub.base_url = f"{scheme}://{shown}:{bound}"
    return runner
