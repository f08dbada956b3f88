"""`dtu view`'s web app: runs, a run, a scenario's trials, a trajectory, the final world in the
twin views, and comparisons of any two runs or agents. aiohttp on 127.0.0.1, pages rendered
here with jinja2, plots drawn by plotly.js from the plotly package; no build step, no network.

Run folders hold the hidden checks, so the app opens only with the token `dtu view` prints
(exchanged at /login for an HttpOnly, SameSite=Strict session cookie, or sent as a Bearer
token), and answers only to its own address (DNS rebinding)."""

from __future__ import annotations

import hmac
import math
import secrets
import sys
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from aiohttp import web

from .. import __version__
from ..compare import Comparison, compare
from ..server import Guard
from ..stats import NO_SANDBOX_NOTE, TWIN_NOTE, Summary
from . import plots
from .catalog import Catalog, Run
from .trajectory import Cache

HERE = Path(__file__).resolve().parent
PAGE = 50  # trials per page
COOKIE = "dtu_view"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda x: f"{100 * x:.1f}%"
    env.filters["num"] = lambda x, d=3: f"{x:.{d}f}"
    env.filters["q"] = lambda x: quote(str(x), safe="")
    return env


@cache
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode()


class Viewer:
    def __init__(self, catalog: Catalog, token: str, guard: Guard) -> None:
        self.catalog = catalog
        self.token = token
        self.guard = guard
        self.sessions: set[str] = set()
        self.explained = Cache()

    # -- plumbing -------------------------------------------------------------------------------
    def page(self, template: str, status: int = 200, **ctx: Any) -> web.Response:
        html = _env().get_template(template).render(version=__version__, **ctx)
        return web.Response(text=html, status=status, content_type="text/html", headers=HEADERS)

    def missing(self, what: str) -> web.Response:
        return self.page("message.html", 404, title="Not found", message=what)

    def authorised(self, request: web.Request) -> bool:
        if request.cookies.get(COOKIE, "") in self.sessions:
            return True
        auth = request.headers.get("Authorization", "")
        return auth[:7].lower() == "bearer " and hmac.compare_digest(auth[7:].strip().encode(), self.token.encode())

    @web.middleware
    async def gate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in ("/login", "/favicon.ico") or request.path.startswith(("/static/", "/ui-static/")):
            return await handler(request)
        if not self.authorised(request):
            return self.page("message.html", 401, title="Log in",
                             message="Open the address `dtu view` printed (it ends in /login?token=...).")
        try:
            return await handler(request)
        except KeyError as e:  # an unknown run, scenario, agent, trial or view
            return self.missing(f"nothing here: {e.args[0] if e.args else request.path}")
        except web.HTTPException:
            raise
        except Exception as e:  # a bug, or a run folder changing under us: a page that says so, no traceback
            print(f"dtu view: {request.path}: {type(e).__name__}: {e}", file=sys.stderr)
            return self.page("message.html", 500, title="Something went wrong",
                             message=f"{type(e).__name__}: {e}. The viewer keeps serving; the terminal running "
                                     "`dtu view` has the same message.")

    async def login(self, request: web.Request) -> web.StreamResponse:
        given = request.query.get("token", "")
        if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
            return self.page("message.html", 401, title="Log in",
                             message="That token does not open this viewer; use the address `dtu view` printed.")
        session = secrets.token_urlsafe(32)
        self.sessions.add(session)
        resp = web.HTTPSeeOther("/", headers=HEADERS)
        resp.set_cookie(COOKIE, session, httponly=True, samesite="Strict", path="/")
        raise resp

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name == "plotly.min.js":
            return web.Response(body=_plotly_js(), content_type="text/javascript",
                                headers={"Cache-Control": "max-age=86400"})
        return _file(HERE / "static", name)

    async def ui_static(self, request: web.Request) -> web.StreamResponse:
        from .. import views

        return _file(views.STATIC, request.match_info["name"])

    # -- pages ----------------------------------------------------------------------------------
    async def runs(self, request: web.Request) -> web.StreamResponse:
        runs = self.catalog.refresh()
        entries = self.catalog.history.entries()
        rows: list[dict[str, Any]] = []
        for r in runs:
            s = r.summary()
            for a in (s.agents if s else []):
                rows.append({"run": r, "agent": a, "label": r.labels.get(a.agent, ""), "complete": s.complete if s else False})
            if s is None:
                rows.append({"run": r, "agent": None, "label": "", "complete": False})
        sides = [f"{row['run'].id}:{row['agent'].agent}" for row in rows if row["agent"] is not None]
        return self.page("runs.html", rows=rows, missing=self.catalog.missing, sides=sides,
                         figure=plots.versions(entries) if entries else None)

    async def run(self, request: web.Request) -> web.StreamResponse:
        run = self.catalog.run(request.match_info["rid"])
        s = run.summary()
        store = run.store()
        by_scenario: dict[str, list[Any]] = {}
        for st in (s.scenarios if s else []):
            by_scenario.setdefault(st.scenario, []).append(st)
        order = sorted(by_scenario, key=lambda sid: (min(x.satisfaction for x in by_scenario[sid]), sid))
        agents = [a.agent for a in s.agents] if s else sorted({e.agent for e in store.entries})
        pairs = [(agents[0], b) for b in agents[1:]]
        return self.page("run.html", run=run, s=s, scenarios=[(sid, by_scenario[sid]) for sid in order],
                         stored=len(store.entries), pairs=pairs, notes=_notes(s),
                         fig_tags=plots.by_tag(s) if s and any(a.by_tag for a in s.agents) else None,
                         fig_passk=plots.pass_k(s) if s else None,
                         fig_dist=plots.distributions(store.entries) if store.entries else None)

    async def scenario(self, request: web.Request) -> web.StreamResponse:
        run = self.catalog.run(request.match_info["rid"])
        sid = request.match_info["sid"]
        agent = request.query.get("agent")
        only = request.query.get("only", "")
        entries = [e for e in run.store().entries if e.scenario == sid and (agent is None or e.agent == agent)
                   and (only != "failed" or not e.satisfied)]
        if not entries and not any(e.scenario == sid for e in run.store().entries):
            raise KeyError(f"scenario {sid} in run {run.id}")
        entries.sort(key=lambda e: (e.agent, e.trial))
        pages = max(1, math.ceil(len(entries) / PAGE))
        try:
            n = min(max(1, int(request.query.get("page", "1"))), pages)
        except ValueError:
            n = 1
        s = run.summary()
        stats = [x for x in (s.scenarios if s else []) if x.scenario == sid and (agent is None or x.agent == agent)]
        sc = None
        try:
            sc = run.worlds().loaded(sid).scenario
        except Exception:  # the scenario file is gone: the trials still show
            sc = None

        def link(page: int, which: str | None = None) -> str:
            shown = only if which is None else which
            q = {k: v for k, v in (("agent", agent), ("only", shown), ("page", str(page))) if v}
            return f"/run/{quote(run.id)}/s/{quote(sid)}?{urlencode(q)}"

        return self.page("scenario.html", run=run, sid=sid, agent=agent, only=only, stats=stats, scenario=sc,
                         entries=entries[(n - 1) * PAGE: n * PAGE], page=n, pages=pages, total=len(entries),
                         link=link)

    def _trajectory(self, request: web.Request) -> tuple[Run, Any]:
        run = self.catalog.run(request.match_info["rid"])
        try:
            trial = int(request.match_info["trial"])
        except ValueError:
            raise KeyError(f"trial {request.match_info['trial']}") from None
        store = run.store()
        e = store.find(request.match_info["agent"], request.match_info["sid"], trial)
        if e is None:
            raise KeyError(f"trajectory {request.match_info['agent']}/{request.match_info['sid']}/{trial}")
        return run, store.read(e)

    async def trajectory(self, request: web.Request) -> web.StreamResponse:
        run, t = self._trajectory(request)
        x = self.explained.get(run, t)
        from .. import views

        base = f"/run/{quote(run.id)}/t/{quote(t.agent)}/{quote(t.scenario)}/{t.trial}"
        return self.page("trajectory.html", run=run, t=t, x=x, base=base, kinds=views.kinds(x.final) if x.final else [],
                         model_note=TWIN_NOTE if t.info.get("model_kind") not in (None, "api") else "",
                         sandbox_note=NO_SANDBOX_NOTE if t.info.get("sandbox") == "off" else "")

    async def world(self, request: web.Request) -> web.StreamResponse:
        from .. import views

        run, t = self._trajectory(request)
        x = self.explained.get(run, t)
        base = f"/run/{quote(run.id)}/t/{quote(t.agent)}/{quote(t.scenario)}/{t.trial}/world"
        html = views.world_page(x.final, request.match_info["kind"], sel=request.query.get("sel"), base=base,
                                static="/ui-static", title=f"{t.agent}/{t.scenario}/{t.trial}: final world",
                                live=False)
        return web.Response(text=html, content_type="text/html", headers=HEADERS)

    async def compare(self, request: web.Request) -> web.StreamResponse:
        a, b = request.query.get("a", ""), request.query.get("b", "")
        self.catalog.refresh()
        choices = [f"{r.id}:{x.agent}" for r in self.catalog.runs.values() for x in (r.summary() or _NONE).agents]
        if not a or not b:
            return self.page("compare.html", c=None, a=a, b=b, choices=choices, verdict="", problem="")
        try:
            sa, agent_a = self._side(a)
            sb, agent_b = self._side(b)
        except KeyError as e:
            return self.page("compare.html", 404, c=None, a=a, b=b, choices=choices, verdict="",
                             problem=f"unknown side: {e.args[0]}")
        c = compare(sa.for_agent(agent_a), sb.for_agent(agent_b), 0.05, a, b, sa.resamples, sa.bootstrap_seed,
                    run_a=sa.run_id, run_b=sb.run_id)
        return self.page("compare.html", c=c, a=a, b=b, choices=choices, verdict=_verdict(c), problem="",
                         figure=plots.deltas(c) if c.common else None)

    def _side(self, value: str) -> tuple[Summary, str]:
        rid, _, agent = value.rpartition(":")
        run = self.catalog.run(rid)
        s = run.summary()
        if s is None or agent not in [x.agent for x in s.agents]:
            raise KeyError(value)
        return s, agent


