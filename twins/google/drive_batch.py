"""Batch requests: google-api-python-client's BatchHttpRequest posts multipart/mixed, each part an
HTTP request; each is dispatched to the operation its method and path name, in order."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import msgspec
import orjson

from ..core import Operation, Raw, Reply, TwinError
from .drive_mime import boundary_of, split_headers, split_multipart
from .errors import ERRORS, GoogleError
from .registry import G, ops

MAX_PARTS = 100
REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error"}

_routes: list[tuple[re.Pattern[str], tuple[str, ...], Operation]] = []
_routes_for = -1


def routes() -> list[tuple[re.Pattern[str], tuple[str, ...], Operation]]:
    """(path regex, methods, op) for every operation, in registration order (built once)."""
    global _routes_for
    if _routes_for != len(ops.ops):
        _routes.clear()
        for op in ops:
            if op.raw_body:
                continue
            rx = re.escape(op.path)
            rx = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", rx)
            _routes.append((re.compile(rx + "$"), op.methods, op))
        _routes_for = len(ops.ops)
    return _routes


def match(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    for rx, methods, op in routes():
        if method in methods:
            m = rx.match(path)
            if m is not None:
                return op, {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
    return None


def run_one(ctx: G, method: str, target: str, body: bytes) -> Reply:
    """One inner request, answered as the HTTP door would."""
    url = urllib.parse.urlsplit(target)
    found = match(method.upper(), url.path)
    if found is None:
        err = ERRORS.not_found_route(method, url.path)
        return Reply(err.status, err.body())
    op, args = found
    merged: dict[str, Any] = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
    merged.update(args)
    if body.strip():
        try:
            obj = orjson.loads(body)
        except orjson.JSONDecodeError:
            err = ERRORS.malformed("the body is not valid JSON")
            return Reply(err.status, err.body())
        if op.body_key:
            merged[op.body_key] = obj
        elif isinstance(obj, dict):
            merged.update(obj)
    merged.pop("access_token", None)
    ctx.env.now += 1.0
    try:
        result = op.handler(ctx, msgspec.convert(merged, op.params, strict=False))
    except TwinError as e:
        return Reply(e.status, e.body(), e.headers)
    except msgspec.ValidationError as e:
        err = ERRORS.invalid_arguments(str(e))
        return Reply(err.status, err.body())
    if type(result) is Reply:
        return result
    return Reply(op.status if result is not None else 204, result)


def _encode_part(content_id: str, reply: Reply) -> bytes:
    lines = [f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'OK')}"]
    payload = b""
    if type(reply.body) is Raw:
        lines.append(f"Content-Type: {reply.body.content_type}")
        payload = reply.body.data
    elif reply.body is not None:
        lines.append("Content-Type: application/json; charset=UTF-8")
        payload = orjson.dumps(reply.body)
    for k, v in (reply.headers or {}).items():
        lines.append(f"{k}: {v}")
    lines.append(f"Content-Length: {len(payload)}")
    head = (f"Content-Type: application/http\r\nContent-ID: <response-{content_id}>\r\n\r\n"
            + "\r\n".join(lines) + "\r\n\r\n")
    return head.encode() + payload + b"\r\n"


class BatchParams(msgspec.Struct, kw_only=True):
    body: bytes = msgspec.field(default=b"", name="_body")
    content_type: str = msgspec.field(default="", name="_content_type")


def batch(ctx: G, p: BatchParams) -> Raw:
    boundary = boundary_of(p.content_type)
    if not p.content_type.startswith("multipart/mixed") or boundary is None:
        raise GoogleError("INVALID_ARGUMENT", "Batch requests must be multipart/mixed with a boundary.",
                          both=True)
    parts = split_multipart(p.body, boundary)
    if len(parts) > MAX_PARTS:
        raise GoogleError("INVALID_ARGUMENT", f"A batch holds at most {MAX_PARTS} requests.", both=True)
    out_boundary = "batch_" + ctx.env.token(24)
    chunks: list[bytes] = []
    for headers, inner in parts:
        cid = headers.get("content-id", "").strip("<>")
        _, req_body = split_headers(inner)
        line = inner.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
        words = line.split(" ")
        if len(words) < 2:
            reply = Reply(400, ERRORS.malformed("bad request line in a batch part").body())
        else:
            reply = run_one(ctx, words[0], words[1], req_body)
        chunks.append(f"--{out_boundary}\r\n".encode() + _encode_part(cid, reply))
    chunks.append(f"--{out_boundary}--\r\n".encode())
    return Raw(b"".join(chunks), f"multipart/mixed; boundary={out_boundary}")


@ops.op("drive.batch", "POST", "/batch/drive/v3", raw_body=True, tool=False)
def drive_batch(ctx: G, p: BatchParams) -> Raw:
    """Run up to 100 Drive calls in one multipart/mixed request (google-api-python-client's
    BatchHttpRequest); each part gets its own status and body."""
    return batch(ctx, p)


@ops.op("google.batch", "POST", "/batch", raw_body=True, tool=False)
def google_batch(ctx: G, p: BatchParams) -> Raw:
    """Batch endpoint of the Docs and Sheets APIs (same multipart/mixed format)."""
    return batch(ctx, p)
