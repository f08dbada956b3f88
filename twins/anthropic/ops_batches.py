"""Message Batches: create, retrieve, list, cancel, results (JSONL), delete.

World-time rule (deterministic): a batch's answers are computed when it is created, from each
request alone (as messages.create answers), and released when processing ends, at
`created_at + PROCESSING_SECONDS` world seconds. Every call to a world advances its clock by
one second, so a batch made by one call has ended for the second call after it. A cancel
before the end moves the batch to `canceling`; it ends one world second later with every
request `canceled`. The status is brought up to date at each call of this twin (`settle`).
A batch expires 24 hours after creation (`expires_at`); the twin never lets one run that long."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import orjson

from ..core import Ctx, Env, Raw
from ..core.env import ALNUM
from .errors import ERRORS, AnthropicError
from .listing import id_page
from .ops import CreateMessage, compose, ops
from .state import AnthropicState, Batch, BatchResult

S = Ctx[AnthropicState]
PROCESSING_SECONDS = 2.0
CANCEL_SECONDS = 1.0
EXPIRY_SECONDS = 24 * 3600.0
MAX_REQUESTS = 100_000  # https://docs.claude.com/en/api/creating-message-batches ("up to 100,000 requests")
_CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
BASE = "/v1/messages/batches"


def settle(s: AnthropicState, now: float) -> None:
    """End every batch whose processing time has come."""
    for b in s.batches.values():
        if b.processing_status == "in_progress" and now >= b.ends_at:
            b.processing_status, b.ended_at = "ended", b.ends_at
        elif b.processing_status == "canceling" and b.cancel_initiated_at is not None \
                and now >= b.cancel_initiated_at + CANCEL_SECONDS:
            b.processing_status, b.ended_at = "ended", b.cancel_initiated_at + CANCEL_SECONDS
            b.results = [BatchResult(custom_id=r.custom_id, type="canceled") for r in b.results]


def _counts(b: Batch) -> dict[str, int]:
    out = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
    if b.processing_status != "ended":
        out["processing"] = len(b.results)
        return out
    for r in b.results:
        out[r.type] += 1
    return out


def batch_json(env: Env, b: Batch) -> dict[str, Any]:
    """A batch as the SDK's `MessageBatch`."""
    iso = env.iso
    ended = b.processing_status == "ended"
    return {
        "id": b.id, "type": "message_batch", "processing_status": b.processing_status,
        "request_counts": _counts(b), "ended_at": iso(b.ended_at) if b.ended_at is not None else None,
        "created_at": iso(b.created_at), "expires_at": iso(b.expires_at),
        "archived_at": iso(b.archived_at) if b.archived_at is not None else None,
        "cancel_initiated_at": iso(b.cancel_initiated_at) if b.cancel_initiated_at is not None else None,
        "results_url": f"{env.base_url}{BASE}/{b.id}/results" if ended else None,
    }


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _answer(s: AnthropicState, env: Env, custom_id: str, params: Any) -> BatchResult:
    """One request's result, as messages.create would answer it."""
    if not isinstance(params, dict):
        return BatchResult(custom_id, "errored", error=_error("invalid_request_error", "params: Input should be an object"))
    if params.get("stream"):
        return BatchResult(custom_id, "errored", error=_error(
            "invalid_request_error", "stream: Streaming is not supported in the Message Batches API"))
    try:
        p = msgspec.convert(params, CreateMessage, strict=False)
        return BatchResult(custom_id, "succeeded", message=compose(s, env, p))
    except msgspec.ValidationError as e:
        err = ERRORS.invalid_arguments(str(e))
        return BatchResult(custom_id, "errored", error=err.body())
    except AnthropicError as e:
        return BatchResult(custom_id, "errored", error=e.body())


class CreateBatch(msgspec.Struct):
    requests: list[dict[str, Any]]


