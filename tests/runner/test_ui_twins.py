"""The twin views under /ui/ of a real `dtu serve`, in a real Chromium: a world seeded with Slack,
Jira, Okta and Google, changed through the official SDKs, then looked at the way a person would
(what the page shows, not its markup), with a screenshot of each view kept as a CI artefact.
Also: live refresh without a reload, who may open what, and the pages' escaping, in-process."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from dtu.runner.views import STATIC, fragment, kinds, world_page
from dtu.twins.core import SeedImage, World
from dtu.twins.registry import TWINS
from tests.browser import chromium, screenshot, watch
from tests.conftest import Server

NOW = "2024-05-06T09:00:00Z"
DANA, LENA, OMAR = "U0DANA0001", "U0LENA0001", "U0OMAR0001"
SUPPORT, PARENT = "C0SUPPORT1", "1714900000.000100"

SEED: dict[str, Any] = {
    "slack": {
        "me": "dana",
        "users": [
            {"id": DANA, "name": "dana", "real_name": "Dana Scully", "email": "dana@acme.test"},
            {"id": LENA, "name": "lena", "real_name": "Lena Park", "email": "lena@acme.test"},
            {"id": OMAR, "name": "omar", "real_name": "Omar Haddad", "email": "omar@acme.test"},
        ],
        "channels": [
            {"id": "C0GENERAL1", "name": "general", "general": True, "members": ["dana", "lena", "omar"],
             "topic": "Company-wide announcements"},
            {"id": SUPPORT, "name": "support", "members": ["dana", "lena", "omar"], "messages": [
                {"user": "omar", "text": "Can someone confirm the refund for ACME-1243 went out?", "ts": PARENT,
                 "replies": [{"user": "dana", "text": "Refunded on Friday."}],
                 "reactions": {"white_check_mark": ["dana"]}},
                {"user": "lena", "text": "Runbook for refunds is pinned", "pinned": True},
            ]},
            {"id": "G0DEALROOM", "name": "deal-room", "private": True, "members": ["dana", "lena"]},
            {"id": "D0DANALENA", "name": "dm", "im": True, "members": ["dana", "lena"],
             "messages": [{"user": "lena", "text": "got a minute?"}]},
        ],
        "files": [{"id": "F0RUNBOOK1", "name": "refunds.md", "title": "Refund runbook", "user": "lena",
                   "content": "# Refunds\nCheck the ledger first.", "channels": ["support"]}],
    },
    "jira": {
        "me": "dana@acme.test",
        "users": [{"account_id": "5b10ac8d82e05b22cc7d4e01", "name": "Dana Scully", "email": "dana@acme.test",
                   "admin": True},
                  {"account_id": "5b10ac8d82e05b22cc7d4e02", "name": "Omar Haddad", "email": "omar@acme.test"}],
        "projects": [{"key": "OPS", "name": "Operations", "lead": "dana@acme.test"}],
        "issues": [
            {"project": "OPS", "summary": "Renew the TLS certificate", "assignee": "omar@acme.test",
             "status": "Done", "priority": "High"},
            {"project": "OPS", "type": "Bug", "summary": "Refund emails bounce", "assignee": "dana@acme.test",
             "description": "Customers never get the refund email.",
             "comments": [{"body": "Seen for ACME-1243 too", "author": "omar@acme.test"}]},
        ],
        "links": [{"type": "Relates", "inward": "OPS-2", "outward": "OPS-1"}],
    },
    "okta": {
        "users": [
            {"id": "00udana0000000000001", "login": "dana@acme.test", "firstName": "Dana", "lastName": "Scully",
             "admin": True, "groups": ["Support"]},
            {"id": "00uomar0000000000001", "login": "omar@acme.test", "firstName": "Omar", "lastName": "Haddad",
             "groups": ["Support"]},
            {"id": "00uold00000000000001", "login": "old@acme.test", "firstName": "Ola", "lastName": "Gone",
             "status": "DEPROVISIONED"},
        ],
        "groups": [{"id": "00gsupport0000000001", "name": "Support", "description": "Support team"}],
        "apps": [{"id": "0oazendesk0000000001", "label": "Zendesk", "groups": ["Support"]}],
    },
    "google": {
        "me": "dana@acme.test",
        "users": [{"email": "dana@acme.test", "name": "Dana Scully"}, {"email": "bob@acme.test", "name": "Bob Stone"}],
        "files": [
            {"id": "FOLDERREPORTS", "name": "Reports", "kind": "folder"},
            {"id": "DOCLAUNCH0001", "name": "Launch plan", "kind": "doc", "parents": ["FOLDERREPORTS"],
             "text": "Draft"},
            {"id": "SHEETBUDGET01", "name": "Budget", "kind": "sheet", "parents": ["FOLDERREPORTS"], "sheets": {
                "Costs": [["Item", "Cost", "Qty", "Total"], ["Laptop", 1200, 2, "=B2*C2"], ["Mouse", 25, 4, "=B3*C3"]],
                "Notes": [["owner", "dana"]]}},
        ],
    },
}
OTHER_SEED: dict[str, Any] = {"slack": {"me": "zed", "users": [{"id": "U0ZED00001", "name": "zed"}],
                                        "channels": [{"id": "C0ZED00001", "name": "zed-only", "members": ["zed"]}]}}


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """A GET that neither follows redirects nor raises on 4xx: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, dict(e.headers), e.read().decode()


