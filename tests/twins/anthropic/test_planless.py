"""`dtu-twin`, the plan-less model: seeded, schema-driven, deaf to the plan."""

from __future__ import annotations

import inspect
import json
from collections import Counter
from typing import Any

import msgspec
import pytest

from dtu.runner.tools import catalog
from dtu.twins.anthropic import planless
from dtu.twins.anthropic.model import answer
from dtu.twins.anthropic.seed import build
from dtu.twins.anthropic.toolblock import ToolBlock
from dtu.twins.core import Env, Reply, SeedImage, World
from dtu.twins.registry import TWINS

USER = {"role": "user", "content": "Tidy up the workspace."}
TOOLS = [{"name": "slack__chat_postMessage", "description": "post", "input_schema": {
    "type": "object", "required": ["channel", "text"],
    "properties": {"channel": {"type": "string"}, "text": {"type": "string"}}}}]
PLAN = {"plan": [{"name": "slack__chat_postMessage", "input": {"channel": "C0PLAN", "text": "PLAN-MARKER-1"}}]}


def _ask(seed: int, messages: list[dict[str, Any]], tools: list[dict[str, Any]], model: str = "dtu-twin",
         anthropic: Any = None, tool_choice: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], str]:
    state = build(anthropic, Env(0, 0.0))
    return answer(state, Env(seed, 0.0), model, messages, ToolBlock(tools), tool_choice)


def _converse(seed: int, tools: list[dict[str, Any]], result: str = '{"ok": true}',
              anthropic: Any = None) -> list[dict[str, Any]]:
    """A whole conversation with the model, each tool answered with `result`."""
    messages: list[dict[str, Any]] = [USER]
    for _ in range(10):
        content, stop = _ask(seed, messages, tools, anthropic=anthropic)
        messages.append({"role": "assistant", "content": content})
        if stop != "tool_use":
            return messages
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": b["id"], "content": result} for b in content]})
    raise AssertionError("the model never ended its turn")


def test_it_cannot_read_the_plan() -> None:
    assert list(inspect.signature(planless.reply).parameters) == [
        "env", "final_text", "messages", "tools", "tool_choice"]  # no state: nothing hidden to read
    for seed in range(20):  # a world holding a plan answers dtu-twin exactly as one without
        with_plan = _converse(seed, TOOLS, anthropic=PLAN)
        assert with_plan == _converse(seed, TOOLS)
        assert "PLAN-MARKER-1" not in json.dumps(with_plan)


def test_same_world_seed_and_conversation_same_answer() -> None:
    tools = catalog(TWINS, ("slack", "jira")).tools
    runs = [_converse(seed, tools) for seed in range(12)]
    assert runs == [_converse(seed, tools) for seed in range(12)]
    lengths = Counter(len(r) for r in runs)
    assert len(lengths) > 1  # how many turns depends on the seed...
    assert all(len(r) in (4, 6, 8, 10) for r in runs)  # ...1 to 4 tool turns, then the closing text
    first = {r[1]["content"][0]["name"] for r in runs}
    assert len(first) > 6  # the tool is drawn from those offered, not always the same
    assert runs[-1][-1]["content"] == [{"type": "text", "text": "Done."}]


def test_arguments_fit_every_twin_tools_schema() -> None:
    names = tuple(n for n in TWINS if n != "anthropic")
    cat = catalog(TWINS, names)
    bad = []
    for seed in range(40):
        content, stop = _ask(seed, [USER], cat.tools)
        [use] = content
        assert stop == "tool_use" and use["name"] in cat.ops
        got = cat.validate(use["name"], use["input"])
        if isinstance(got, Reply):
            bad.append((use["name"], use["input"], got.body))
        schema = next(t for t in cat.tools if t["name"] == use["name"])["input_schema"]
        assert set(schema.get("required", [])) <= set(use["input"])
    assert bad == []


