"""The anthropic SDK, unmodified, against the Anthropic twin: over `dtu serve` and in-process."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import anthropic
import orjson
import pytest

from dtu.agents.transport import WorldTransport
from dtu.runner.hub import Hub
from dtu.runner.server import start
from dtu.twins.anthropic.catalog import REAL, SCRIPTED
from dtu.twins.core import SeedImage, World
from dtu.twins.registry import TWINS

from .conftest import client, closing

pytestmark = [pytest.mark.sdk("python", "anthropic"), pytest.mark.usefixtures("sdk_clients")]

PLAN = [
    {"twin": "slack", "op": "conversations.create", "args": {"name": "atlas"}, "save": {"cid": "channel.id"}},
    {"twin": "slack", "op": "chat.postMessage", "args": {"channel": "${cid}", "text": "hi in ${cid}"}},
]
TOOLS = [{"name": "slack__conversations_create", "description": "create", "input_schema": {"type": "object"}},
         {"name": "slack__chat_postMessage", "description": "post", "input_schema": {"type": "object"}}]
USER = {"role": "user", "content": "Open #atlas and say hi."}


def test_plays_the_plan_with_substitution_then_ends(make_world: Any) -> None:
    c = client(make_world({"anthropic": {"plan": PLAN}}))
    msgs: list[dict[str, Any]] = [USER]
    r = c.messages.create(model="dtu-scripted", max_tokens=256, messages=msgs, tools=TOOLS)
    assert r.stop_reason == "tool_use" and r.role == "assistant" and r.id.startswith("msg_")
    [use] = r.content
    assert use.type == "tool_use" and use.name == "slack__conversations_create" and use.input == {"name": "atlas"}
    msgs += [{"role": "assistant", "content": [use.model_dump(include={"type", "id", "name", "input"})]},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id,
                                           "content": json.dumps({"ok": True, "channel": {"id": "C0ATLAS"}})}]}]
    r2 = c.messages.create(model="dtu-scripted", max_tokens=256, messages=msgs, tools=TOOLS)
    assert r2.content[0].input == {"channel": "C0ATLAS", "text": "hi in C0ATLAS"}  # type: ignore[union-attr]
    msgs += [{"role": "assistant", "content": [r2.content[0].model_dump(include={"type", "id", "name", "input"})]},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": r2.content[0].id,  # type: ignore[union-attr]
                                           "content": [{"type": "text", "text": '{"ok": true}'}]}]}]
    r3 = c.messages.create(model="dtu-scripted", max_tokens=256, messages=msgs, tools=TOOLS)
    assert r3.stop_reason == "end_turn" and r3.content[0].type == "text"
    assert r3.usage.input_tokens > r.usage.input_tokens > 0
    n = c.messages.count_tokens(model="dtu-scripted", messages=msgs, tools=TOOLS)  # type: ignore[arg-type]
    assert n.input_tokens > 0
    # a world seeded with a plan (an oracle's, or by hand) serves the plan players too
    assert [m.id for m in c.models.list()][:4] == ["dtu-twin", "dtu-judge", "dtu-scripted", "dtu-noisy"]
    # asked without tools, no model answers a tool_use (the API cannot)
    bare = c.messages.create(model="dtu-scripted", max_tokens=64, messages=[USER])
    assert bare.stop_reason == "end_turn" and [b.type for b in bare.content] == ["text"]


def test_a_plain_world_serves_only_the_plan_less_twin_and_the_judge(make_world: Any) -> None:
    c = client(make_world({}), max_retries=0)
    ids = [m.id for m in c.models.list()]
    assert ids[:2] == ["dtu-twin", "dtu-judge"] and not set(SCRIPTED) & set(ids)
    assert set(REAL) <= set(ids)  # real ids, answered by the plan-less twin
    assert c.models.retrieve("claude-sonnet-4-6").display_name == "Claude Sonnet 4.6"
    for unknown in ("claude-nonexistent-9", "dtu-oracle", "gpt-4o"):  # outside both namespaces: 404
        with pytest.raises(anthropic.NotFoundError) as nf:
            c.messages.create(model=unknown, max_tokens=64, messages=[USER], tools=TOOLS)
        assert nf.value.body == {"type": "error", "error": {"type": "not_found_error", "message": f"model: {unknown}"}}
        with pytest.raises(anthropic.NotFoundError):
            c.models.retrieve(unknown)
    for name in ("dtu-scripted", "dtu-noisy"):
        with pytest.raises(anthropic.NotFoundError) as e404:
            c.messages.create(model=name, max_tokens=64, messages=[USER], tools=TOOLS)
        assert e404.value.body == {"type": "error", "error": {"type": "not_found_error", "message": f"model: {name}"}}
        with pytest.raises(anthropic.NotFoundError):
            c.models.retrieve(name)
    raw = c.messages.with_raw_response.create(model="claude-sonnet-4-6", max_tokens=64, messages=[USER], tools=TOOLS)
    assert raw.headers["x-dtu-model-kind"] == "twin"
    assert raw.parse().content[0].name in {t["name"] for t in TOOLS}  # type: ignore[union-attr]


def test_streaming_events_in_the_sdks_order(make_world: Any) -> None:
    c = client(make_world({"anthropic": {"plan": PLAN}}))
    with c.messages.stream(model="dtu-scripted", max_tokens=64, messages=[USER], tools=TOOLS) as s:
        kinds = [e.type for e in s]
        final = s.get_final_message()
    core = [k for k in kinds if k in ("message_start", "content_block_start", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop")]
    assert core[0] == "message_start" and core[1] == "content_block_start"
    assert core[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert final.stop_reason == "tool_use" and final.content[0].input == {"name": "atlas"}  # type: ignore[union-attr]
    raw = c.messages.create(model="dtu-scripted", max_tokens=64, messages=[USER], stream=True)
    events = [e.type for e in raw]
    assert events[0] == "message_start" and events[-1] == "message_stop"


def test_error_shapes(make_world: Any, server: Any) -> None:
    w = make_world({"anthropic": {"plan": PLAN}})
    c = client(w, max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as e401:
        client({"token": "sk-wrong", "base_url": w["base_url"]}).messages.create(
            model="claude-sonnet-4-6", max_tokens=5, messages=[USER])
    assert e401.value.body == {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
    orphan = [USER, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "{}"}]}]
    with pytest.raises(anthropic.BadRequestError) as e400:
        c.messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=orphan)
    assert e400.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    assert "tool_use_id" in e400.value.body["error"]["message"]  # type: ignore[index]
    # a body the SDK would refuse to build: missing max_tokens, sent by hand
    req = urllib.request.Request(w["base_url"] + "/v1/messages", method="POST",
                                 data=json.dumps({"model": "x", "messages": [USER]}).encode(),
                                 headers={"x-api-key": w["token"], "content-type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as raw:
        urllib.request.urlopen(req, timeout=10)
    assert raw.value.code == 400
    assert json.loads(raw.value.read()) == {"type": "error", "error": {
        "type": "invalid_request_error", "message": "max_tokens: Field required"}}
    bearer = closing(anthropic.Anthropic(auth_token=w["token"], base_url=w["base_url"]))
    assert bearer.messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=[USER], tools=TOOLS).stop_reason == "tool_use"


def test_overloaded_and_rate_limited(make_world: Any) -> None:
    w = make_world({"anthropic": {"plan": PLAN, "overloaded_first": 1, "rate_limited_first": 1,
                                  "retry_after": 0.01}})
    c = client(w, max_retries=0)
    with pytest.raises(anthropic.APIStatusError) as e529:
        c.messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=[USER])
    assert e529.value.status_code == 529
    assert e529.value.body == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    with pytest.raises(anthropic.RateLimitError) as e429:
        c.messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=[USER])
    assert e429.value.response.headers["retry-after"] == "0.01"
    assert e429.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    assert c.messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=[USER], tools=TOOLS).stop_reason == "tool_use"
    # with retries, the SDK absorbs the burst on its own
    w2 = make_world({"anthropic": {"rate_limited_first": 2, "retry_after": 0.01}})
    again = client(w2, max_retries=2).messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=[USER])
    assert again.stop_reason == "end_turn"  # no tools offered: a text


def test_judge_mode(make_world: Any) -> None:
    c = client(make_world({}))
    tool = {"name": "submit_verdict", "description": "verdict", "input_schema": {
        "type": "object", "properties": {"probability": {"type": "number"}, "reason": {"type": "string"}}}}
    ask = {"role": "user", "content": 'Judge this.\n<checks>{"passed": 3, "total": 4, "failed": ["kickoff"]}</checks>'}
    r = c.messages.create(model="dtu-judge", max_tokens=200, messages=[ask], tools=[tool])
    [use] = r.content
    assert use.name == "submit_verdict" and use.input["probability"] == 0.75  # type: ignore[union-attr,index]
    assert "kickoff" in use.input["reason"]  # type: ignore[union-attr,index]
    done = c.messages.create(model="dtu-judge", max_tokens=200, tools=[tool], messages=[
        ask, {"role": "assistant", "content": [use.model_dump(include={"type", "id", "name", "input"})]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "ok"}]}])  # type: ignore[union-attr]
    assert done.stop_reason == "end_turn"


def test_both_doors_answer_alike() -> None:
    """The same world, once through the in-process transport and once over HTTP."""
    seed = {"anthropic": {"plan": PLAN}}

    async def go() -> tuple[Any, Any]:
        image = SeedImage(TWINS, seed, 7, 0.0)
        local, remote = World(image, 11), World(image, 11)
        transport = WorldTransport()
        hub = Hub(TWINS)
        runner = await start(hub, "127.0.0.1", 0)
        try:
            token = hub.register(remote)
            a = anthropic.AsyncAnthropic(api_key=transport.add(local), base_url="http://x.invalid",
                                         http_client=transport.client())
            b = anthropic.AsyncAnthropic(api_key=token, base_url=hub.base_url)
            kw: dict[str, Any] = {"model": "dtu-scripted", "max_tokens": 64, "messages": [USER], "tools": TOOLS}
            ra = await a.messages.with_raw_response.create(**kw)
            rb = await b.messages.with_raw_response.create(**kw)
            assert ra.headers["request-id"] == rb.headers["request-id"]
            out = (await ra.parse()).model_dump(), (await rb.parse()).model_dump()
            await a.close()
            await b.close()
            return out
        finally:
            await runner.cleanup()

    one, two = asyncio.run(go())
    assert one == two


def test_a_tool_list_sent_again_is_kept_once_and_only_when_sent_byte_for_byte() -> None:
    """The in-process door keeps one parsed copy of a tool list many requests carry (the call logs
    hold every request); a list written otherwise (`1.0` for `1`) is kept as it was sent."""
    tools = [{"name": "a", "input_schema": {"type": "object", "maxItems": 1}}, {"name": "b", "input_schema": {}}]
    other = [{"name": "a", "input_schema": {"type": "object", "maxItems": 1.0}}, {"name": "b", "input_schema": {}}]

    async def send(transport: WorldTransport, world: World, body: bytes) -> None:
        http = transport.client()
        await http.post("http://x.invalid/v1/messages", content=body,
                        headers={"x-api-key": transport.add(world), "content-type": "application/json"})

    async def go() -> list[World]:
        image = SeedImage(TWINS, {"anthropic": {}}, 7, 0.0)
        worlds = [World(image, 11 + i) for i in range(3)]
        transport = WorldTransport()
        for world, t in zip(worlds, (tools, tools, other), strict=True):
            body = {"model": "dtu-twin", "max_tokens": 8, "messages": [USER], "tools": t}
            await send(transport, world, orjson.dumps(body))
        return worlds

    a, b, c = (w.calls[0].args["tools"] for w in asyncio.run(go()))
    assert a is b and a == tools
    assert c is not a and c == other and c[0]["input_schema"]["maxItems"] == 1.0


def test_a_known_tool_list_is_shared_only_at_the_top_level() -> None:
    """A request is parsed without a tool list it holds byte for byte, but only the top level's
    `tools` is shared: the same list inside a message (a tool's input) is parsed as sent, and the
    top level keeps the list it holds."""
    tools = [{"name": "a", "input_schema": {"type": "object"}}, {"name": "b", "input_schema": {}}]
    other = [{"name": "c", "input_schema": {}}]
    echo = [USER, {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "a",
                                                      "input": {"tools": tools}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}]}]

    async def go() -> list[World]:
        image = SeedImage(TWINS, {"anthropic": {}}, 7, 0.0)
        worlds = [World(image, 21 + i) for i in range(3)]
        transport = WorldTransport()
        http = transport.client()
        bodies = [{"model": "dtu-twin", "max_tokens": 8, "messages": [USER], "tools": tools},
                  {"model": "dtu-twin", "max_tokens": 8, "messages": echo, "tools": other},
                  {"tools": tools, "model": "dtu-twin", "max_tokens": 8, "messages": [USER]}]
        for world, body in zip(worlds, bodies, strict=True):
            await http.post("http://x.invalid/v1/messages", content=orjson.dumps(body),
                            headers={"x-api-key": transport.add(world), "content-type": "application/json"})
        return worlds

    first, nested, again = (w.calls[0].args for w in asyncio.run(go()))
    assert nested["tools"] == other
    assert nested["messages"][1]["content"][0]["input"]["tools"] == tools
    assert nested["messages"][1]["content"][0]["input"]["tools"] is not first["tools"]
    assert again["tools"] is first["tools"] and again["messages"] == [USER]
