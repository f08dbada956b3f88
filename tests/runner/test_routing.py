"""The door's router (runner/routing.py) picks exactly what aiohttp's own router picks."""

from __future__ import annotations

from typing import Any, NamedTuple

from aiohttp import web
from aiohttp.web_urldispatcher import DynamicResource, MatchInfoError, PlainResource
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

from dtu.runner.hub import Hub
from dtu.runner.routing import METHODS, Router
from dtu.runner.server import Guard, make_app

GUARD = Guard("admin")
GUARD.bind("127.0.0.1", 8080, "http")
HOST = {"Host": "127.0.0.1:8080"}
APP = make_app(Hub(seed=0), GUARD)
APP.freeze()
ROUTER = APP.router
assert isinstance(ROUTER, Router)
VALUES = ("PROJ-1", "a%2Fb", "x:y", "me", "0", "%25", "1benchDoc:batchUpdate", "Sheet1!A1:B2", "é", "")


def _sample_paths() -> list[str]:
    paths = ["/", "/nope", "/api", "/rest/api/2", "/rest/api/3/issue", "//x", "/api/v1/users/"]
    for resource in ROUTER.resources():
        if type(resource) is PlainResource:
            paths.append(resource.canonical)
            paths.append(resource.canonical + "/extra")
        elif type(resource) is DynamicResource:
            names = list(resource._pattern.groupindex)
            for value in VALUES:
                path = resource._formatter.format_map(dict.fromkeys(names, value))
                paths += [path, path + "/x", path.rsplit("/", 1)[0]]
    return paths


SEGMENTS = sorted({s for p in _sample_paths() for s in p.split("/")})


class _Request(NamedTuple):
    """What routing reads of a request (aiohttp's mocked requests cost milliseconds each)."""

    method: str
    rel_url: URL
    headers: dict[str, str]


def _done(coro: Any) -> Any:
    """A coroutine that never waits, run to its end (resolving awaits nothing that suspends)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("resolve suspended")


def _answer(method: str, path: str, router: Any, headers: dict[str, str] = HOST) -> Any:
    request = _Request(method, URL.build(path=path, encoded=True), headers)
    found = _done(router(request))
    if isinstance(found, MatchInfoError):
        return ("error", found.http_exception.status, sorted(getattr(found.http_exception, "allowed_methods", ())))
    return (found.route.resource.canonical, found.route.method, dict(found))


def _same(method: str, path: str) -> None:
    ours = _answer(method, path, ROUTER.resolve)
    theirs = _answer(method, path, lambda req: web.UrlDispatcher.resolve(ROUTER, req))
    assert ours == theirs, (method, path)
    again = _answer(method, path, ROUTER.resolve)  # the second time comes from the router's cache
    assert again == theirs, (method, path)


def test_a_foreign_host_is_refused_before_any_route() -> None:
    """DNS rebinding: the router answers 421 to a Host the server was not bound to, on every path."""
    for path in ("/api/auth.test", "/_dtu/worlds", "/nowhere"):
        for host in ({"Host": "evil.example:8080"}, {"Host": "127.0.0.1:8081"}, {}):
            assert _answer("POST", path, ROUTER.resolve, host) == ("error", 421, [])
        assert _answer("POST", path, ROUTER.resolve, {"Host": "LOCALHOST:8080"})[0] != "error"


def test_every_route_resolves_as_aiohttp_does() -> None:
    paths = _sample_paths()
    assert len(paths) > 1000
    for path in paths:
        for method in (*sorted(METHODS), "PROPFIND"):
            _same(method, path)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SEGMENTS), st.text("ab%2F:!.-_", max_size=6)), min_size=1, max_size=7),
       st.sampled_from(sorted(METHODS)))
def test_any_path_resolves_as_aiohttp_does(segments: list[str], method: str) -> None:
    _same(method, "/" + "/".join(segments))


def test_a_twin_route_wins_over_the_fallback() -> None:
    assert _answer("GET", "/rest/api/2/issue/PROJ-1", ROUTER.resolve)[0] == "/rest/api/{v}/issue/{issueIdOrKey}"
    assert _answer("GET", "/no/such/path", ROUTER.resolve)[0] == "/{tail}"
