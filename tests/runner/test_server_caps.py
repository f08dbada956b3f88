"""Capability URLs (Slack upload URLs, Google resumable-upload sessions) are secrets from a CSPRNG that
the door maps to one world; the world itself only ever sees placeholders from its seeded stream, so
its state, call log and digest stay deterministic. A refused request is logged in no world."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from dtu.runner.hub import BASE
from dtu.twins.core import SeedImage, World
from dtu.twins.registry import TWINS

from ..conftest import Server, start_server
from .fuzz import SEED
from .test_server_admin import send

GENERAL = "C0GENERAL1"
SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "slack" / "launch-channel.yaml"


@pytest.fixture(scope="module")
def scenario_server() -> Iterator[Server]:
    """A server with a scenario loaded: its worlds of one trial share one seed, as on every server."""
    srv = start_server("--scenario", str(SCENARIO))
    yield srv
    srv.stop()


def same_seed(server: Server) -> dict[str, Any]:
    return dict(server.admin("POST", "/_dtu/worlds", {"scenario": "slack-launch-channel", "trial": 0}))


def slack(server: Server, world: dict[str, Any], method: str, **args: Any) -> Any:
    status, body = send(server.url, "POST", f"/api/{method}", {"Authorization": f"Bearer {world['token']}",
                                                               "Content-Type": "application/json"},
                        json.dumps(args).encode())
    assert status == 200, body
    return body


def calls(server: Server, world: dict[str, Any]) -> list[Any]:
    return list(server.admin("GET", f"/_dtu/worlds/{world['id']}/calls"))


def post_bytes(server: Server, url: str, data: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    return send(server.url, "POST", urlsplit(url).path, {"Content-Type": "text/plain", **(headers or {})}, data)


def test_upload_urls_are_secrets_that_differ_per_world(scenario_server: Server) -> None:
    server = scenario_server
    a, b = same_seed(server), same_seed(server)
    ua = slack(server, a, "files.getUploadURLExternal", filename="a.txt", length=3)
    ub = slack(server, b, "files.getUploadURLExternal", filename="a.txt", length=3)
    assert ua["file_id"] == ub["file_id"]  # ids still come from the seeded stream
    key = server.state(a["id"])["slack"]["files"][ua["file_id"]]["key"]
    for up in (ua, ub):
        url = up["upload_url"]
        assert url.startswith(server.url + "/upload/v1/")
        secret = url.removeprefix(server.url + "/upload/v1/")
        assert "/" not in secret and len(secret) >= 40
        # one random segment: no world id path (a 2-character id like "w2" may well occur inside
        # 43 random characters, so the segment is compared, not searched), no file id, no key
        assert f"/{a['id']}/" not in url and f"/{b['id']}/" not in url and secret not in (a["id"], b["id"])
        assert up["file_id"] not in url and key not in url
    assert ua["upload_url"] != ub["upload_url"]


def test_an_upload_needs_its_own_secret_and_a_refusal_is_logged_nowhere(server: Server) -> None:
    a, b = server.world(SEED), server.world(SEED)
    up = slack(server, a, "files.getUploadURLExternal", filename="a.txt", length=3)
    fid = up["file_id"]
    key = server.state(a["id"])["slack"]["files"][fid]["key"]
    before = calls(server, a), calls(server, b)
    refused = [
        f"/upload/v1/{a['id']}/{fid}/{key}",  # the old, predictable URL
        f"/upload/v1/{fid}/{key}",  # the in-process placeholder
        f"/upload/v1/{key}",
        "/upload/v1/" + "A" * 43,
        up["upload_url"] + "x",
    ]
    for path in refused:
        for headers in ({}, {"Authorization": f"Bearer {a['token']}"}):
            status, _ = send(server.url, "POST", path, {"Content-Type": "text/plain", **headers}, b"bad")
            assert status == 404, path
    # the right secret with another world's token: refused too
    status, _ = post_bytes(server, up["upload_url"], b"bad", {"Authorization": f"Bearer {b['token']}"})
    assert status == 404
    assert (calls(server, a), calls(server, b)) == before
    assert server.state(a["id"])["slack"]["files"][fid]["uploaded"] is False
    # the secret alone opens it
    status, body = post_bytes(server, up["upload_url"], b"abc")
    assert status == 200 and body == b"OK - 3"
    assert server.state(a["id"])["slack"]["files"][fid]["uploaded"] is True


def test_refused_requests_do_not_count_against_max_steps() -> None:
    srv = start_server("--max-steps", "3")
    try:
        w = srv.world(SEED)
        for _ in range(10):
            assert send(srv.url, "POST", "/upload/v1/" + "B" * 43, {"Content-Type": "text/plain"}, b"x")[0] == 404
            assert send(srv.url, "POST", f"/upload/v1/{w['id']}/F0NOPE0001/KEY", {"Content-Type": "text/plain"},
                        b"x")[0] == 404  # the old form: it was logged in (and counted against) world w
            assert send(srv.url, "POST", "/api/auth.test", {"Authorization": "Bearer dtu-w1-nope"}, b"")[1]["ok"] is False
        assert srv.admin("GET", f"/_dtu/worlds/{w['id']}/calls") == []
        assert slack(srv, w, "auth.test")["ok"] is True
    finally:
        srv.stop()


def test_the_secret_stays_out_of_state_and_log_and_the_log_is_deterministic(scenario_server: Server) -> None:
    server = scenario_server
    logs = []
    for _ in range(2):
        w = same_seed(server)
        up = slack(server, w, "files.getUploadURLExternal", filename="a.txt", length=3)
        secret = up["upload_url"].rsplit("/", 1)[1]
        assert post_bytes(server, up["upload_url"], b"abc")[0] == 200
        slack(server, w, "files.completeUploadExternal", files=[{"id": up["file_id"]}], channel_id=GENERAL)
        log = calls(server, w)
        text = json.dumps(log) + json.dumps(server.state(w["id"]))
        assert secret not in text and server.url not in text
        assert log[0]["body"]["upload_url"].startswith(BASE + "/upload/v1/")
        logs.append(log)
    assert logs[0] == logs[1]


def test_a_secret_opens_only_the_operation_it_was_made_for(server: Server) -> None:
    w = server.world(SEED)
    up = slack(server, w, "files.getUploadURLExternal", filename="a.txt", length=3)
    secret = up["upload_url"].rsplit("/", 1)[1]
    before = calls(server, w)
    status, _ = send(server.url, "PUT", f"/upload/drive/v3/files?uploadType=resumable&upload_id={secret}",
                     {"Authorization": f"Bearer {w['token']}", "Content-Type": "text/plain"}, b"abc")
    assert status == 404
    assert calls(server, w) == before


def test_google_resumable_sessions_are_secrets_too(server: Server) -> None:
    w = server.world(SEED)
    auth = {"Authorization": f"Bearer {w['token']}"}
    status, _ = send(server.url, "POST", "/upload/drive/v3/files?uploadType=resumable",
                     {**auth, "Content-Type": "application/json", "X-Upload-Content-Type": "text/plain"},
                     json.dumps({"name": "notes.txt"}).encode())
    assert status == 200
    # http.client hides headers in `send`; ask again with a connection of our own
    import http.client

    conn = http.client.HTTPConnection(urlsplit(server.url).hostname, urlsplit(server.url).port, timeout=30)
    try:
        conn.request("POST", "/upload/drive/v3/files?uploadType=resumable", body=json.dumps({"name": "n2.txt"}),
                     headers={**auth, "Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        location, upload_id = resp.getheader("Location") or "", resp.getheader("X-GUploader-UploadID")
    finally:
        conn.close()
    assert location.startswith(server.url + "/upload/drive/v3/files?")
    secret = parse_qs(urlsplit(location).query)["upload_id"][0]
    assert secret == upload_id and len(secret) >= 40
    log = calls(server, w)
    assert secret not in json.dumps(log) + json.dumps(server.state(w["id"]))
    # a session id from the world's seeded stream is no credential over HTTP, even with a token
    other = server.world(SEED)
    send(server.url, "POST", "/upload/drive/v3/files?uploadType=resumable",
         {"Authorization": f"Bearer {other['token']}", "Content-Type": "application/json"}, b'{"name": "x"}')
    status, _ = send(server.url, "PUT", f"/upload/drive/v3/files?uploadType=resumable&upload_id={secret}",
                     {"Authorization": f"Bearer {other['token']}", "Content-Type": "text/plain"}, b"no")
    assert status == 404  # another world's token with this world's session
    # the session URL alone is the credential, as at Google
    status, body = send(server.url, "PUT", urlsplit(location).path + "?" + urlsplit(location).query,
                        {"Content-Type": "text/plain"}, b"hello")
    assert status == 200 and body["name"] == "n2.txt"
    assert calls(server, w)[-1]["op"] == "drive.files.upload.resume"


def test_door_one_keeps_the_upload_flow() -> None:
    """In-process, the world is the credential: the placeholder URL names the file and its key."""

    async def go() -> tuple[Any, Any, Any]:
        world = World(SeedImage(TWINS, {"slack": SEED["slack"]}, 3, 0.0), 3)
        up = await world.call("slack", "files.getUploadURLExternal", {"filename": "a.txt", "length": 3})
        fid, key = up["upload_url"].split("/")[-2:]
        done = await world.invoke("slack", "files.uploadToURL", {"file_id": fid, "key": key, "_body": b"abc"})
        shared = await world.call("slack", "files.completeUploadExternal",
                                  {"files": [{"id": fid}], "channel_id": GENERAL})
        return up, done, shared

    up, done, shared = asyncio.run(go())
    assert up["upload_url"] == f"/upload/v1/{up['file_id']}/{up['upload_url'].rsplit('/', 1)[1]}"
    assert done.status == 200 and shared["ok"] is True and shared["files"][0]["size"] == 3
