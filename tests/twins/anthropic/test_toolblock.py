"""What the twin keeps per world between requests (the facts of a tool list, the answers the plan
player read) is only reused for the same tools and the same history: the answers are those of a
twin that reads every request afresh."""

from __future__ import annotations

from typing import Any

import msgspec

from dtu.twins.anthropic.toolblock import tokens
from dtu.twins.core import SeedImage, World
from dtu.twins.registry import TWINS

USER = {"role": "user", "content": "Post hello."}
TOOL = {"name": "slack__chat_postMessage", "description": "post", "input_schema": {"type": "object"}}


def _tools(*names: str) -> list[dict[str, Any]]:
    out = [dict(TOOL, name=n) for n in names]
    out[-1]["cache_control"] = {"type": "ephemeral"}
    return out


def _create(world: World, tools: list[dict[str, Any]]) -> Any:
    kw = {"model": "dtu-twin", "max_tokens": 64, "messages": [USER], "tools": tools}
    return world.dispatch("anthropic", "messages.create", kw)


def test_a_changed_tool_list_is_read_afresh() -> None:
    world = World(SeedImage(TWINS, {}, 1, 0.0), 3)
    a, b = _tools("slack__a", "slack__b"), _tools("slack__a", "slack__b", "slack__c")
    usages = [_create(world, t).body["usage"] for t in (a, a, b, a)]
    size = (len(msgspec.json.encode([a])) + 3) // 4
    assert usages[0]["cache_creation_input_tokens"] == size and usages[0]["cache_read_input_tokens"] == 0
    assert usages[1]["cache_read_input_tokens"] == size and usages[1]["cache_creation_input_tokens"] == 0
    assert usages[2]["cache_creation_input_tokens"] == tokens([b])  # another prefix: written
    assert usages[3]["cache_read_input_tokens"] == size  # the first one is still cached
    bad = _create(world, _tools("slack__a", "not a name"))
    assert bad.status == 400 and "tools.1.custom.name" in bad.body["error"]["message"]
    count = world.dispatch("anthropic", "messages.count_tokens", {"model": "dtu-twin", "messages": [USER],
                                                                   "tools": b})
    assert count.body["input_tokens"] == tokens([USER]) + tokens(b)


def test_the_memo_is_no_part_of_the_state() -> None:
    world = World(SeedImage(TWINS, {}, 1, 0.0), 3)
    _create(world, _tools("slack__a"))
    state = world.ctx("anthropic").state
    assert "tool_block" in state.__dict__
    assert b"slack__a" not in msgspec.msgpack.encode(state)
    assert "slack__a" not in str(msgspec.to_builtins(state))


def _turn(world: World, results: list[str]) -> Any:
    """The scripted model's answer to a conversation in which its calls got `results`."""
    messages: list[dict[str, Any]] = [USER]
    for k, text in enumerate(results):
        use = {"type": "tool_use", "id": f"toolu_{k}", "name": "slack__a", "input": {}}
        messages += [{"role": "assistant", "content": [use]},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"toolu_{k}", "content": text}]}]
    kw = {"model": "dtu-scripted", "max_tokens": 64, "messages": messages, "tools": _tools("slack__a", "slack__b")}
    return world.dispatch("anthropic", "messages.create", kw).body["content"][0]


def test_the_plan_player_reads_a_changed_history_afresh() -> None:
    plan = [{"name": "slack__a", "save": {"x": "id"}}, {"name": "slack__b", "input": {"v": "${x}"}}]
    world = World(SeedImage(TWINS, {"anthropic": {"plan": plan}}, 1, 0.0), 3)
    assert _turn(world, [])["name"] == "slack__a"
    assert _turn(world, ['{"id": "one"}'])["input"] == {"v": "one"}
    assert _turn(world, ['{"id": "two"}'])["input"] == {"v": "two"}  # another answer, not the one read before
    assert _turn(world, ['{"id": "one"}'])["input"] == {"v": "one"}
    assert _turn(world, ['{"id": "one"}', "{}"]) == {"type": "text", "text": "Done."}