# -- the world, changed through the official SDKs ------------------------------------------------------

def change_with_sdks(w: dict[str, Any]) -> dict[str, Any]:
    from jira import JIRA
    from slack_sdk import WebClient

    from dtu.twins.google.clients import docs_service, drive_service, sheets_service

    env, token, base = w["env"], w["token"], w["base_url"]
    slack = WebClient(token=token, base_url=env["SLACK_API_URL"])
    posted = slack.chat_postMessage(channel="C0GENERAL1", text="Launch is *go* for Friday")
    slack.chat_postMessage(channel="C0GENERAL1", thread_ts=posted["ts"], text="QA signed off this morning")
    slack.reactions_add(channel="C0GENERAL1", timestamp=posted["ts"], name="rocket")

    jira = JIRA(server=env["JIRA_URL"], basic_auth=("dana@acme.test", env["JIRA_TOKEN"]),
                options={"rest_api_version": "2"}, max_retries=0)
    issue = jira.create_issue(project="OPS", summary="Rotate the payment API keys", issuetype={"name": "Task"},
                              description="Keys leaked in a log; rotate both.", priority={"name": "Highest"},
                              assignee={"accountId": "5b10ac8d82e05b22cc7d4e01"})
    [to_progress] = [t["id"] for t in jira.transitions(issue) if t["to"]["name"] == "In Progress"]
    jira.transition_issue(issue, to_progress)
    jira.add_comment(issue, "Old keys revoked at 09:10")

    req = urllib.request.Request(f"{base}/api/v1/users/00uomar0000000000001/lifecycle/suspend", data=b"",
                                 method="POST", headers={"Authorization": f"SSWS {token}", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200

    drive = drive_service(base, token)
    drive.permissions().create(fileId="DOCLAUNCH0001", body={"type": "user", "role": "writer",
                                                             "emailAddress": "bob@acme.test"},
                               sendNotificationEmail=False).execute()
    drive.close()
    docs = docs_service(base, token)
    docs.documents().batchUpdate(documentId="DOCLAUNCH0001", body={"requests": [
        {"insertText": {"location": {"index": 1}, "text": "Launch plan\nShip the beta on Friday\nTell support\n"}},
        {"updateParagraphStyle": {"range": {"startIndex": 1, "endIndex": 12},
                                  "paragraphStyle": {"namedStyleType": "HEADING_1"}, "fields": "namedStyleType"}},
        {"createParagraphBullets": {"range": {"startIndex": 13, "endIndex": 45},
                                    "bulletPreset": "BULLET_DISC_CIRCLE_SQUARE"}},
    ]}).execute()
    docs.close()
    sheets = sheets_service(base, token)
    sheets.spreadsheets().values().update(spreadsheetId="SHEETBUDGET01", range="Costs!A4:D4",
                                          valueInputOption="USER_ENTERED",
                                          body={"values": [["Total", "", "", "=SUM(D2:D3)"]]}).execute()
    sheets.close()
    return {"issue": issue.key, "ts": posted["ts"]}


@pytest.fixture(scope="module")
def world(server: Server) -> dict[str, Any]:
    w = server.world(SEED, now=NOW)
    w["changed"] = change_with_sdks(w)
    return w


@pytest.fixture(scope="module")
def other(server: Server) -> dict[str, Any]:
    return server.world(OTHER_SEED, now=NOW)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def context(browser: Any, server: Server, world: dict[str, Any], other: dict[str, Any]) -> Iterator[Any]:
    """A browser context logged in with the admin token."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.goto(f"{server.url}/ui/login?token={server.admin_token}")
    page.close()
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Iterator[tuple[Any, list[str]]]:
    p = context.new_page()
    problems = watch(p)
    yield p, problems
    p.close()
    assert problems == []


def ui(server: Server, w: dict[str, Any], kind: str, sel: str | None = None) -> str:
    return f"{server.url}/ui/w/{w['id']}/{kind}" + (f"?sel={sel}" if sel else "")


# -- login ------------------------------------------------------------------------------------------

def test_login_keeps_the_token_out_of_the_cookie_and_the_address_bar(
        browser: Any, server: Server, world: dict[str, Any], other: dict[str, Any]) -> None:
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        problems = watch(page)
        page.goto(f"{server.url}/ui/login?token={server.admin_token}")
        assert page.url == f"{server.url}/ui/"
        [cookie] = ctx.cookies()
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/ui"
        assert server.admin_token not in cookie["value"] and len(cookie["value"]) >= 32
        rows = page.locator("table.dtu-worlds tbody tr")
        ids = [rows.nth(i).get_attribute("data-id") for i in range(rows.count())]
        assert world["id"] in ids and other["id"] in ids  # the admin token opens every world
        page.get_by_role("link", name=world["id"], exact=True).click()
        page.wait_for_url(re.compile(rf"/ui/w/{world['id']}/slack$"))
        assert [t.inner_text() for t in page.locator(".dtu-tab").all()] == \
            ["Slack", "Jira", "Okta", "Drive", "Docs", "Sheets"]
        assert problems == []
    finally:
        ctx.close()


# -- each view, as a person sees it ---------------------------------------------------------------------

def test_slack(page: tuple[Any, list[str]], server: Server, world: dict[str, Any]) -> None:
    p, _ = page
    p.goto(ui(server, world, "slack"))
    side = p.locator(".sk-side")
    assert [re.sub(r"\s+", "", x) for x in side.locator(".sk-chan:not(.sk-dm)").all_inner_texts()] == \
        ["deal-room", "#general", "#support"]
    assert side.locator(".sk-chan[data-id='G0DEALROOM'] .ic-lock").count() == 1  # a private channel's lock
    assert side.locator(".sk-dm").inner_text().split() == ["LP", "Lena", "Park"]  # her initials avatar, her name
    msg = p.locator(".sk-messages .sk-msg", has_text="Launch is go for Friday")
    assert msg.locator("strong").inner_text() == "go"  # *go* is bold, as Slack draws it
    assert msg.locator(".sk-name").inner_text() == "Dana Scully"
    assert msg.locator(".av").first.inner_text() == "DS"
    assert msg.locator(".sk-reaction").inner_text().split() == ["🚀", "1"]
    assert "QA signed off" not in p.locator(".sk-messages").inner_text()  # replies live in the thread
    msg.locator(".sk-replies").click()
    p.wait_for_selector(".sk-thread")
    assert "QA signed off this morning" in p.locator(".sk-thread").inner_text()
    assert "1 reply" in p.locator(".sk-thread-count").inner_text()
    screenshot(p, "ui-slack-thread")
    p.locator(".sk-chan", has_text="support").click()
    p.wait_for_selector(".sk-ctitle:has-text('support')")
    pinned = p.locator(".sk-msg.pinned")
    assert "Runbook for refunds is pinned" in pinned.inner_text() and "Pinned by" in pinned.inner_text()
    assert p.locator(".sk-file-title").inner_text() == "Refund runbook"
    assert "Check the ledger first." in p.locator(".sk-file-preview").inner_text()
    assert p.locator(".sk-reaction").first.get_attribute("title") == "Dana Scully reacted with :white_check_mark:"
    screenshot(p, "ui-slack")


def test_jira(page: tuple[Any, list[str]], server: Server, world: dict[str, Any]) -> None:
    p, _ = page
    key = world["changed"]["issue"]
    p.goto(ui(server, world, "jira"))
    cols = p.locator(".jr-col")
    statuses = server.state(world["id"])["jira"]["projects"]["OPS"]["statuses"]  # the workflow's, in order
    assert [c.get_attribute("data-status") for c in cols.all()] == statuses and "In Progress" in statuses
    progress = p.locator(".jr-col[data-status='In Progress']")
    card = progress.locator(".jr-card", has_text="Rotate the payment API keys")
    assert card.locator(".jr-key").inner_text() == key
    assert card.locator(".av").inner_text() == "DS" and card.locator(".jr-prio").get_attribute("title") == \
        "Highest priority"
    assert "TLS certificate" in p.locator(".jr-col[data-status='Done']").inner_text()
    screenshot(p, "ui-jira")
    card.click()
    p.wait_for_selector(".jr-detail")
    detail = p.locator(".jr-detail")
    assert detail.locator(".jr-dsummary").inner_text() == "Rotate the payment API keys"
    assert detail.locator(".jr-lozenge").first.inner_text().lower() == "in progress"
    assert "Keys leaked in a log; rotate both." in detail.locator(".jr-desc").inner_text()
    assert "Old keys revoked at 09:10" in detail.locator(".jr-cbody").inner_text()
    assert "status" in detail.locator(".jr-hist").first.inner_text()
    assert re.search(r"To Do\s*→\s*In Progress", detail.inner_text())
    screenshot(p, "ui-jira-issue")
    p.goto(ui(server, world, "jira", "OPS-2"))
    assert "relates to" in p.locator(".jr-phrase").inner_text()
    assert "OPS-1" in p.locator(".jr-rel").inner_text()
    assert "Seen for ACME-1243 too" in p.locator(".jr-cbody").inner_text()


def test_okta(page: tuple[Any, list[str]], server: Server, world: dict[str, Any]) -> None:
    p, _ = page
    p.goto(ui(server, world, "okta"))
    omar = p.locator("tr.ok-user", has_text="omar@acme.test")
    assert omar.locator(".ok-badge").inner_text() == "Suspended"
    assert omar.locator(".ok-badge").get_attribute("data-status") == "SUSPENDED"
    assert "Support" in omar.inner_text() and "Zendesk" in omar.inner_text()
    assert p.locator("tr.ok-user", has_text="old@acme.test").locator(".ok-badge").get_attribute(
        "data-status") == "DEPROVISIONED"
    assert p.locator("tr.ok-user", has_text="dana@acme.test").locator(".ok-badge").inner_text() == "Active"
    event = p.locator("#syslog tbody tr").first  # the newest event: the suspension the SDK asked for
    assert "Suspend Okta user" in event.inner_text() and "user.lifecycle.suspend" in event.inner_text()
    assert "Omar Haddad" in event.inner_text() and "SUCCESS" in event.inner_text()
    screenshot(p, "ui-okta")
    omar.locator("a.ok-person").click()
    p.wait_for_selector(".ok-detail")
    assert "Omar Haddad" in p.locator(".ok-detail h2").inner_text()
    assert "SUSPENDED" in p.locator(".ok-detail").inner_text()


def test_drive(page: tuple[Any, list[str]], server: Server, world: dict[str, Any]) -> None:
    p, _ = page
    p.goto(ui(server, world, "drive"))
    assert p.locator(".gd-row .gd-name").all_inner_texts() == ["Reports"]
    p.get_by_role("link", name="Reports", exact=True).click()
    p.wait_for_selector(".gd-row[data-id='DOCLAUNCH0001']")
    row = p.locator(".gd-row[data-id='DOCLAUNCH0001']")
    assert "Launch plan" in row.inner_text() and "Shared (1)" in row.inner_text()
    assert "Private" in p.locator(".gd-row[data-id='SHEETBUDGET01']").inner_text()
    assert p.locator(".gd-crumbs").inner_text().split() == ["My", "Drive", "›", "Reports"]
    row.get_by_role("link", name="Launch plan", exact=True).click()
    p.wait_for_selector(".gd-details")
    access = [li.inner_text().split("\n") for li in p.locator(".gd-access li").all()]
    assert [a[-1] for a in access] == ["Owner", "Editor"]
    assert any("bob@acme.test" in line for line in access[1]) and "Bob Stone" in access[1][1]
    assert "My Drive/Reports/Launch plan" in p.locator(".gd-kv").inner_text()
    screenshot(p, "ui-drive")


def test_docs(page: tuple[Any, list[str]], server: Server, world: dict[str, Any]) -> None:
    p, _ = page
    p.goto(ui(server, world, "docs"))
    doc = p.locator("article.doc-page")
    assert doc.locator("h1").inner_text() == "Launch plan"
    assert doc.locator("ul li").all_inner_texts() == ["Ship the beta on Friday", "Tell support"]
    assert doc.locator("p").last.inner_text() == "Draft"
    assert p.locator(".gx-file.current .gx-fname").inner_text() == "Launch plan"
    screenshot(p, "ui-docs")


def test_sheets(page: tuple[Any, list[str]], server: Server, world: dict[str, Any]) -> None:
    p, _ = page
    p.goto(ui(server, world, "sheets"))
    grid = p.locator("table.gs-grid")
    assert grid.locator("thead th").nth(1).inner_text() == "A" and grid.locator("tbody th").first.inner_text() == "1"
    d2 = grid.locator("td[data-cell='D2']")
    assert d2.inner_text() == "2400" and d2.get_attribute("title") == "=B2*C2"
    d4 = grid.locator("td[data-cell='D4']")
    assert d4.inner_text() == "2500" and d4.get_attribute("title") == "=SUM(D2:D3)"
    assert grid.locator("td[data-cell='A2']").get_attribute("title") is None  # not a formula
    assert p.locator(".gs-tab").all_inner_texts() == ["Costs", "Notes"]
    d4.hover()
    assert "=SUM(D2:D3)" in p.locator(".gs-fx-hint").inner_text()
    screenshot(p, "ui-sheets")
    p.get_by_role("link", name="Notes", exact=True).click()
    p.wait_for_selector(".gs-tab.current:has-text('Notes')")
    assert p.locator("td[data-cell='B1']").inner_text() == "dana"


# -- live refresh ---------------------------------------------------------------------------------------

def test_a_message_appears_without_a_reload(page: tuple[Any, list[str]], server: Server,
                                            world: dict[str, Any]) -> None:
    from slack_sdk import WebClient

    p, _ = page
    p.goto(ui(server, world, "slack", SUPPORT))
    p.evaluate("window.__sameDocument = true")
    p.wait_for_timeout(1500)  # a poll or two answered 304: nothing changed
    WebClient(token=world["token"], base_url=world["env"]["SLACK_API_URL"]).chat_postMessage(
        channel=SUPPORT, text="Refund for ACME-1243 confirmed by the bank")
    p.locator(".sk-messages .sk-msg", has_text="confirmed by the bank").wait_for(timeout=10_000)
    assert p.evaluate("window.__sameDocument") is True  # swapped in place, not reloaded
    assert p.locator(".sk-chan.current").get_attribute("data-id") == SUPPORT  # the selection holds
    screenshot(p, "ui-slack-live")


# -- who may open what --------------------------------------------------------------------------------

def test_auth_and_headers(server: Server, world: dict[str, Any], other: dict[str, Any]) -> None:
    url, admin = server.url, {"Authorization": f"Bearer {server.admin_token}"}
    mine = {"Authorization": f"Bearer {world['token']}"}
    for path in ("/ui/", f"/ui/w/{world['id']}/slack", f"/ui/w/{world['id']}/slack?frag=1"):
        status, headers, body = get(url + path)
        assert status == 401 and "/ui/login?token=" in body, path
        assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert get(f"{url}/ui/login?token=not-a-token")[0] == 401
    assert get(f"{url}/ui/", {"Authorization": "Bearer not-a-token"})[0] == 401
    # a world token opens its own world, and nothing of another: the same 404 as no world at all
    assert get(f"{url}/ui/w/{world['id']}/slack", mine)[0] == 200
    theirs = get(f"{url}/ui/w/{other['id']}/slack", mine)
    nowhere = get(f"{url}/ui/w/w999999/slack", mine)
    assert theirs[0] == nowhere[0] == 404 and theirs[2] == nowhere[2]
    status, _, body = get(f"{url}/ui/", mine)
    assert status == 200 and world["id"] in body and f">{other['id']}<" not in body
    status, _, body = get(f"{url}/ui/", admin)
    assert status == 200 and f">{world['id']}<" in body and f">{other['id']}<" in body
    assert get(f"{url}/ui/w/{other['id']}/jira", admin)[0] == 404  # a kind the world does not offer
    assert get(f"{url}/ui/w/{world['id']}/nonsense", admin)[0] == 404
    status, headers, _ = get(f"{url}/ui/w/{world['id']}/", admin)
    assert status == 302 and headers["Location"] == f"/ui/w/{world['id']}/slack"
    # login: a session cookie (never the token) and a redirect that drops the token from the address
    status, headers, _ = get(f"{url}/ui/login?token={world['token']}")
    assert status == 303 and headers["Location"] == "/ui/"
    cookie = headers["Set-Cookie"]
    assert world["token"] not in cookie
    assert re.search(r"(?i)httponly", cookie) and re.search(r"(?i)samesite=strict", cookie) and "Path=/ui" in cookie
    jar = {"Cookie": cookie.split(";", 1)[0]}
    assert get(f"{url}/ui/w/{world['id']}/okta", jar)[0] == 200
    assert get(f"{url}/ui/w/{other['id']}/slack", jar)[0] == 404
    # every answer carries the headers; a hostile selection is escaped and selects nothing
    status, headers, body = get(f"{url}/ui/w/{world['id']}/slack?sel=%3Cscript%3Ealert(1)%3C/script%3E", admin)
    assert status == 200 and "<script>alert" not in body
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    # the fragment has an ETag, and is 304 while the world stands still
    status, headers, frag = get(f"{url}/ui/w/{world['id']}/jira?frag=1", admin)
    assert status == 200 and "<html" not in frag and "jr-board" in frag
    assert get(f"{url}/ui/w/{world['id']}/jira?frag=1", {**admin, "If-None-Match": headers["ETag"]})[0] == 304
    assert get(f"{url}/ui/static/views.js")[0] == 200 and get(f"{url}/ui/static/..%2Fpage.py")[0] == 404


def test_a_private_agent_door_has_no_ui() -> None:
    """An agent's own door (agents/door.py) serves the vendors' routes and /mcp, never /ui."""
    from dtu.agents.door import Door

    result: dict[str, Any] = {}

    async def probe() -> None:
        door = Door()
        hub = await door.start(TWINS)
        try:
            token = hub.register(hub.create(None, SEED))
            loop = asyncio.get_running_loop()
            for path in (f"/ui/login?token={token}", "/ui/", "/ui/static/views.js"):
                result[path] = await loop.run_in_executor(
                    None, lambda p=path: get(hub.base_url + p, {"Authorization": f"Bearer {token}"}))
        finally:
            await door.close()

    t = threading.Thread(target=lambda: asyncio.run(probe()))  # away from Playwright's event loop
    t.start()
    t.join(60)
    assert len(result) == 3
    for path, (status, _, body) in result.items():
        assert status == 404 and "dtu" not in body.lower(), path
        assert json.loads(body)["error"] == "not_found"


# -- in process: the pages alone -------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>"


def hostile_view() -> dict[str, Any]:
    seed = json.loads(json.dumps(SEED))
    seed["slack"]["channels"][1]["messages"].append({"user": "omar", "text": f"{HOSTILE} <@{DANA}> & <b>x</b>"})
    seed["slack"]["channels"][1]["topic"] = HOSTILE
    seed["jira"]["issues"][1]["summary"] = HOSTILE
    seed["jira"]["issues"][1]["description"] = HOSTILE
    seed["okta"]["users"][1]["firstName"] = HOSTILE
    seed["google"]["files"][1]["text"] = HOSTILE
    seed["google"]["files"][1]["name"] = HOSTILE
    seed["google"]["files"][2]["sheets"]["Costs"][1][0] = HOSTILE
    image = SeedImage(TWINS, seed, 1, 1714986000.0)
    world = World(image, 1, "w1")
    return world.view()


def test_pages_escape_what_the_world_holds() -> None:
    view = hostile_view()
    assert kinds(view) == ["slack", "jira", "okta", "drive", "docs", "sheets"]
    assert kinds({"google": view["google"], "anthropic": {}}) == ["drive", "docs", "sheets"]
    sels = {"slack": SUPPORT, "jira": "OPS-2", "okta": "00uomar0000000000001", "drive": "DOCLAUNCH0001",
            "docs": "DOCLAUNCH0001", "sheets": "SHEETBUDGET01"}
    for kind in kinds(view):
        for sel in (sels[kind], None, HOSTILE, "/", "OPS-2/../x"):
            html = world_page(view, kind, sel=sel, base="/ui/w/w1", static="/ui/static", title=HOSTILE, live=True)
            frag = fragment(view, kind, sel=sel, base="/ui/w/w1")
            assert "<script>alert" not in html and "<script>alert" not in frag, (kind, sel)
            assert frag in html and html.count("<script") == 1  # only the page's own script
            assert 'href="/ui/w/w1/okta"' in html and 'src="/ui/static/views.js"' in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment(view, kind, sel=sels[kind], base="/ui/w/w1"), kind
    slack = fragment(view, "slack", sel=SUPPORT, base="/b")
    assert '<span class="mention">@Dana Scully</span> &amp; &lt;b&gt;x&lt;/b&gt;' in slack
    assert 'href="/b/slack?sel=C0SUPPORT1%2F1714900000.000100"' in slack  # the thread link carries the selection
    assert "data-live" not in world_page(view, "slack", sel=None, base="/b", static="/s", title="t", live=False)
    with pytest.raises(KeyError):
        fragment(view, "teams", sel=None, base="/b")
    with pytest.raises(KeyError):
        world_page({"slack": view["slack"]}, "jira", sel=None, base="/b", static="/s", title="t", live=False)
    assert {p.name for p in STATIC.iterdir()} >= {"shell.css", "slack.css", "views.js"}
    for p in STATIC.iterdir():  # nothing reaches beyond the server
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\(", p.read_text()), p.name


def test_what_scenarios_rarely_hold_is_drawn_too() -> None:
    """Docs tables, nested numbered lists, links and page breaks; Sheets number formats, merges and
    notes; Slack blocks, thread broadcasts and ephemeral messages; an Okta System Log, when a state
    view holds one. Hand-made state views: the pages read them as they are."""
    view = hostile_view()
    google = view["google"]
    doc = google["files"]["DOCLAUNCH0001"]["doc"]
    doc["lists"] = {"kix.n": {"preset": "NUMBERED_DECIMAL_ALPHA_ROMAN"}}
    para = {"type": "paragraph"}
    doc["body"] = [
        {**para, "text": "Plan\n", "runs": [{"text": "Plan\n"}], "style": {"namedStyleType": "TITLE"}},
        {**para, "text": "one\n", "runs": [{"text": "one\n"}], "bullet": {"listId": "kix.n"}},
        {**para, "text": "one.a\n", "runs": [{"text": "one.a\n"}], "bullet": {"listId": "kix.n", "nestingLevel": 1}},
        {**para, "text": "two\n", "runs": [{"text": "two\n"}], "bullet": {"listId": "kix.n"}},
        {**para, "text": "see docs and this\n", "runs": [
            {"text": "see "}, {"text": "docs", "style": {"link": {"url": "https://docs.example/x"}, "bold": True}},
            {"text": " and "}, {"text": "this", "style": {"link": {"url": "javascript:alert(1)"}}}, {"text": "\n"}],
         "style": {"alignment": "CENTER"}},
        {**para, "text": "\f\n", "runs": [{"text": "\f\n"}]},
        {"type": "table", "columns": 2, "rows": [{"cells": [
            {"text": "Owner\n", "content": [{**para, "text": "Owner\n", "runs": [{"text": "Owner\n"}]}]},
            {"text": "Dana\n", "content": [{**para, "text": "Dana\n", "runs": [{"text": "Dana\n"}]}]}]}]},
    ]
    html = fragment(view, "docs", sel="DOCLAUNCH0001", base="/b")
    assert '<h1 class="doc-title">Plan</h1>' in html
    assert "<ol><li>one<ol><li>one.a</li></ol></li><li>two</li></ol>" in html
    assert '<a href="https://docs.example/x" rel="noopener noreferrer" target="_blank"><strong>docs</strong></a>' in html
    assert "javascript:" not in html and '<p class="al-center">' in html and '<hr class="page-break">' in html
    assert '<table class="doc-table"><tbody><tr><td><p>Owner</p></td><td><p>Dana</p></td></tr></tbody></table>' in html

    sheet = google["files"]["SHEETBUDGET01"]["sheet"]["sheets"][0]
    sheet["formats"] = {"B2": {"numberFormat": {"type": "CURRENCY", "pattern": '"$"#,##0.00'}},
                        "A1": {"textFormat": {"bold": True}}}
    sheet["notes"] = {"A3": "checked by Omar"}
    sheet["merges"] = [{"startRowIndex": 5, "endRowIndex": 6, "startColumnIndex": 0, "endColumnIndex": 3}]
    sheet["values"].append([None, None, None, "#DIV/0!"])
    sheet["formulas"]["D4"] = "=B2/0"
    html = fragment(view, "sheets", sel="SHEETBUDGET01", base="/b")
    assert re.search(r'<td class="num" data-cell="B2">\$1,200\.00</td>', html)
    assert re.search(r'<td class="txt b" data-cell="A1">', html)
    assert 'title="checked by Omar" data-note="checked by Omar"' in html
    assert '<td class="txt" data-cell="A6" colspan="3">' in html and 'data-cell="B6"' not in html
    assert re.search(r'<td class="err f" data-cell="D4" title="=B2/0">#DIV/0!</td>', html)
    assert 'href="/b/sheets?sel=SHEETBUDGET01%2F' in html  # the second tab keeps the spreadsheet

    support = view["slack"]["channels"][SUPPORT]
    base_msg = {k: v for k, v in support["messages"][0].items() if k not in ("ts", "text")}
    support["messages"] += [
        {**base_msg, "ts": "1714990000.000100", "text": "", "reply_count": 0, "reactions": [], "thread_ts": None,
         "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Deploy <ok>"}},
                    {"type": "section", "text": {"type": "mrkdwn", "text": "*ready* for <#C0GENERAL1>"}},
                    {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text",
                                                                                    "text": "Approve"},
                                                      "style": "primary"}]}]},
        {**base_msg, "ts": "1714990001.000100", "text": "also for the channel", "reply_count": 0, "reactions": [],
         "thread_ts": PARENT, "subtype": "thread_broadcast"},
    ]
    support["ephemeral"] = [{"ts": "1714990002.000100", "user": DANA, "to": OMAR, "text": "only you"}]
    html = fragment(view, "slack", sel=SUPPORT, base="/b")
    assert '<div class="bk-header">Deploy &lt;ok&gt;</div>' in html
    assert '<strong>ready</strong> for <span class="mention">#general</span>' in html
    assert '<span class="bk-button primary">Approve</span>' in html
    assert "also for the channel" in html and "replied to a thread" in html
    assert "Only visible to Omar Haddad" in html

    okta = view["okta"]
    assert "No events recorded." in fragment(view, "okta", sel=None, base="/b")
    okta["logs"] = [{"published": "2024-05-06T09:00:00.000Z", "eventType": "user.lifecycle.suspend",
                     "displayMessage": "Suspend Okta user", "actor": {"displayName": "Dana Scully"},
                     "target": [{"displayName": "Omar Haddad"}], "outcome": {"result": "SUCCESS"}}]
    html = fragment(view, "okta", sel=None, base="/b")
    assert "No events recorded" not in html and "user.lifecycle.suspend" in html and "Suspend Okta user" in html


def test_shared_drives_bookmarks_and_scheduled_messages() -> None:
    """Made by the twins' own operations in-process: a shared drive with a file (members shown,
    access inherited), a channel bookmark and a scheduled message (shown, not yet in the channel).
    Synchronous dispatch (door 1's core): this module's browser owns the thread's event loop."""
    world = World(SeedImage(TWINS, SEED, 1, 1714986000.0), 1, "w1")

    def call(twin: str, op: str, args: dict[str, Any]) -> Any:
        return world.dispatch(twin, op, args).body

    drive = call("google", "drive.drives.create", {"requestId": "r1", "name": "Finance"})
    sheet = call("google", "drive.files.create", {
        "supportsAllDrives": True, "name": "Q3 forecast", "parents": [drive["id"]],
        "mimeType": "application/vnd.google-apps.spreadsheet"})
    assert call("slack", "bookmarks.add", {"channel_id": SUPPORT, "title": "Refund policy", "type": "link",
                                           "link": "https://wiki.acme.test/refunds"})["ok"]
    assert call("slack", "chat.scheduleMessage", {"channel": SUPPORT, "text": "Weekly refund digest",
                                                  "post_at": 1714990000 + 86400})["ok"]
    view = world.view(("google", "slack"))
    html = fragment(view, "drive", sel=sheet["id"], base="/b")
    assert "Shared drives" in html and "Q3 forecast" in html and "via Finance" in html
    assert f'href="/b/drive?sel={drive["id"]}"' in html
    html = fragment(view, "slack", sel=SUPPORT, base="/b")
    assert '<a class="sk-bookmark" href="https://wiki.acme.test/refunds"' in html and "Refund policy" in html
    assert "1 scheduled" in html and "Weekly refund digest" in html
    assert html.count("Weekly refund digest") == 1  # scheduled, not posted
