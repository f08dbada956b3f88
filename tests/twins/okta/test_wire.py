"""Okta's wire conventions on the HTTP door: auth schemes, Link and rate-limit headers, error shapes,
door equality, and `dtu serve --tls` with the okta SDK trusting the certificate it prints."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import textwrap
import urllib.error
import urllib.parse
import urllib.request
from email.utils import formatdate
from typing import Any

from okta.errors.okta_api_error import OktaAPIError

from dtu.runner.hub import Hub
from dtu.twins.core import World
from dtu.twins.core.env import http_date
from dtu.twins.registry import TWINS

from ...conftest import Server, start_server
from .conftest import SEED, client_for


def http(world: dict[str, Any], method: str, path: str, auth: str | None = None, body: bytes | None = None,
         ) -> tuple[int, Any, Any]:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    headers["Authorization"] = auth if auth is not None else f"SSWS {world['token']}"
    req = urllib.request.Request(world["base_url"] + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, resp.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        e.close()
        return e.code, e.headers, json.loads(raw) if raw else None


def test_auth_schemes(okta_world: dict[str, Any]) -> None:
    tok = okta_world["token"]
    for auth in (f"SSWS {tok}", f"SSWS{tok}", f"Bearer {tok}", f"ssws {tok}"):
        status, _, body = http(okta_world, "GET", "/api/v1/users/bob@acme.test", auth)
        assert status == 200, auth
        assert body["id"] == "00ubob00000000000001"
    status, _, body = http(okta_world, "GET", "/api/v1/users", f"Basic {tok}")
    assert status == 401
    assert body["errorCode"] == "E0000011" and body["errorSummary"] == "Invalid token provided"
    assert set(body) == {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}


def test_link_headers_self_then_next(okta_world: dict[str, Any]) -> None:
    status, headers, body = http(okta_world, "GET", "/api/v1/users?limit=1")
    assert status == 200 and len(body) == 1
    links = headers.get_all("Link")
    assert len(links) == 2
    assert links[0].endswith('rel="self"') and "limit=1" in links[0]
    assert links[1] == f'<{okta_world["base_url"]}/api/v1/users?after={body[0]["id"]}&limit=1>; rel="next"'
    status, headers, body = http(okta_world, "GET", f"/api/v1/users?limit=1&after={body[0]['id']}")
    assert status == 200 and body[0]["id"] != "00uadmin000000000001"


def test_rate_limit_headers_in_world_time(okta_world: dict[str, Any]) -> None:
    _, h1, _ = http(okta_world, "GET", "/api/v1/groups")
    _, h2, _ = http(okta_world, "GET", "/api/v1/apps")
    assert h1["X-Rate-Limit-Limit"] == "600"
    assert int(h2["X-Rate-Limit-Remaining"]) == int(h1["X-Rate-Limit-Remaining"]) - 1
    assert h1["X-Rate-Limit-Reset"] == h2["X-Rate-Limit-Reset"]
    assert int(h1["X-Rate-Limit-Reset"]) < 1_735_689_600  # the seed's clock (2024), not the wall clock
    status, h3, body = http(okta_world, "GET", "/api/v1/users/nobody")
    assert status == 404 and body["errorCode"] == "E0000007" and "X-Rate-Limit-Remaining" in h3


def test_date_header_is_formatdate() -> None:
    """The `Date` every answer carries is `email.utils.formatdate(now, usegmt=True)`, to the second
    (microseconds round as datetime rounds them, so 59.9999999 is the next minute)."""
    times = [0.0, 59.9999999, 951782400.0, 1709294400.5, 4102444799.999, -1.5] + [
        1_000_000_007.0 * k % 4_000_000_000 + k / 7 for k in range(2000)]
    for t in times:
        assert http_date(t) == formatdate(t, usegmt=True), t


async def test_rate_limit_exceeded_is_e0000047(make_world: Any) -> None:
    world = make_world({"okta": {**SEED["okta"], "rateLimit": 2}})
    async with client_for(world, rateLimit={"maxRetries": 0}) as client:
        for _ in range(2):
            assert (await client.list_groups())[2] is None
        _, _, err = await client.list_groups()
        assert isinstance(err, OktaAPIError)
        assert err.status == 429 and err.error_code == "E0000047"
        assert err.headers["X-Rate-Limit-Remaining"] == "0"
        assert int(err.headers["X-Rate-Limit-Reset"]) > 0


def test_malformed_and_unknown(okta_world: dict[str, Any]) -> None:
    status, _, body = http(okta_world, "POST", "/api/v1/users", body=b"{not json")
    assert status == 400 and body["errorCode"] == "E0000003"
    status, _, body = http(okta_world, "POST", "/api/v1/users", body=b'{"profile": "x"}')
    assert status == 400 and body["errorCode"] == "E0000001"
    status, _, body = http(okta_world, "GET", "/api/v1/nothing-here")
    assert status == 404 and body["errorCode"] == "E0000008"  # "The requested path was not found"
    status, _, body = http(okta_world, "GET", "/api/v1/users?limit=lots")
    assert status == 400 and body["errorCode"] == "E0000001"
    status, _, body = http(okta_world, "GET", "/api/v1/users?search=" + urllib.parse.quote('profile.x eq "'))
    assert status == 400 and body["errorCode"] == "E0000031"


async def test_doors_answer_alike(okta_world: dict[str, Any]) -> None:
    hub = Hub(TWINS)
    inproc = hub.create(seed_state=SEED)
    world = World(inproc.image, 0, "x", base_url=okta_world["base_url"])
    for path, op, args in (("/api/v1/users/00ubob00000000000001", "get_user", {"id": "00ubob00000000000001"}),
                           ("/api/v1/groups/00gsales000000000001", "get_group", {"groupId": "00gsales000000000001"}),
                           ("/api/v1/apps/0oazoom0000000000001/users", "list_application_users",
                            {"appId": "0oazoom0000000000001"})):
        _, _, over_http = http(okta_world, "GET", path)
        assert await world.call("okta", op, args) == over_http


def _serve_tls() -> tuple[Server, str]:
    srv = start_server("--tls")
    assert srv.url.startswith("https://127.0.0.1:")
    assert srv.proc.stdout is not None
    for _ in range(10):
        line = srv.proc.stdout.readline()
        if "DTU_TLS_CERT=" in line:
            return srv, line.split("DTU_TLS_CERT=")[1].strip()
    raise AssertionError("dtu serve --tls printed no certificate path")


def test_tls_serve_with_okta_sdk() -> None:
    srv, cert = _serve_tls()
    try:
        ctx = ssl.create_default_context(cafile=cert)
        req = urllib.request.Request(srv.url + "/_dtu/worlds", data=json.dumps({"seed_state": SEED}).encode(),
                                     method="POST", headers={"Content-Type": "application/json", **srv.admin_headers})
        with urllib.request.urlopen(req, timeout=30, context=ctx) as resp:
            world = json.loads(resp.read())
        script = textwrap.dedent("""
            import asyncio, json, os
            from okta.client import Client
            async def main():
                async with Client({"orgUrl": os.environ["ORG"], "token": os.environ["TOK"]}) as c:
                    users, _, err = await c.list_users(limit=2)
                    print(json.dumps({"err": str(err) if err else None, "n": len(users or [])}))
            asyncio.run(main())
        """)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OKTA_")}
        env.update(SSL_CERT_FILE=cert, ORG=world["base_url"], TOK=world["token"])
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout.strip().splitlines()[-1]) == {"err": None, "n": 2}
        try:  # without the certificate, a client refuses the server
            urllib.request.urlopen(srv.url + "/_dtu/health", timeout=30).close()
            raise AssertionError("an untrusted certificate was accepted")
        except urllib.error.URLError as e:
            assert isinstance(e.reason, ssl.SSLCertVerificationError)
    finally:
        srv.stop()
