"""The tool catalog: names, schemas, validation before dispatch, the twin's own error bodies."""

from __future__ import annotations

import asyncio
import re

import msgspec

from dtu.runner.tools import catalog, is_error, result_text
from dtu.twins.core import Raw, Reply, SeedImage, World
from dtu.twins.registry import TWINS

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def test_names_schemas_and_reverse_map() -> None:
    cat = catalog(TWINS, ("slack",))
    names = [t["name"] for t in cat.tools]
    assert "slack__chat_postMessage" in names
    assert all(NAME.match(n) for n in names)
    text = msgspec.json.encode(cat.tools).decode()
    assert "$ref" not in text and "$defs" not in text
    post = next(t for t in cat.tools if t["name"] == "slack__chat_postMessage")
    assert post["description"] == TWINS["slack"].ops["chat.postMessage"].doc
    assert post["input_schema"]["type"] == "object"
    assert "channel" in post["input_schema"]["required"]
    twin, op = cat.ops["slack__chat_postMessage"]
    assert (twin, op.name) == ("slack", "chat.postMessage")
    # one catalog per twin set
    assert catalog(TWINS, ("slack",)) is cat
    # the model's own twin is not a tool
    assert not any(n.startswith("anthropic__") for n in catalog(TWINS, ("slack", "anthropic")).ops)


def test_cache_control_on_last_tool_only() -> None:
    tools = catalog(TWINS, ("slack",)).cached_tools()
    assert tools[-1]["cache_control"] == {"type": "ephemeral"}
    assert all("cache_control" not in t for t in tools[:-1])
    assert all("cache_control" not in t for t in catalog(TWINS, ("slack",)).tools)


def _world() -> World:
    seed = {"slack": {"me": "dana", "users": [{"id": "U0DANA0001", "name": "dana"}],
                      "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]}}
    return World(SeedImage(TWINS, seed, 1, 0.0), 2)


def test_bad_calls_get_the_twins_own_errors_and_are_not_dispatched() -> None:
    cat = catalog(TWINS, ("slack",))
    world = _world()
    bad = asyncio.run(cat.call(world, "slack__chat_postMessage", {"channel": 5}))
    assert bad.body["ok"] is False and bad.body["error"] == "invalid_arguments"
    assert is_error(bad)
    missing = asyncio.run(cat.call(world, "slack__chat_postMessage", {"text": "x"}))
    assert missing.body["error"] == "invalid_arguments"
    unknown = asyncio.run(cat.call(world, "slack__chat_postMesage", {}))
    assert unknown.body == {"ok": False, "error": "unknown_method"}
    stranger = asyncio.run(cat.call(world, "nosuch__tool", {}))
    assert stranger.status == 404 and stranger.body["error"] == "unknown_tool"
    assert world.calls == []
    good = asyncio.run(cat.call(world, "slack__chat_postMessage", {"channel": "C0GENERAL1", "text": "hi"}))
    assert good.body["ok"] is True and not is_error(good)
    assert [c.op for c in world.calls] == ["chat.postMessage"]
    # a vendor error from the handler is answered too, and marked as an error
    nf = asyncio.run(cat.call(world, "slack__chat_postMessage", {"channel": "C0NOPE", "text": "hi"}))
    assert nf.body["error"] == "channel_not_found" and is_error(nf)


def test_result_text() -> None:
    assert result_text(Reply(200, {"ok": True})) == '{"ok":true}'
    assert result_text(Reply(404, {"error": "x"})).startswith("HTTP 404: ")
    assert result_text(Reply(204, None)) == '{"status": 204}'
    assert result_text(Reply(200, Raw(b"\x00\x01", "image/png"))) == "<2 bytes of image/png>"
    assert result_text(Reply(200, Raw(b"a,b", "text/csv"))) == "a,b"
