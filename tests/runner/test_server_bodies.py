"""Broken bodies (multipart, gzip, deflate, charsets) get each vendor's own "malformed" answer, never a
500, on every twin; and nothing of a refused request reaches the world's log."""

from __future__ import annotations

import http.client
import json
import time
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from dtu.twins.registry import TWINS

from ..conftest import Server, start_server
from .fuzz import SEED
from .routes import auth_headers
from .test_server_admin import send

POSTS = {"slack": "/api/chat.postMessage", "okta": "/api/v1/groups", "jira": "/rest/api/3/issue",
         "google": "/drive/v3/files", "anthropic": "/v1/messages"}

GARBAGE = b"\xff\x00 this is not compressed \x01\x02"
BROKEN: list[tuple[str, dict[str, str], bytes]] = [
    ("gzip", {"Content-Encoding": "gzip", "Content-Type": "application/json"}, GARBAGE),
    ("deflate", {"Content-Encoding": "deflate", "Content-Type": "application/json"}, GARBAGE),
    ("gzip form", {"Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"}, GARBAGE),
    ("deflate multipart", {"Content-Encoding": "deflate", "Content-Type": "multipart/form-data; boundary=x"},
     GARBAGE),
    ("gzip, then truncated", {"Content-Encoding": "gzip", "Content-Type": "application/json"},
     zlib.compress(b'{"a": 1}')[:-4]),
    ("multipart without boundary", {"Content-Type": "multipart/form-data"}, b"--x\r\n\r\nabc"),
    ("multipart, garbage", {"Content-Type": "multipart/form-data; boundary=x"}, GARBAGE),
    ("multipart, unterminated", {"Content-Type": "multipart/form-data; boundary=x"},
     b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb'),
    ("multipart, bad part headers", {"Content-Type": "multipart/form-data; boundary=x"},
     b"--x\r\nno colon here\r\n\r\nb\r\n--x--\r\n"),
    ("multipart, bad part encoding", {"Content-Type": "multipart/form-data; boundary=x"},
     b'--x\r\nContent-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: gzip\r\n\r\nb\r\n--x--\r\n'),
    ("form, unknown charset", {"Content-Type": "application/x-www-form-urlencoded; charset=nope-9"}, b"a=%ff"),
    ("multipart, unknown charset", {"Content-Type": "multipart/form-data; boundary=x; charset=nope-9"},
     b'--x\r\nContent-Disposition: form-data; name="a"\r\nContent-Type: text/plain; charset=nope-9\r\n\r\n'
     b"\xff\r\n--x--\r\n"),
]


def shape(body: Any) -> Any:
    """The outline of an error body: its keys, recursively (messages differ, shapes do not)."""
    if isinstance(body, dict):
        return {k: shape(v) for k, v in body.items() if k not in ("message", "errorMessages", "errorSummary",
                                                                   "errorCauses", "errorId")}
    if isinstance(body, list):
        return [shape(body[0])] if body else []
    return type(body).__name__


@pytest.mark.parametrize("twin", sorted(POSTS))
def test_broken_bodies_get_the_vendors_malformed_answer(server: Server, twin: str) -> None:
    world = server.world(SEED)
    expected = TWINS[twin].errors.malformed("x")
    for what, headers, body in BROKEN:
        status, answer = send(server.url, "POST", POSTS[twin], {**auth_headers(twin, world["token"]), **headers},
                              body)
        assert status < 500, (twin, what, status, answer)
        if what == "gzip, then truncated":  # aiohttp reads what it could: an ordinary answer
            continue
        assert (status, shape(answer)) == (expected.status, shape(expected.body())), (twin, what, answer)
    assert server.admin("GET", f"/_dtu/worlds/{world['id']}/calls") == []


def test_broken_bodies_to_raw_and_capability_routes(server: Server) -> None:
    """Uploads read the raw body: a broken one is refused before any world sees it."""
    world = server.world(SEED)
    auth = {"Authorization": f"Bearer {world['token']}"}
    for enc in ("gzip", "deflate"):
        status, answer = send(server.url, "POST", "/upload/drive/v3/files?uploadType=media",
                              {**auth, "Content-Encoding": enc, "Content-Type": "text/plain"}, GARBAGE)
        assert status == 400 and answer["error"]["status"] == "INVALID_ARGUMENT", answer
        status, _ = send(server.url, "POST", "/upload/v1/" + "C" * 43,
                         {"Content-Encoding": enc, "Content-Type": "text/plain"}, GARBAGE)
        assert status == 404
    assert server.admin("GET", f"/_dtu/worlds/{world['id']}/calls") == []


def test_a_broken_body_closes_its_connection_and_says_so(server: Server) -> None:
    """dtu does not drain a body it could not read: the connection closes after the answer, which
    says `Connection: close`, so a keep-alive client opens a new one for its next request instead
    of sending it down a connection that is going away."""
    import httpx

    w = server.world(seed_state=SEED)
    headers = {"Authorization": f"Bearer {w['token']}", "Content-Type": "application/json"}
    with httpx.Client() as http:
        for _ in range(20):
            r = http.post(f"{server.url}/mcp", content=GARBAGE, headers={**headers, "Content-Encoding": "gzip"})
            assert r.status_code == 400 and r.headers.get("connection") == "close"
            r = http.post(f"{server.url}/api/auth.test", content=GARBAGE, headers={**headers, "Content-Encoding": "gzip"})
            assert r.status_code < 500 and r.headers.get("connection") == "close"
            ok = http.post(f"{server.url}/api/auth.test", headers={"Authorization": headers["Authorization"]})
            assert ok.status_code == 200 and ok.headers.get("connection") != "close"  # keep-alive as usual


@pytest.fixture(scope="module")
def small_server() -> Iterator[Server]:
    """`dtu serve --max-body 2048`."""
    srv = start_server("--max-body", "2048")
    yield srv
    srv.stop()


@pytest.mark.parametrize("twin", sorted(POSTS))
def test_a_body_over_max_body_gets_the_vendors_too_large_answer(small_server: Server, twin: str) -> None:
    """Whether the body came whole with its head or in chunks after it, one byte past --max-body
    is refused in the vendor's shape, and nothing reaches the world's log."""
    world = small_server.world(SEED)
    expected = TWINS[twin].errors.too_large(2048)
    headers = {**auth_headers(twin, world["token"]), "Content-Type": "application/json"}
    small = b'{"text": "' + b"x" * 2000 + b'"}'
    assert len(small) <= 2048
    status, _ = send(small_server.url, "POST", POSTS[twin], headers, small)
    assert status != expected.status
    big = b'{"text": "' + b"x" * 2037 + b'"}'
    assert len(big) == 2049
    status, answer = send(small_server.url, "POST", POSTS[twin], headers, big)
    assert (status, shape(answer)) == (expected.status, shape(expected.body()))
    assert answer == expected.body()  # the limit this server has, where the vendor names it
    status, answer = _chunked(small_server.url, POSTS[twin], headers, [big[:1000], big[1000:]])
    assert (status, shape(answer)) == (expected.status, shape(expected.body()))
    calls = small_server.admin("GET", f"/_dtu/worlds/{world['id']}/calls")
    assert len(calls) == 1  # the small body's call only


def _chunked(url: str, path: str, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, Any]:
    """A POST whose body is sent in chunks, the last one after a pause (so the server reads it
    after the head)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.putrequest("POST", path, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for chunk in chunks:
            time.sleep(0.05)
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, json.loads(raw) if raw else None
    finally:
        conn.close()
