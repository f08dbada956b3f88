"""Every Anthropic response checked against the anthropic SDK's own pydantic types, strictly.

The schema is the pinned SDK (twins/anthropic/schema/PROVENANCE.md): `Message`, the stream events,
`MessageTokensCount`, `ModelInfo`, `MessageBatch`, `MessageBatchIndividualResponse`,
`DeletedMessageBatch`, `FileMetadata`, `DeletedFile`, `ErrorResponse`, and the list envelopes the
SDK pages with (`SyncPage`, `SyncPageCursor`). Each answer is validated as the JSON it is on the
wire, in pydantic's strict mode (`"123"` is no integer); pydantic lets undeclared fields through,
so each parsed object's `model_extra` is checked too: a field the type does not declare is a
problem, and so is a required field that is missing or of the wrong type. A success must carry the
status the API documents for its operation (`SUCCESS`); a download's bytes have no schema
(`Unchecked`, outside the share).

Responses: the bundled library's calls to the twin (none today: its agents are scripted, not
LLM-driven), plus a sweep of every registered operation, success and error cases, in-process."""

from __future__ import annotations

from typing import Any

import orjson
import pydantic
import pytest
from anthropic.pagination import SyncPage, SyncPageCursor
from anthropic.types import (
    DeletedFile,
    FileMetadata,
    Message,
    MessageTokensCount,
    ModelInfo,
    RawMessageStreamEvent,
)
from anthropic.types.messages import DeletedMessageBatch, MessageBatch, MessageBatchIndividualResponse
from anthropic.types.shared import ErrorResponse

from dtu.twins.anthropic import TWIN
from dtu.twins.core import Raw, SeedImage, World
from dtu.twins.registry import TWINS
from tests.schemas import Tally, Unchecked, library_calls

OK_TYPES: dict[str, Any] = {
    "messages.create": Message, "messages.count_tokens": MessageTokensCount, "models.get": ModelInfo,
    "models.list": (SyncPage, ModelInfo), "messages.batches.create": MessageBatch,
    "messages.batches.retrieve": MessageBatch, "messages.batches.cancel": MessageBatch,
    "messages.batches.list": (SyncPage, MessageBatch), "messages.batches.delete": DeletedMessageBatch,
    "messages.batches.results": MessageBatchIndividualResponse, "files.upload": FileMetadata,
    "files.retrieve_metadata": FileMetadata, "files.list": (SyncPageCursor, FileMetadata),
    "files.delete": DeletedFile,
}
# the success status of each operation (https://docs.anthropic.com/en/api: every one answers 200 OK)
SUCCESS: dict[str, int] = dict.fromkeys((*OK_TYPES, "files.download"), 200)
STREAM = pydantic.TypeAdapter(RawMessageStreamEvent)
USER = {"role": "user", "content": "Open #atlas and say hi."}
TOOL = {"name": "slack__chat_postMessage", "description": "post", "input_schema": {
    "type": "object", "properties": {"channel": {"type": "string"}, "text": {"type": "string"}},
    "required": ["channel", "text"]}}
VERDICT = {"name": "submit_verdict", "description": "verdict", "input_schema": {
    "type": "object", "properties": {"probability": {"type": "number"}, "reason": {"type": "string"}}}}
CHECKS = {"role": "user", "content": 'Judge.\n<checks>{"passed": 1, "total": 2, "failed": ["a"]}</checks>'}
PLAN = [{"name": "slack__chat_postMessage", "input": {"channel": "C1", "text": "hi"}}]


