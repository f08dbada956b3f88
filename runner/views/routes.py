"""The /ui/ routes of `dtu serve`: the twin views of the worlds a session may open.

Only the admin token or a world's token opens them. A browser cannot send a header when it
navigates, so `GET /ui/login?token=T` checks T once, keeps what it opens under a random session
id (server-side) and answers with an HttpOnly, SameSite=Strict cookie holding only that id, then
redirects to /ui/ so the token leaves the address bar. `Authorization: Bearer T` works on every
route too (scripts, tests). A world token opens its own world only; any other world id is the
same 404 as one that does not exist. The admin token opens every world."""

from __future__ import annotations

import hmac
import logging
import mimetypes
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from dtu.twins.core import World
from dtu.twins.core.memo import Bounded

from .common import render
from .page import STATIC, etag, fragment, kinds, world_page

if TYPE_CHECKING:
    from ..hub import Hub
    from ..server import Guard

log = logging.getLogger("dtu.ui")

COOKIE = "dtu_ui"
SESSION_IDLE = 12 * 3600.0  # seconds a session lives unused
MAX_SESSIONS = 10_000
MAX_LISTED = 1000  # worlds listed on /ui/ (a server may host 100,000)
PREFIX = "/ui"
STATIC_URL = f"{PREFIX}/static"
SECURITY = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Access:
    """What a request may open: every world (admin), or the world of one token."""

    admin: bool
    token: str = ""


@dataclass
class Session:
    access: Access
    seen: float


def _secure(fn: Handler) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        resp = await fn(request)
        resp.headers.update(SECURITY)
        resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    return handle


def _page(status: int, title: str, body: str, **extra: Any) -> web.Response:
    html = render("message.html", title=title, body=body, static=STATIC_URL, **extra)
    return web.Response(status=status, text=html, content_type="text/html", charset="utf-8")


def _redirect(location: str, status: int = 302) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


def _not_found() -> web.Response:
    return _page(404, "Not found", "There is no such page or world here.", home=f"{PREFIX}/")


def _unauthorized() -> web.Response:
    return _page(401, "Log in to the twin views",
                 "Open /ui/login?token=TOKEN once in this browser, with the admin token `dtu serve` "
                 "printed (it opens every world) or a world's token (it opens that world). "
                 "Scripts may send Authorization: Bearer TOKEN instead.", login=True)


