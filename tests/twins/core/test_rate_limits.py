"""The vendors' published rate limits as a fault-plan mode: each twin's bucket trips at its
documented count within one world minute, answers in the vendor's shape with its headers, and
lets calls through again once the window has passed. Limits are kept in world time."""

from __future__ import annotations

import email.utils
import json
import math
import urllib.error
import urllib.request
from typing import Any

import pytest

from dtu.twins.core import Reply, SeedImage, World
from dtu.twins.core.faults import parse_plan
from dtu.twins.registry import TWINS

from ...conftest import Server

NOW = 1_700_000_000.0
SEED: dict[str, Any] = {
    "slack": {"users": [{"id": "U0DANA0001", "name": "dana"}],
              "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]},
    # the okta twin's own org-wide window (seed `rate_limit`, 600 by default) lifted past the buckets
    "okta": {"org": "acme", "rateLimit": 100_000, "users": [{"id": "00uadmin000000000001", "login": "ada@acme.test",
                                       "firstName": "Ada", "lastName": "Admin", "admin": True}],
             "apps": [{"id": "0oazoom0000000000001", "label": "Zoom", "name": "zoom"}]},
    "google": {"me": "dana@acme.test", "users": [{"email": "dana@acme.test", "name": "Dana"}],
               "files": [{"name": "Budget", "kind": "sheet", "id": "SHEET1", "sheets": {"Plan": [["a", 1]]}},
                         {"name": "Notes", "kind": "doc", "id": "DOC1", "text": "hi"}]},
    "jira": {"me": "dana@acme.test", "users": [{"account_id": "5b10a2844c20165700ede21g", "name": "Dana",
                                                "email": "dana@acme.test", "admin": True}],
             "projects": [{"key": "PROJ", "name": "Platform", "lead": "dana@acme.test"}]},
    "anthropic": {"plan": []},
}
IMAGE = SeedImage(TWINS, SEED, 1, NOW)
COUNT = {"model": "dtu-scripted", "messages": [{"role": "user", "content": "hi"}]}


def limited_world(**plan: Any) -> World:
    return World(IMAGE, 5, max_steps=20_000, faults=parse_plan({"rate_limits": True, **plan}).world_faults(5))


def burst(w: World, twin: str, op: str, args: dict[str, Any], n: int) -> list[Reply]:
    """`n` calls landing in the same world second, as concurrent clients' calls would."""
    t0 = w.env.now
    out = []
    for _ in range(n):
        w.env.now = t0
        out.append(w.dispatch(twin, op, dict(args)))
    return out


def okta_429(r: Reply) -> bool:
    return r.status == 429 and r.body["errorCode"] == "E0000047"


def google_429(r: Reply) -> bool:
    return r.status == 429 and r.body["error"]["status"] == "RESOURCE_EXHAUSTED"


def drive_403(r: Reply) -> bool:
    err = r.body["error"]
    return r.status == 403 and err["errors"][0]["reason"] == "userRateLimitExceeded" \
        and err["errors"][0]["domain"] == "usageLimits" and err["code"] == 403


CASES: list[tuple[str, str, dict[str, Any], int, Any, tuple[str, ...]]] = [
    ("slack", "conversations.list", {}, 20, lambda r: r.status == 429 and r.body == {"ok": False, "error": "ratelimited"},
     ("Retry-After",)),
    ("slack", "conversations.history", {"channel": "C0GENERAL1"}, 50, lambda r: r.status == 429, ("Retry-After",)),
    ("slack", "users.info", {"user": "U0DANA0001"}, 100, lambda r: r.status == 429, ("Retry-After",)),
    ("okta", "list_users", {}, 600, okta_429, ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")),
    ("okta", "list_applications", {}, 100, okta_429, ("X-Rate-Limit-Limit", "X-Rate-Limit-Reset")),
    ("okta", "get_user", {"id": "00uadmin000000000001"}, 2000, okta_429, ("X-Rate-Limit-Reset",)),
    ("google", "sheets.spreadsheets.values.get", {"spreadsheetId": "SHEET1", "range": "Plan!A1:B1"}, 60,
     google_429, ("Retry-After",)),
    ("google", "docs.documents.get", {"documentId": "DOC1"}, 300, google_429, ("Retry-After",)),
    ("google", "drive.files.list", {}, 12_000, drive_403, ("Retry-After",)),
    ("jira", "myself", {}, 100, lambda r: r.status == 429 and r.body["errorMessages"] == ["Rate limit exceeded."],
     ("Retry-After",)),
    ("anthropic", "messages.count_tokens", COUNT, 50,
     lambda r: r.status == 429 and r.body["error"]["type"] == "rate_limit_error",
     ("retry-after", "anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-reset")),
]


@pytest.mark.parametrize(("twin", "op", "args", "limit", "shape", "headers"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_limit_trips_at_documented_count_and_resets(twin: str, op: str, args: dict[str, Any], limit: int,
                                                    shape: Any, headers: tuple[str, ...]) -> None:
    w = limited_world()
    replies = burst(w, twin, op, args, limit + 1)
    assert [r.status for r in replies[:limit]] == [200] * limit, replies[0].body
    over = replies[limit]
    assert shape(over), over.body
    assert over.headers is not None and set(headers) <= set(over.headers)
    assert w.calls[-1].fault is not None
    # the window is a world minute from the first call: just before it ends, still limited ...
    start = w.calls[0].t
    w.env.now = start + 58.5
    assert w.dispatch(twin, op, dict(args)).status == over.status
    # ... and once it has passed, calls go through again
    w.env.now = start + 59.0
    assert w.dispatch(twin, op, dict(args)).status == 200


def test_mode_off_means_no_limits() -> None:
    w = World(IMAGE, 5, faults=parse_plan([]).world_faults(5))
    assert {r.status for r in burst(w, "slack", "conversations.list", {}, 40)} == {200}


def test_one_call_a_second_trips_a_tier_2_method_within_the_minute() -> None:
    w = limited_world()
    statuses = [w.dispatch("slack", "conversations.list", {}).status for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    # the 21st call came 20 world seconds into the window: 40 s to wait
    assert w.dispatch("slack", "conversations.list", {}).headers == {"Retry-After": "39"}
    assert w.dispatch("slack", "conversations.info", {"channel": "C0GENERAL1"}).status == 200  # own bucket


def test_chat_post_message_about_one_a_second() -> None:
    w = limited_world()
    post = {"channel": "C0GENERAL1", "text": "hi"}
    assert [r.status for r in burst(w, "slack", "chat.postMessage", post, 2)] == [200, 429]
    # calls a world second apart are never limited
    assert {w.dispatch("slack", "chat.postMessage", post).status for _ in range(10)} == {200}


def test_latency_spreads_calls_past_the_window() -> None:
    w = limited_world(rules=[{"twin": "slack", "latency": {"kind": "fixed", "seconds": 2.0}}])
    assert {w.dispatch("slack", "conversations.list", {}).status for _ in range(40)} == {200}


def test_sheets_reads_and_writes_have_separate_buckets() -> None:
    w = limited_world()
    read = {"spreadsheetId": "SHEET1", "range": "Plan!A1"}
    assert burst(w, "google", "sheets.spreadsheets.values.get", read, 61)[-1].status == 429
    write = burst(w, "google", "sheets.spreadsheets.values.update",
                  {"spreadsheetId": "SHEET1", "range": "Plan!A1", "valueInputOption": "RAW",
                   "values": [["x"]]}, 61)
    assert [r.status for r in write] == [200] * 60 + [429]


def test_okta_reset_is_the_window_end_in_world_time() -> None:
    w = limited_world()
    over = burst(w, "okta", "list_applications", {}, 101)[-1]
    assert over.headers is not None
    assert over.headers["X-Rate-Limit-Limit"] == "100"
    assert over.headers["X-Rate-Limit-Remaining"] == "0"
    assert int(over.headers["X-Rate-Limit-Reset"]) == math.ceil(w.calls[0].t + 60)


def get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


def test_http_door_okta_date_and_reset_share_the_world_clock(server: Server) -> None:
    w = server.world(SEED, now="2024-03-01T12:00:00Z",
                     faults={"rules": [{"twin": "okta", "op": "list_users", "outage": [1, 1],
                                        "error": "rate_limited", "retry_after": 3}]})
    auth = {"Authorization": f"SSWS {w['token']}"}
    status, headers, body = get(f"{w['base_url']}/api/v1/users", auth)
    assert status == 429 and body["errorCode"] == "E0000047"
    date = email.utils.parsedate_to_datetime(headers["Date"]).timestamp()
    assert date == pytest.approx(1709294401.0)  # the world's clock (seeded now + one call), not the wall's
    assert int(headers["X-Rate-Limit-Reset"]) - date == 3
    status, headers, _ = get(f"{w['base_url']}/api/v1/users", auth)
    assert status == 200 and int(headers["X-Rate-Limit-Remaining"]) < int(headers["X-Rate-Limit-Limit"])


def test_http_door_slack_tier_over_real_requests(server: Server) -> None:
    w = server.world(SEED, faults={"rate_limits": True})
    url = f"{w['base_url']}/api/conversations.list"
    auth = {"Authorization": f"Bearer {w['token']}"}
    statuses = [get(url, auth)[0] for _ in range(20)]
    status, headers, body = get(url, auth)
    assert statuses == [200] * 20
    assert (status, body) == (429, {"ok": False, "error": "ratelimited"})
    assert int(headers["Retry-After"]) == 40