def extras(obj: Any, path: str = "$") -> list[str]:
    """Fields no type declares, anywhere in a parsed SDK object."""
    out: list[str] = []
    if isinstance(obj, pydantic.BaseModel):
        out += [f"{path}.{k}: not declared by {type(obj).__name__}" for k in (obj.model_extra or {})]
        for name in type(obj).model_fields:
            out += extras(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, list):
        for i, x in enumerate(obj):
            out += extras(x, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for k, x in obj.items():
            out += extras(x, f"{path}.{k}")
    return out


def strict(kind: Any, data: Any) -> list[str]:
    """Problems of `data` as an instance of the SDK type `kind` (empty when it matches)."""
    raw = orjson.dumps(data)
    try:  # as JSON (a date-time is a string there), strictly
        obj = kind.validate_json(raw, strict=True) if isinstance(kind, pydantic.TypeAdapter) \
            else kind.model_validate_json(raw, strict=True)
    except pydantic.ValidationError as e:
        return [f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()[:3]]
    return extras(obj)


def envelope(page: type[Any], item: Any, data: Any) -> list[str]:
    """A list answer: the page class's fields exactly, each item strictly."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return ["not a list envelope"]
    declared = set(page.model_fields)
    problems = [f"$.{k}: not declared by {page.__name__}" for k in data if k not in declared]
    for i, x in enumerate(data["data"]):
        problems += [f"data[{i}]{p}" for p in strict(item, x)]
    return problems


def sse_events(raw: bytes) -> list[dict[str, Any]]:
    out = []
    for chunk in raw.decode().split("\n\n"):
        for line in chunk.splitlines():
            if line.startswith("data: "):
                out.append(orjson.loads(line[6:]))
    return out


def problems_of(op: str, status: int, body: Any) -> list[tuple[str, list[str] | Unchecked]]:
    """Each response in one answer (a stream or JSONL answer: each event or line) with its problems."""
    if status >= 400:
        return [("", strict(ErrorResponse, body))]
    if status != SUCCESS.get(op):
        return [("", [f"status {status}: the API documents {SUCCESS.get(op)} for {op}"])]
    if isinstance(body, Raw):
        if op == "messages.create":  # the SDK skips `ping` by name; it is no member of the union
            return [(f" stream {ev.get('type')}", [] if ev == {"type": "ping"} else strict(STREAM, ev))
                    for ev in sse_events(body.data)]
        if op == "messages.batches.results":
            return [(" line", strict(MessageBatchIndividualResponse, orjson.loads(line)))
                    for line in body.data.splitlines()]
        return [("", Unchecked("a download: the file's own bytes, no schema"))]
    kind = OK_TYPES.get(op)
    if kind is None:
        return [("", [f"no SDK type known for {op}"])]
    if isinstance(kind, tuple):
        return [("", envelope(kind[0], kind[1], body))]
    return [("", strict(kind, body))]


def check(tally: Tally, op: str, status: int, body: Any, where: str = "") -> None:
    for suffix, problems in problems_of(op, status, body):
        tally.record(op, problems, where + suffix)


def world(seed: dict[str, Any] | None = None) -> World:
    return World(SeedImage(TWINS, seed or {}, 7, 1_767_225_600.0), 11)


def msg(**kw: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-6", "max_tokens": 128, "messages": [USER], **kw}


def sweep() -> list[tuple[str, int, Any, str]]:
    """(op, status, body, label) for every operation, success and error cases."""
    out: list[tuple[str, int, Any, str]] = []

    def call(w: World, op: str, args: dict[str, Any], label: str = "") -> Any:
        r = w.dispatch("anthropic", op, args)
        out.append((op, r.status, r.body, label or op))
        return r.body

    w = world()
    for model in ("dtu-twin", "dtu-judge", "claude-sonnet-4-6", "claude-haiku-4-5", "claude-sonnet-4-5"):
        call(w, "messages.create", msg(model=model), f"plain {model}")
    for choice in (None, {"type": "auto"}, {"type": "any"}, {"type": "tool", "name": TOOL["name"]}, {"type": "none"}):
        call(w, "messages.create", msg(tools=[TOOL], tool_choice=choice), f"tools {choice}")
    call(w, "messages.create", msg(tools=[{**TOOL, "cache_control": {"type": "ephemeral"}}], system="Be brief."), "cache")
    call(w, "messages.create", msg(tools=[{**TOOL, "cache_control": {"type": "ephemeral"}}], system="Be brief."), "cached")
    call(w, "messages.create", msg(model="dtu-judge", messages=[CHECKS], tools=[VERDICT]), "judge tool")
    call(w, "messages.create", msg(model="dtu-judge", messages=[CHECKS]), "judge text")
    call(w, "messages.create", msg(tools=[TOOL], stream=True), "stream tool")
    call(w, "messages.create", msg(stream=True), "stream text")
    for bad, label in ((msg(max_tokens=0), "max_tokens 0"), ({"model": "dtu-twin", "messages": [USER]}, "no max_tokens"),
                       (msg(messages=[]), "no messages"), (msg(messages=[{"role": "system", "content": "x"}]), "role"),
                       (msg(temperature=2), "temperature"), (msg(tools=[{**TOOL, "name": "bad name"}]), "tool name"),
                       (msg(messages=[USER, {"role": "user", "content": [
                           {"type": "tool_result", "tool_use_id": "toolu_x", "content": "{}"}]}]), "orphan"),
                       (msg(model="gpt-4o"), "unknown model"), (msg(model="dtu-scripted"), "plan player, no plan")):
        call(w, "messages.create", bad, label)
    call(w, "messages.count_tokens", {"model": "dtu-twin", "messages": [USER], "tools": [TOOL]})
    call(w, "messages.count_tokens", {"model": "nope", "messages": [USER]}, "count unknown model")
    call(w, "models.list", {})
    call(w, "models.list", {"limit": 2, "after_id": "dtu-judge"}, "models after")
    call(w, "models.list", {"limit": 2, "before_id": "claude-sonnet-4-6"}, "models before")
    call(w, "models.list", {"limit": 0}, "models limit 0")
    call(w, "models.get", {"model_id": "claude-opus-4-6"})
    call(w, "models.get", {"model_id": "dtu-twin"})
    call(w, "models.get", {"model_id": "nope"}, "model 404")

    planned = world({"anthropic": {"plan": PLAN, "overloaded_first": 1, "rate_limited_first": 1}})
    call(planned, "messages.create", msg(model="dtu-scripted", tools=[TOOL]), "overloaded")
    call(planned, "messages.create", msg(model="dtu-scripted", tools=[TOOL]), "rate limited")
    call(planned, "messages.create", msg(model="dtu-scripted", tools=[TOOL]), "scripted")
    call(planned, "messages.create", msg(model="dtu-noisy", tools=[TOOL]), "noisy")
    call(planned, "models.list", {}, "models with plan players")

    b = world()
    reqs = [{"custom_id": "ok", "params": msg()}, {"custom_id": "tools", "params": msg(tools=[TOOL], tool_choice={"type": "any"})},
            {"custom_id": "bad", "params": msg(model="gpt-4o")}, {"custom_id": "nomax", "params": {"model": "dtu-twin", "messages": [USER]}}]
    one = call(b, "messages.batches.create", {"requests": reqs})
    call(b, "messages.batches.results", {"message_batch_id": one["id"]}, "results too early")
    call(b, "messages.batches.delete", {"message_batch_id": one["id"]}, "delete in progress")
    call(b, "messages.batches.retrieve", {"message_batch_id": one["id"]}, "ended")
    call(b, "messages.batches.results", {"message_batch_id": one["id"]})
    two = call(b, "messages.batches.create", {"requests": reqs[:1]})
    call(b, "messages.batches.cancel", {"message_batch_id": two["id"]})
    call(b, "messages.batches.retrieve", {"message_batch_id": two["id"]}, "canceled")
    call(b, "messages.batches.results", {"message_batch_id": two["id"]}, "canceled results")
    call(b, "messages.batches.list", {})
    call(b, "messages.batches.list", {"limit": 1}, "batches page")
    call(b, "messages.batches.list", {"limit": 1, "after_id": two["id"]}, "batches after")
    for bad, label in (([], "empty"), ([reqs[0], reqs[0]], "duplicate"), ([{"custom_id": "a b", "params": msg()}], "custom_id")):
        call(b, "messages.batches.create", {"requests": bad}, f"batch {label}")
    call(b, "messages.batches.delete", {"message_batch_id": one["id"]})
    call(b, "messages.batches.retrieve", {"message_batch_id": one["id"]}, "batch 404")
    call(b, "messages.batches.cancel", {"message_batch_id": "msgbatch_01nope"}, "cancel 404")
    call(b, "messages.batches.list", {"limit": 0}, "batches limit 0")

    f = world({"anthropic": {"files": [{"filename": "chart.png", "content": "png", "downloadable": True}]}})
    up = call(f, "files.upload", {"filename": "notes.txt", "content": "hello", "mime_type": "text/plain"})
    call(f, "files.upload", {"_body": b"not multipart", "_content_type": "text/plain"}, "upload not multipart")
    listed = call(f, "files.list", {})
    call(f, "files.download", {"file_id": listed["data"][-1]["id"]}, "download seeded")
    call(f, "files.list", {"limit": 1}, "files page")
    call(f, "files.list", {"limit": 1, "after_id": up["id"]}, "files after")
    call(f, "files.retrieve_metadata", {"file_id": up["id"]})
    call(f, "files.download", {"file_id": up["id"]}, "download uploaded")
    call(f, "files.delete", {"file_id": up["id"]})
    call(f, "files.retrieve_metadata", {"file_id": up["id"]}, "file 404")
    call(f, "files.delete", {"file_id": up["id"]}, "delete 404")
    call(f, "files.list", {"limit": 1001}, "files limit 1001")
    return out


def test_every_operation_is_swept() -> None:
    """Each operation answers at least one success and one error, as in the other twins' sweeps."""
    answers = sweep()
    ops = set(TWIN.ops.ops)
    assert ops - {op for op, status, *_ in answers if status < 400} == set(), "never seen succeed"
    assert ops - {op for op, status, *_ in answers if status >= 400} == set(), "never seen fail"


def test_responses_match_the_sdk_types() -> None:
    tally = Tally("anthropic")
    for call in library_calls("anthropic"):
        check(tally, call.op, call.status, call.body, "library")
    for op, status, body, label in sweep():
        check(tally, op, status, body, label)
    print(f"anthropic: {tally.share:.1%} of {sum(tally.checked.values())} responses valid", *tally.failures, sep="\n  ")
    tally.assert_share()


@pytest.mark.parametrize("op", sorted(OK_TYPES))
def test_each_success_shape_is_strictly_the_sdk_type(op: str) -> None:
    """Per operation, no tolerance: every success answer validates."""
    seen = 0
    for o, status, body, label in sweep():
        if o == op and status < 400:
            seen += 1
            bad = [(label + suffix, p) for suffix, p in problems_of(o, status, body) if isinstance(p, list) and p]
            assert not bad, bad
    assert seen, f"the sweep has no successful {op}"
