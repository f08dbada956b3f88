"""The official Node client for Google APIs (`googleapis`, unmodified, pinned in
tests/node/package.json) against a real `dtu serve`, through tests/node/google_apis.mjs: Drive v3
(files with media upload and download, permissions, comments and replies, revisions, changes,
shared drives), Docs v1 (get, batchUpdate) and Sheets v4 (values, batchUpdate, developer metadata,
batchGetByDataFilter). Needs `node` and tests/node/node_modules (a skip locally, a failure in CI)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.schemas import node_or_skip, run_node

from .conftest import DOC, ME, SHEET, TXT, small_seed
from .discovery import check

SEED = small_seed("hello")


@pytest.mark.sdk("node", "googleapis")
def test_googleapis_node(make_world: Callable[..., dict[str, Any]], server: Any) -> None:
    node = node_or_skip("googleapis")
    w = make_world(SEED)
    out = run_node(node, "google_apis.mjs", {**w["env"], "DTU_FILE": TXT, "DTU_DOC": DOC, "DTU_SHEET": SHEET})
    assert out["ok"], out
    r = out["results"]
    assert r["created"]["name"] == "report.txt" and r["created"]["size"] == "13"
    assert r["got"]["owners"] == [{"emailAddress": ME}] and r["got"]["description"] == "from node"
    assert r["downloaded"] == "second version"
    assert r["revisions"] == ["1", "2"] and r["firstRevision"] == "first version" and r["kept"] == {"keepForever": True}
    assert {"emailAddress": "bob@acme.test", "role": "writer"} in r["permissions"]
    assert r["replies"] == [{"content": "Done", "action": "resolve"}] and r["reply"] == {"content": "Done, thanks"}
    assert r["drives"] == [{"name": "Node Team 2", "hidden": False}] and r["driveGet"] == {"name": "Node Team 2"}
    assert r["driveDeleteNonEmpty"]["status"] == 403
    assert r["docTitle"] == "Plan" and r["docReplies"] == 1
    assert r["values"] == [["Item", "Cost"], ["Laptop", "1200"], ["Mouse", "20"]]
    assert r["metadata"] == "laptop" and r["searched"] == 1 and r["byFilter"] == [["Laptop", "1200", "2400"]]
    assert TXT in r["changedFiles"] and DOC in r["changedFiles"] and SHEET in r["changedFiles"]
    assert r["missingFile"]["status"] == 404 and r["badRange"]["status"] == 400
    assert r["missingReply"]["status"] == 404
    state = server.state(w["id"])["google"]
    assert state["files"][DOC]["doc"]["text"].startswith("Hello from node. The plan")
    assert state["files"][SHEET]["sheet"]["sheets"][0]["values"][1] == ["Laptop", 1200, 2400]
    assert state["files"][TXT]["comments"][0]["resolved"] is True
    assert not any(f["name"] == "report-v2.txt" for f in state["files"].values())
    assert [d["name"] for d in state["drives"].values()] == ["Node Team 2"]
    # every answer the Node client got matches Google's discovery documents (a download: nothing to check)
    calls = server.admin("GET", f"/_dtu/worlds/{w['id']}/calls")
    bad = [(c["op"], p) for c in calls if isinstance(p := check(c["op"], c["status"], c["body"]), list) and p]
    assert not bad, bad[:5]