@ops.op("messages.batches.create", "POST", BASE, tool=False)
def batches_create(ctx: S, p: CreateBatch) -> dict[str, Any]:
    """Create a Message Batch: up to 100,000 requests, each `{custom_id, params}` with the params of
    messages.create. Its results are ready when processing ends (PROCESSING_SECONDS of world time)."""
    s, env = ctx.state, ctx.env
    settle(s, env.now)
    if not p.requests:
        raise AnthropicError("invalid_request_error", "requests: List should have at least 1 item after validation, not 0")
    if len(p.requests) > MAX_REQUESTS:
        raise AnthropicError("invalid_request_error",
                             f"requests: List should have at most {MAX_REQUESTS} items after validation, not {len(p.requests)}")
    seen: set[str] = set()
    for i, r in enumerate(p.requests):
        cid = r.get("custom_id")
        if not isinstance(cid, str):
            raise AnthropicError("invalid_request_error", f"requests.{i}.custom_id: Field required")
        if not _CUSTOM_ID.match(cid):
            raise AnthropicError("invalid_request_error",
                                 f"requests.{i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'")
        if cid in seen:
            raise AnthropicError("invalid_request_error", f"Duplicate custom_id: {cid}. Each custom_id must be unique within a batch.")
        seen.add(cid)
        if "params" not in r:
            raise AnthropicError("invalid_request_error", f"requests.{i}.params: Field required")
    results = [_answer(s, env, r["custom_id"], r["params"]) for r in p.requests]
    b = Batch(id=env.id("msgbatch_01", 35, ALNUM),
              created_at=env.now, ends_at=env.now + PROCESSING_SECONDS, expires_at=env.now + EXPIRY_SECONDS,
              requests=[dict(r) for r in p.requests], results=results)
    s.batches[b.id] = b
    return batch_json(env, b)


class BatchId(msgspec.Struct):
    message_batch_id: str


def _get(ctx: S, batch_id: str) -> Batch:
    settle(ctx.state, ctx.env.now)
    b = ctx.state.batches.get(batch_id)
    if b is None:
        raise AnthropicError("not_found_error", f"message_batch_id: {batch_id} not found")
    return b


@ops.op("messages.batches.retrieve", "GET", BASE + "/{message_batch_id}", tool=False, mutates=False)
def batches_retrieve(ctx: S, p: BatchId) -> dict[str, Any]:
    """One Message Batch: its status and request counts (`results_url` once it has ended)."""
    return batch_json(ctx.env, _get(ctx, p.message_batch_id))


class ListBatches(msgspec.Struct):
    before_id: str | None = None
    after_id: str | None = None
    limit: int = 20


@ops.op("messages.batches.list", "GET", BASE, tool=False, mutates=False)
def batches_list(ctx: S, p: ListBatches) -> dict[str, Any]:
    """The Message Batches, most recently created first (`before_id` / `after_id` / `limit`)."""
    settle(ctx.state, ctx.env.now)
    items = [batch_json(ctx.env, b) for b in reversed(ctx.state.batches.values())]
    return id_page(items, p.before_id, p.after_id, p.limit)


@ops.op("messages.batches.cancel", "POST", BASE + "/{message_batch_id}/cancel", tool=False)
def batches_cancel(ctx: S, p: BatchId) -> dict[str, Any]:
    """Cancel a batch still in progress: `canceling` now, `ended` a world second later with its
    requests `canceled`. Canceling a batch that is canceling or ended changes nothing."""
    b = _get(ctx, p.message_batch_id)
    if b.processing_status == "in_progress":
        b.processing_status, b.cancel_initiated_at = "canceling", ctx.env.now
    return batch_json(ctx.env, b)


@ops.op("messages.batches.results", "GET", BASE + "/{message_batch_id}/results", tool=False, mutates=False)
def batches_results(ctx: S, p: BatchId) -> Raw:
    """The results of an ended batch, one JSON object a line (`{custom_id, result}`), in request order."""
    b = _get(ctx, p.message_batch_id)
    if b.processing_status != "ended":
        raise AnthropicError("invalid_request_error",
                             f"Batch {b.id} has not finished processing; results are available once processing ends.")
    lines = []
    for r in b.results:
        result: dict[str, Any] = {"type": r.type}
        if r.type == "succeeded":
            result["message"] = r.message
        elif r.type == "errored":
            result["error"] = r.error
        lines.append(orjson.dumps({"custom_id": r.custom_id, "result": result}))
    return Raw(b"\n".join(lines) + b"\n", "application/binary")


@ops.op("messages.batches.delete", "DELETE", BASE + "/{message_batch_id}", tool=False)
def batches_delete(ctx: S, p: BatchId) -> dict[str, Any]:
    """Delete an ended batch (an in-progress one must be canceled first)."""
    b = _get(ctx, p.message_batch_id)
    if b.processing_status != "ended":
        raise AnthropicError("invalid_request_error",
                             f"Batch {b.id} cannot be deleted while it is processing; cancel it first.")
    del ctx.state.batches[b.id]
    return {"id": b.id, "type": "message_batch_deleted"}


__all__ = ["PROCESSING_SECONDS", "batch_json", "settle"]