class _None:
    agents: list[Any] = []


_NONE = _None()


def _verdict(c: Comparison) -> str:
    """What `dtu compare` would say (and exit with) for this comparison."""
    if not c.common:
        return "could not judge: no scenario in common (dtu compare exits 2)"
    if c.significant_regression:
        return "regressed (dtu compare exits 1)"
    return "no significant regression (dtu compare exits 0)"


def _notes(s: Summary | None) -> list[str]:
    return sorted({n for a in (s.agents if s else []) for n in a.notes})


def _file(folder: Path, name: str) -> web.StreamResponse:
    p = (folder / name).resolve()
    if not p.is_relative_to(folder.resolve()) or not p.is_file():
        return web.Response(status=404, text="not found")
    return web.FileResponse(p, headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})


async def _no_icon(request: web.Request) -> web.StreamResponse:
    return web.Response(status=204)


def make_app(catalog: Catalog, token: str, guard: Guard) -> tuple[web.Application, Viewer]:
    v = Viewer(catalog, token, guard)
    app = guard.application(middlewares=[v.gate])
    app.add_routes([
        web.get("/login", v.login),
        web.get("/favicon.ico", _no_icon),
        web.get("/static/{name}", v.static),
        web.get("/ui-static/{name}", v.ui_static),
        web.get("/", v.runs),
        web.get("/compare", v.compare),
        web.get("/run/{rid}", v.run),
        web.get("/run/{rid}/s/{sid}", v.scenario),
        web.get("/run/{rid}/t/{agent}/{sid}/{trial}", v.trajectory),
        web.get("/run/{rid}/t/{agent}/{sid}/{trial}/world/{kind}", v.world),
    ])
    return app, v