def test_strings_prefer_what_earlier_tool_results_showed() -> None:
    seen = json.dumps({"ok": True, "channel": {"id": "C0SEEN0001", "name": "general"}})
    picked = Counter()
    for seed in range(60):
        messages = [USER, {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "slack__conversations_list", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": seen}]}]
        content, _ = _ask(seed, messages, TOOLS, tool_choice={"type": "any"})
        picked[content[0]["input"]["channel"]] += 1
    assert picked["C0SEEN0001"] + picked["general"] > 30  # mostly what the world showed it


def test_tool_choice_and_no_tools() -> None:
    assert _ask(1, [USER], []) == ([{"type": "text", "text": "Done."}], "end_turn")  # nothing offered
    text, stop = _ask(1, [USER], TOOLS, tool_choice={"type": "none"})
    assert stop == "end_turn" and text[0]["type"] == "text"
    two = [*TOOLS, {"name": "jira__issue_get", "input_schema": {"type": "object", "properties": {}}}]
    for seed in range(10):
        [use], _ = _ask(seed, [USER], two, tool_choice={"type": "tool", "name": "jira__issue_get"})
        assert use["name"] == "jira__issue_get" and use["input"] == {}
    long = [USER]
    for k in range(6):  # `any` keeps it calling tools past its usual few turns
        long += [{"role": "assistant", "content": [{"type": "tool_use", "id": f"t{k}", "name": "x", "input": {}}]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{k}", "content": "{}"}]}]
    assert _ask(3, long, TOOLS)[1] == "end_turn"
    assert _ask(3, long, TOOLS, tool_choice={"type": "any"})[1] == "tool_use"


@pytest.mark.parametrize("schema, check", [
    ({"type": "integer", "minimum": 5, "maximum": 7}, lambda v: type(v) is int and 5 <= v <= 7),
    ({"type": "number", "minimum": 0.5, "maximum": 0.75}, lambda v: 0.5 <= v <= 0.75),
    ({"type": "boolean"}, lambda v: type(v) is bool),
    ({"enum": ["a", "b"]}, lambda v: v in ("a", "b")),
    ({"const": 3}, lambda v: v == 3),
    ({"anyOf": [{"type": "null"}, {"type": "integer"}]}, lambda v: type(v) is int),
    ({"type": ["string", "null"], "maxLength": 3}, lambda v: type(v) is str and len(v) <= 3),
    ({"type": "string", "minLength": 40}, lambda v: len(v) >= 40),
    ({"type": "string", "format": "date-time"}, lambda v: v.endswith("Z") and "T" in v),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 2}, lambda v: len(v) >= 2
     and all(type(x) is int for x in v)),
    ({"type": "object", "required": ["a"], "properties": {"a": {"type": "object", "required": ["b"],
                                                                 "properties": {"b": {"type": "boolean"}}}}},
     lambda v: type(v["a"]["b"]) is bool),
])
def test_values_of_each_schema_kind(schema: dict[str, Any], check: Any) -> None:
    for seed in range(25):
        v = planless.value(schema, "field", planless._Draws(seed, 0), planless.Seen([]), 0)
        assert check(v), (schema, v)


def test_tool_use_ids_come_from_the_worlds_stream() -> None:
    image = SeedImage(TWINS, {}, 1, 0.0)
    a, b = World(image, 9), World(image, 9)
    kw = {"model": "dtu-twin", "max_tokens": 10, "messages": [USER], "tools": TOOLS}
    ra, rb = a.dispatch("anthropic", "messages.create", kw), b.dispatch("anthropic", "messages.create", kw)
    assert ra.body == rb.body and ra.headers == {"x-dtu-model-kind": "twin"}
    assert ra.body["content"][0]["id"].startswith("toolu_01") and ra.body["id"].startswith("msg_01")
    c = World(image, 10).dispatch("anthropic", "messages.create", kw)
    assert c.body["id"] != ra.body["id"]
    assert msgspec.json.encode(ra.body["usage"])  # usage is there, as the API has it
