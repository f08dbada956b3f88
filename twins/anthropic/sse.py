"""A Message as the event stream the SDK reads when `stream: true`, in the API's order:
message_start, ping, then per block content_block_start / _delta... / _stop, message_delta,
message_stop."""

from __future__ import annotations

from typing import Any

import orjson

CHUNK = 24  # characters per delta, so clients really assemble the pieces


def _event(out: list[bytes], name: str, data: dict[str, Any]) -> None:
    out.append(b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n")


def _pieces(s: str) -> list[str]:
    return [s[i:i + CHUNK] for i in range(0, len(s), CHUNK)] or [""]


def stream(message: dict[str, Any]) -> bytes:
    out: list[bytes] = []
    usage = message["usage"]
    start = dict(message, content=[], stop_reason=None, stop_sequence=None,
                 usage=dict(usage, output_tokens=1))
    _event(out, "message_start", {"type": "message_start", "message": start})
    _event(out, "ping", {"type": "ping"})
    for i, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            head = dict(block, input={})
            _event(out, "content_block_start", {"type": "content_block_start", "index": i, "content_block": head})
            text = orjson.dumps(block["input"]).decode()
            for piece in ["", *_pieces(text)]:
                _event(out, "content_block_delta", {"type": "content_block_delta", "index": i,
                                                    "delta": {"type": "input_json_delta", "partial_json": piece}})
        else:
            _event(out, "content_block_start", {"type": "content_block_start", "index": i,
                                                "content_block": {"type": "text", "text": ""}})
            for piece in _pieces(block["text"]):
                _event(out, "content_block_delta", {"type": "content_block_delta", "index": i,
                                                    "delta": {"type": "text_delta", "text": piece}})
        _event(out, "content_block_stop", {"type": "content_block_stop", "index": i})
    _event(out, "message_delta", {"type": "message_delta",
                                  "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                                  "usage": {"output_tokens": usage["output_tokens"]}})
    _event(out, "message_stop", {"type": "message_stop"})
    return b"".join(out)
