"""Message Batches and the Files API through the anthropic SDK, unmodified, against `dtu serve`."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from .conftest import client

pytestmark = [pytest.mark.sdk("python", "anthropic"), pytest.mark.usefixtures("sdk_clients")]

USER = {"role": "user", "content": "Say hi."}
TOOLS = [{"name": "slack__chat_postMessage", "description": "post", "input_schema": {
    "type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}]


def _req(cid: str, **params: Any) -> dict[str, Any]:
    return {"custom_id": cid, "params": {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [USER], **params}}


def test_a_batch_is_processed_then_its_results_stream_as_jsonl(make_world: Any, server: Any) -> None:
    w = make_world({})
    c = client(w, max_retries=0)
    b = c.messages.batches.create(requests=[  # type: ignore[list-item]
        _req("plain"), _req("tools", tools=TOOLS, tool_choice={"type": "any"}), _req("bad-model", model="gpt-4o"),
        {"custom_id": "no-max", "params": {"model": "dtu-twin", "messages": [USER]}}])
    assert b.type == "message_batch" and b.id.startswith("msgbatch_01") and b.processing_status == "in_progress"
    assert b.request_counts.processing == 4 and b.results_url is None and b.ended_at is None
    assert (b.expires_at - b.created_at).total_seconds() == 24 * 3600
    with pytest.raises(anthropic.AnthropicError, match="results_url"):  # the SDK's own guard
        list(c.messages.batches.results(b.id))
    # the state view shows it, in progress, with the world time processing ends
    view = server.state(w["id"])["anthropic"]["batches"][b.id]
    assert view["processing_status"] == "in_progress" and len(view["requests"]) == 4
    done = c.messages.batches.retrieve(b.id)  # two world seconds after the create: ended
    assert done.processing_status == "ended" and done.ended_at is not None and done.results_url
    counts = done.request_counts
    assert (counts.processing, counts.succeeded, counts.errored, counts.canceled) == (0, 2, 2, 0)
    got = {r.custom_id: r.result for r in c.messages.batches.results(b.id)}
    assert got["plain"].type == "succeeded" and got["plain"].message.content[0].type == "text"  # type: ignore[union-attr]
    tool = got["tools"].message.content[0]  # type: ignore[union-attr]
    assert tool.type == "tool_use" and tool.name == "slack__chat_postMessage"
    assert got["bad-model"].type == "errored"
    assert got["bad-model"].error.error.type == "not_found_error"  # type: ignore[union-attr]
    assert got["no-max"].error.error.message == "max_tokens: Field required"  # type: ignore[union-attr]
    assert server.state(w["id"])["anthropic"]["batches"][b.id]["processing_status"] == "ended"
    gone = c.messages.batches.delete(b.id)
    assert gone.type == "message_batch_deleted" and gone.id == b.id
    with pytest.raises(anthropic.NotFoundError) as nf:
        c.messages.batches.retrieve(b.id)
    assert nf.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]
    assert b.id not in server.state(w["id"])["anthropic"].get("batches", {})


def test_cancel_list_and_errors(make_world: Any) -> None:
    c = client(make_world({}), max_retries=0)
    ids = [c.messages.batches.create(requests=[_req(f"r{i}")]).id for i in range(3)]  # type: ignore[list-item]
    first = c.messages.batches.list(limit=2)
    assert [x.id for x in first.data] == ids[::-1][:2] and first.has_more and first.last_id == ids[1]
    assert [x.id for x in c.messages.batches.list(limit=2)] == ids[::-1]  # auto-paging follows after_id
    back = c.messages.batches.list(before_id=ids[0], limit=1)
    assert [x.id for x in back.data] == [ids[1]]
    busy = c.messages.batches.create(requests=[_req("x")])  # type: ignore[list-item]
    with pytest.raises(anthropic.BadRequestError):  # in progress: cancel first, then delete
        c.messages.batches.delete(busy.id)
    fresh = c.messages.batches.create(requests=[_req("x")])  # type: ignore[list-item]
    canceling = c.messages.batches.cancel(fresh.id)  # the next call: still processing
    assert canceling.processing_status == "canceling" and canceling.cancel_initiated_at is not None
    ended = c.messages.batches.retrieve(fresh.id)
    assert ended.processing_status == "ended" and ended.request_counts.canceled == 1
    assert [r.result.type for r in c.messages.batches.results(fresh.id)] == ["canceled"]
    assert c.messages.batches.cancel(fresh.id).processing_status == "ended"  # nothing left to cancel
    for bad in ([], [_req("dup"), _req("dup")], [_req("bad id!")]):
        with pytest.raises(anthropic.BadRequestError) as e:
            c.messages.batches.create(requests=bad)  # type: ignore[arg-type]
        assert e.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    with pytest.raises(anthropic.BadRequestError):
        c.messages.batches.list(limit=0)
    # the beta surface sends its beta header; the twin answers the same
    beta = c.beta.messages.batches.retrieve(ids[0], betas=["message-batches-2024-09-24"])
    assert beta.id == ids[0] and beta.processing_status == "ended"


def test_files_upload_list_metadata_download_delete(make_world: Any, server: Any) -> None:
    w = make_world({"anthropic": {"files": [
        {"id": "file_011SEEDEDCHART0000000000000", "filename": "chart.csv", "content": "a,b\n1,2\n",
         "downloadable": True}]}})
    c = client(w, max_retries=0)
    up = c.files.upload(file=("notes.txt", b"hello twin", "text/plain"))
    assert up.type == "file" and up.id.startswith("file_011") and up.filename == "notes.txt"
    assert up.mime_type == "text/plain" and up.size_bytes == 10 and up.downloadable is False
    pdf = c.beta.files.upload(file=("dir/report.pdf", b"%PDF-1.4 fake"), betas=["files-api-2025-04-14"])
    assert pdf.filename == "report.pdf" and pdf.mime_type == "application/pdf"
    meta = c.files.retrieve_metadata(up.id)
    assert meta.model_dump() == up.model_dump()
    assert [f.id for f in c.files.list()] == [pdf.id, up.id, "file_011SEEDEDCHART0000000000000"]
    page = c.files.list(limit=1)
    assert [f.id for f in page.data] == [pdf.id] and page.next_page and page.has_next_page()
    assert [f.id for f in page.get_next_page().data] == [up.id]
    assert [f.id for f in c.files.list(limit=1)] == [pdf.id, up.id, "file_011SEEDEDCHART0000000000000"]
    assert [f.id for f in c.files.list(limit=5, extra_query={"after_id": pdf.id}).data] == [up.id, "file_011SEEDEDCHART0000000000000"]
    # a file a tool made downloads; an uploaded one does not
    assert c.files.download("file_011SEEDEDCHART0000000000000").read() == b"a,b\n1,2\n"
    with pytest.raises(anthropic.BadRequestError) as e400:
        c.files.download(up.id)
    assert e400.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    state = server.state(w["id"])["anthropic"]["files"]
    assert state[up.id]["filename"] == "notes.txt" and state[up.id]["size_bytes"] == 10
    deleted = c.files.delete(up.id)
    assert deleted.id == up.id and deleted.type == "file_deleted"
    with pytest.raises(anthropic.NotFoundError) as nf:
        c.files.retrieve_metadata(up.id)
    assert nf.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]
    assert up.id not in server.state(w["id"])["anthropic"]["files"]
