"""Hypothesis strategies for hostile requests to every route of the HTTP door."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from hypothesis import strategies as st

from .routes import auth_headers, fill, routes

ROUTES = list(routes())
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=False),
                    st.text(max_size=40))
JSONISH = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                       max_leaves=12)


def field_names(op: Any) -> list[str]:
    return list(getattr(op.params, "__struct_fields__", ())) or ["x"]


@st.composite
def hostile_request(draw: st.DrawFn) -> tuple[str, str, dict[str, str], bytes]:
    twin, method, path, op = draw(st.sampled_from(ROUTES))
    names = field_names(op)
    segment = quote(draw(st.one_of(st.text(max_size=20), st.sampled_from(["0", "-1", "..", "%", "A1:B2"]))), safe="")
    url = fill(path, segment or "x")
    params = draw(st.dictionaries(st.sampled_from(names), st.text(max_size=12), max_size=3))
    if params:
        url += "?" + urlencode(params)
    token = draw(st.sampled_from(["good", "good", "bad", "none"]))
    kind = draw(st.sampled_from(["json", "json", "bad-json", "form", "bytes", "none", "array"]))
    headers: dict[str, str] = {}
    body = b""
    if kind == "json":
        obj = draw(st.dictionaries(st.sampled_from([*names, "extra"]), JSONISH, max_size=5))
        body, headers["Content-Type"] = json.dumps(obj).encode(), "application/json"
    elif kind == "array":
        body, headers["Content-Type"] = json.dumps(draw(st.lists(JSONISH, max_size=3))).encode(), "application/json"
    elif kind == "bad-json":
        body, headers["Content-Type"] = draw(st.sampled_from([b"{", b"{\"a\": }", b"\xff\xfe", b"nul"])), "application/json"
    elif kind == "form":
        body = urlencode(draw(st.dictionaries(st.sampled_from(names), st.text(max_size=12), max_size=3))).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif kind == "bytes":
        body, headers["Content-Type"] = draw(st.binary(max_size=64)), draw(st.sampled_from(
            ["application/octet-stream", "text/plain", "multipart/form-data; boundary=x", "application/json; charset=latin-9"]))
    return twin, method, url, headers | {"_token": token}, body


class Client:
    """One keep-alive connection to the server."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """Send on the kept-alive connection; a connection the server closed after its previous
        answer (as it may after a 4xx) is reopened once. A server that is down fails the retry."""
        for attempt in (1, 2):
            try:
                self.conn.request(method, url, body=body or None, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def prepare_headers(twin: str, headers: dict[str, str], token: str) -> dict[str, str]:
    which = headers.pop("_token")
    if which == "good":
        headers.update(auth_headers(twin, token))
    elif which == "bad":
        headers.update(auth_headers(twin, "dtu-wrong-token"))
    return headers