class UI:
    def __init__(self, hub: Hub, guard: Guard) -> None:
        self.hub = hub
        self.guard = guard
        self.sessions: dict[str, Session] = {}
        self.etags: Bounded[tuple[Any, ...], str] = Bounded(4096)
        self.assets = {p.name: (p.read_bytes(), mimetypes.guess_type(p.name)[0] or "application/octet-stream")
                       for p in STATIC.iterdir() if p.is_file()}

    # -- who may open what ----------------------------------------------------------------------
    def check(self, token: str) -> Access | None:
        """The access a token gives: admin, a registered world's token, or nothing."""
        if not token:
            return None
        if hmac.compare_digest(token.encode(), self.guard.admin_token):
            return Access(admin=True)
        if token in self.hub.tokens:
            return Access(admin=False, token=token)
        return None

    def access(self, request: web.Request) -> Access | None:
        auth = request.headers.get("Authorization", "")
        if auth[:7].lower() == "bearer ":
            return self.check(auth[7:].strip())
        sid = request.cookies.get(COOKIE, "")
        session = self.sessions.get(sid) if sid else None
        now = time.monotonic()
        if session is None or now - session.seen > SESSION_IDLE:
            if session is not None:
                del self.sessions[sid]
            return None
        if not session.access.admin and session.access.token not in self.hub.tokens:
            del self.sessions[sid]  # the world was removed: its token opens nothing any more
            return None
        session.seen = now
        return session.access

    def worlds(self, access: Access) -> list[World]:
        if access.admin:
            return list(self.hub.worlds.values())
        entry = self.hub.tokens.get(access.token)
        return [entry[0]] if entry is not None else []

    def world(self, access: Access, wid: str) -> World | None:
        if access.admin:
            return self.hub.worlds.get(wid)
        entry = self.hub.tokens.get(access.token)
        return entry[0] if entry is not None and entry[0].id == wid else None

    def scenario(self, world: World) -> str:
        return self.scenarios().get(id(world.image), "")

    def scenarios(self) -> dict[int, str]:
        """Scenario ids by the identity of their seed image (a world made from a scenario shares it)."""
        return {id(p.image): sid for sid, p in self.hub.scenarios.items()}

    @staticmethod
    def offered(world: World) -> list[str]:
        """The views a world offers, known from its twins' names without building its state view."""
        return kinds({name: {} for name in (*world.image.seeded, *world.touched())})

    @staticmethod
    def view(world: World) -> dict[str, Any]:
        return world.view(tuple(sorted(set(world.image.seeded) | set(world.touched()))))

    # -- routes -----------------------------------------------------------------------------------
    async def login(self, request: web.Request) -> web.StreamResponse:
        access = self.check(request.query.get("token", ""))
        if access is None:
            return _unauthorized()
        if len(self.sessions) >= MAX_SESSIONS:  # drop the least recently used
            for sid, _ in sorted(self.sessions.items(), key=lambda kv: kv[1].seen)[: MAX_SESSIONS // 10]:
                del self.sessions[sid]
        sid = secrets.token_urlsafe(32)
        self.sessions[sid] = Session(access, time.monotonic())
        resp = _redirect(f"{PREFIX}/", 303)
        resp.set_cookie(COOKIE, sid, path=PREFIX, httponly=True, samesite="Strict",
                        secure=self.guard.scheme == "https")
        return resp

    async def logout(self, request: web.Request) -> web.StreamResponse:
        self.sessions.pop(request.cookies.get(COOKIE, ""), None)
        resp = _page(200, "Logged out", "This browser's session of the twin views has ended.", login=True)
        resp.del_cookie(COOKIE, path=PREFIX)
        return resp

    async def home(self, request: web.Request) -> web.StreamResponse:
        access = self.access(request)
        if access is None:
            return _unauthorized()
        worlds = self.worlds(access)
        named = self.scenarios()
        rows = [{"id": w.id, "href": f"{PREFIX}/w/{w.id}/", "scenario": named.get(id(w.image), ""),
                 "calls": len(w.calls), "twins": ", ".join(self.offered(w)) or "none"}
                for w in worlds[::-1][:MAX_LISTED]]  # the newest first
        html = render("worlds.html", rows=rows, admin=access.admin, static=STATIC_URL, logout=f"{PREFIX}/logout",
                      more=max(0, len(worlds) - MAX_LISTED))
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def first(self, request: web.Request) -> web.StreamResponse:
        access = self.access(request)
        if access is None:
            return _unauthorized()
        world = self.world(access, request.match_info["id"])
        if world is None:
            return _not_found()
        offered = self.offered(world)
        if not offered:
            return _page(200, f"World {world.id}", "This world holds no twin with a web view (Slack, Jira, Okta, "
                         "Google).", home=f"{PREFIX}/")
        return _redirect(f"{PREFIX}/w/{world.id}/{offered[0]}")

    async def show(self, request: web.Request) -> web.StreamResponse:
        access = self.access(request)
        if access is None:
            return _unauthorized()
        world = self.world(access, request.match_info["id"])
        kind = request.match_info["kind"]
        if world is None:
            return _not_found()
        sel = request.query.get("sel") or None
        base = f"{PREFIX}/w/{world.id}"
        if "frag" in request.query:
            return self.fragment(request, world, kind, sel, base)
        view = self.view(world)
        if kind not in kinds(view):
            return _not_found()
        scenario = self.scenario(world)
        try:
            html = world_page(view, kind, sel=sel, base=base, static=STATIC_URL, live=True,
                              title=f"{world.id} · {scenario}" if scenario else world.id)
        except Exception:
            log.exception("the %s view of world %s could not be drawn", kind, world.id)
            return _page(500, "This view could not be drawn", "The server's log says why.", home=f"{PREFIX}/")
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    def fragment(self, request: web.Request, world: World, kind: str, sel: str | None, base: str) -> web.Response:
        """The content alone, with an ETag; 304 while it is unchanged (known without drawing it
        again as long as the world's call count and clock stand still)."""
        key = (world.id, id(world), len(world.calls), world.env.now, kind, sel)
        asked = request.headers.get("If-None-Match", "")
        known = self.etags.get(key)
        if known is not None and asked == known:
            return web.Response(status=304, headers={"ETag": known})
        view = self.view(world)
        if kind not in kinds(view):
            return _not_found()
        try:
            html = fragment(view, kind, sel=sel, base=base)
        except Exception:
            log.exception("the %s view of world %s could not be drawn", kind, world.id)
            return _page(500, "This view could not be drawn", "The server's log says why.")
        tag = etag(html)
        self.etags.keep(key, tag)
        if asked == tag:
            return web.Response(status=304, headers={"ETag": tag})
        return web.Response(text=html, content_type="text/html", charset="utf-8", headers={"ETag": tag})

    async def asset(self, request: web.Request) -> web.StreamResponse:
        got = self.assets.get(request.match_info["name"])
        if got is None:
            return _not_found()
        body, ctype = got
        return web.Response(body=body, content_type=ctype, headers={"Cache-Control": "no-cache"})

    async def other(self, request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            return _page(405, "Method not allowed", "The twin views are read-only.", home=f"{PREFIX}/")
        return _not_found()

    async def bare(self, request: web.Request) -> web.StreamResponse:
        return _redirect(f"{PREFIX}/")


def routes(hub: Hub, guard: Guard) -> list[web.RouteDef]:
    """The /ui/ routes, for `make_app(..., ui=True)`."""
    ui = UI(hub, guard)
    return [
        web.get(PREFIX, _secure(ui.bare)),
        web.get(f"{PREFIX}/", _secure(ui.home)),
        web.get(f"{PREFIX}/login", _secure(ui.login)),
        web.get(f"{PREFIX}/logout", _secure(ui.logout)),
        web.get(f"{PREFIX}/static/{{name}}", _secure(ui.asset)),
        web.get(f"{PREFIX}/w/{{id}}", _secure(ui.first)),
        web.get(f"{PREFIX}/w/{{id}}/", _secure(ui.first)),
        web.get(f"{PREFIX}/w/{{id}}/{{kind}}", _secure(ui.show)),
        web.route("*", f"{PREFIX}/{{tail:.*}}", _secure(ui.other)),
    ]
