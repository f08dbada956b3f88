"""@anthropic-ai/sdk (Node), unmodified, against the Anthropic twin of `dtu serve`: messages (plain,
tools, streaming), models, a message batch and the Files API (tests/node/anthropic_sdk.mjs)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.schemas import node_or_skip, run_node

SEEDED = "file_011SEEDEDCHART0000000000000"


@pytest.mark.sdk("node", "@anthropic-ai/sdk")
def test_the_node_sdk_drives_every_surface(make_world: Any, server: Any) -> None:
    node = node_or_skip("@anthropic-ai/sdk")
    w = make_world({"anthropic": {"files": [
        {"id": SEEDED, "filename": "chart.csv", "content": "a,b\n1,2\n", "downloadable": True}]}})
    got = run_node(node, "anthropic_sdk.mjs", {"ANTHROPIC_BASE_URL": w["base_url"], "ANTHROPIC_API_KEY": w["token"]})
    assert got["plain"]["stop"] == "end_turn" and got["plain"]["types"] == ["text"]  # no tools: no tool_use
    assert got["tools"]["stop"] == "tool_use" and got["tools"]["name"] == "slack__chat_postMessage"
    assert isinstance(got["tools"]["input"]["text"], str)
    assert got["stream"]["first"] == "message_start" and got["stream"]["last"] == "message_stop"
    assert got["stream"]["stop"] == "tool_use" and isinstance(got["stream"]["input"]["text"], str)
    assert got["unknownModel"] == {"status": 404, "type": "not_found_error", "name": "NotFoundError"}
    assert got["models"][:2] == ["dtu-twin", "dtu-judge"] and "claude-sonnet-4-6" in got["models"]
    assert got["model"]["display_name"] == "Claude Sonnet 4.6" and got["model"]["lifecycle"] == "active"
    assert got["batchCreated"] == {"status": "in_progress", "processing": 2}
    assert got["batchEnded"]["status"] == "ended" and got["batchEnded"]["polls"] == 2  # PROCESSING_SECONDS
    assert got["batchEnded"]["counts"] == {"processing": 0, "succeeded": 1, "errored": 1, "canceled": 0, "expired": 0}
    assert got["batchResults"] == [["a", "succeeded"], ["b", "errored"]]
    assert got["batchListed"] and got["batchDeleted"] == "message_batch_deleted"
    assert got["batchGone"]["status"] == 404
    assert got["file"] == {"type": "file", "filename": "node.txt", "mime": "text/plain", "size": 15, "downloadable": False}
    assert got["files"][-1] == SEEDED and len(got["files"]) == 2  # paged one at a time by next_page
    assert got["fileMeta"] == "node.txt" and got["download"] == "a,b\n1,2\n"
    assert got["downloadUploaded"]["status"] == 400 and got["fileDeleted"] == "file_deleted"
    assert got["fileGone"]["status"] == 404
    state = server.state(w["id"])["anthropic"]
    assert list(state["files"]) == [SEEDED] and not state.get("batches")
