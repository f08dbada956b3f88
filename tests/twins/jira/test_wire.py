"""Jira's wire conventions over raw HTTP: auth schemes, both search endpoints, error shapes, both doors."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.jira import TWIN

from .data import SEED, doc


def client(world: dict[str, Any], scheme: str = "basic") -> httpx.Client:
    tok = world["env"]["JIRA_TOKEN"]
    if scheme == "basic":
        auth = "Basic " + base64.b64encode(f"dana@acme.test:{tok}".encode()).decode()
    else:
        auth = f"Bearer {tok}"
    return httpx.Client(base_url=world["env"]["JIRA_URL"], headers={"Authorization": auth}, timeout=10)


@pytest.mark.parametrize("scheme", ["basic", "bearer"])
def test_auth_schemes(world: dict[str, Any], scheme: str) -> None:
    with client(world, scheme) as c:
        assert c.get("/rest/api/3/myself").json()["displayName"] == "Dana Scully"


def test_missing_auth_is_401_in_jira_shape(world: dict[str, Any]) -> None:
    r = httpx.get(world["env"]["JIRA_URL"] + "/rest/api/2/myself")
    assert r.status_code == 401
    assert set(r.json()) == {"errorMessages", "errors"}


def test_search_jql_post_and_legacy_search(world: dict[str, Any]) -> None:
    with client(world) as c:
        r = c.post("/rest/api/3/search/jql", json={"jql": "project = PROJ ORDER BY key DESC", "maxResults": 2,
                                                   "fields": ["summary"]})
        body = r.json()
        assert [i["key"] for i in body["issues"]] == ["PROJ-10", "PROJ-9"]
        assert body["isLast"] is False and "total" not in body
        r = c.get("/rest/api/3/search/jql", params={"jql": "project = PROJ"})
        assert r.json()["issues"][0]["fields"] == {}  # ids only unless fields are asked for
        legacy = c.get("/rest/api/2/search", params={"jql": "project = PROJ", "startAt": 8, "maxResults": 5}).json()
        assert (legacy["total"], legacy["startAt"], len(legacy["issues"])) == (10, 8, 2)
        bad = c.get("/rest/api/3/search/jql", params={"jql": "order by created"})
        assert bad.status_code == 400
        assert "Unbounded" in bad.json()["errorMessages"][0]
        bad = c.get("/rest/api/3/search/jql", params={"jql": "project = PROJ", "nextPageToken": "garbage"})
        assert bad.status_code == 400


def test_version_routes_render_bodies(world: dict[str, Any]) -> None:
    with client(world) as c:
        c.post("/rest/api/3/issue/PROJ-1/comment", json={"body": doc("from v3")}).raise_for_status()
        assert c.get("/rest/api/2/issue/PROJ-1/comment").json()["comments"][0]["body"] == "from v3"
        assert c.get("/rest/api/latest/issue/PROJ-1/comment").json()["comments"][0]["body"] == "from v3"
        r = c.post("/rest/api/3/issue/PROJ-1/comment", json={"body": "plain"})
        assert r.status_code == 400
        r = c.put("/rest/api/2/issue/PROJ-1", json={"fields": {"labels": ["has space"]}})
        assert r.json()["errors"] == {"labels": "The label 'has space' contains spaces which is invalid."}


def test_malformed_and_unknown_paths(world: dict[str, Any]) -> None:
    with client(world) as c:
        r = c.post("/rest/api/2/issue", content=b"{nope", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "errorMessages" in r.json()
        r = c.get("/rest/api/2/nothing-here")
        assert r.status_code == 404 and "errorMessages" in r.json()
        r = c.post("/rest/api/2/issue", json={"fields": "not an object"})
        assert r.status_code == 400


def test_both_doors_answer_alike(world: dict[str, Any]) -> None:
    image = SeedImage({"jira": TWIN}, SEED, 7, 1709294400.0)
    w = World(image, 7)
    w.env.base_url = world["env"]["JIRA_URL"]
    body = asyncio.run(w.call("jira", "issue.get", {"issueIdOrKey": "PROJ-8", "fields": "summary,status,labels",
                                                    "v": "3"}))
    with client(world) as c:
        http = c.get("/rest/api/3/issue/PROJ-8", params={"fields": "summary,status,labels"}).json()
    assert body == http
    err = asyncio.run(w.call("jira", "issue.get", {"issueIdOrKey": "PROJ-404"}))
    assert err == {"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}


def test_changelog_and_project_search(world: dict[str, Any]) -> None:
    with client(world) as c:
        c.post("/rest/api/2/issue/PROJ-1/transitions", json={"transition": {"id": "21"}}).raise_for_status()
        got = c.get("/rest/api/2/issue/PROJ-1", params={"expand": "changelog"}).json()
        items = got["changelog"]["histories"][-1]["items"]
        assert (items[0]["field"], items[0]["fromString"], items[0]["toString"]) == ("status", "To Do", "In Progress")
        page = c.get("/rest/api/3/project/search", params={"maxResults": 1}).json()
        assert (page["total"], page["isLast"], page["values"][0]["key"]) == (2, False, "PROJ")


def test_upload_needs_the_xsrf_opt_out(world: dict[str, Any]) -> None:
    files = {"file": ("a.txt", b"hello", "text/plain")}
    with client(world) as c:
        r = c.post("/rest/api/3/issue/PROJ-1/attachments", files=files)
        assert r.status_code == 403
        assert r.json()["errorMessages"] == ["XSRF check failed"]
        r = c.post("/rest/api/3/issue/PROJ-1/attachments", files=files, headers={"X-Atlassian-Token": "no-check"})
        assert r.status_code == 200
        att = r.json()[0]
        assert (att["filename"], att["size"], att["mimeType"]) == ("a.txt", 5, "text/plain")
        assert c.get(f"/rest/api/3/attachment/content/{att['id']}").content == b"hello"
