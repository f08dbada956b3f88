"""`dtu__wait` (runner/wait.py): agents that take their tools from dtu wait for people in world time.

It is offered in every world (the anthropic agent's catalog, the MCP door), is no twin operation
(never logged, no step), wakes on what concerns the agent's user and shows only what that user
can see. The anthropic agent's oracle (`dtu-scripted`) plays people scenarios, `when:` steps and
`wait_for` saves included, as the scripted agent does, for every outcome the people can draw."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from dtu.agents.anthropic_agent import AnthropicAgent
from dtu.agents.mcp_tools import CatalogTools, McpDoor
from dtu.runner.engine import Prepared, RunOptions, model_plan, run_trial
from dtu.runner.lint import _draws
from dtu.runner.scenario import BUNDLED, Loaded, load_all, load_file
from dtu.runner.tools import catalog
from dtu.twins.anthropic.state import DTU
from dtu.twins.registry import TWINS

pytestmark = pytest.mark.usefixtures("no_anthropic_env")

PROBE = """\
id: wait-probe
title: Wait for people
intent: Wait for Bea.
now: "2024-06-03T09:00:00Z"
people:
  - {name: Ida Admin, email: ida@acme.test, handle: ida, me: true, ids: {slack: U0IDA00001}}
  - name: Bea Berg
    email: bea@acme.test
    handle: bea
    ids: {slack: U0BEA00001}
    acts:
      - {at: "+5m", do: [{post: {to: "@cal", text: "a secret for Cal only"}}]}
      - {at: "+10m", do: [{post: {channel: "#team", text: "lunch at noon"}}]}
      - {at: "+20m", do: [{post: {to: "@ida", text: "Ida, a question for you"}}]}
  - {name: Cal Cole, email: cal@acme.test, handle: cal, ids: {slack: U0CAL00001}}
seed:
  slack: {channels: [{id: C0TEAM0001, name: team, members: [ida, bea, cal]}]}
reference:
  - {wait: 30m}
checks:
  - {id: dm, query: "events[?by=='bea@acme.test']", op: exists}
"""


def _probe(tmp_path: Path) -> Prepared:
    f = tmp_path / "probe.yaml"
    f.write_text(PROBE)
    return Prepared(load_file(f), 0, TWINS)


def _people() -> list[Loaded]:
    return load_all([BUNDLED / "people"])


def test_the_tool_is_offered_first_and_says_when_to_use_it() -> None:
    ld = _people()[0]
    p = Prepared(ld, 0, TWINS)
    world = p.world(1)
    tools = CatalogTools(p.task(0, 1), world).tools
    assert tools[0]["name"] == "dtu__wait" and tools[0]["input_schema"]["required"] == ["minutes"]
    assert "cache_control" in tools[-1] and "cache_control" not in tools[0]
    doc = tools[0]["description"]
    assert "Use it when you asked someone" in doc and "Do not call it" in doc
    # it is no twin operation: not in the catalog, so not in conformance nor a scenario's `tools:`
    assert "dtu__wait" not in catalog(TWINS, p.twin_names).ops


def test_a_wait_wakes_on_a_dm_and_shows_only_what_the_agent_can_see(tmp_path: Path) -> None:
    p = _probe(tmp_path)
    world = p.world(3)
    source = CatalogTools(p.task(0, 3), world)
    t0 = world.env.now

    text, err = asyncio.run(source.call("dtu__wait", {"minutes": 60}))
    out = json.loads(text)
    assert not err and out["woke"] is True
    assert 19.9 <= out["waited_minutes"] <= 20.1  # the DM to Ida at +20m woke it, not the others
    texts = [e.get("text") for e in out["events"]]
    assert texts == ["lunch at noon", "Ida, a question for you"]  # the channel and the DM, not Cal's DM
    assert "secret" not in text
    dm = out["events"][1]
    assert dm["by"] == "bea@acme.test" and dm["type"] == "message" and dm["channel"].startswith("D")
    # no call logged for the wait, no step taken
    assert world.steps == 0 and all(c.actor is not None for c in world.calls)

    text, err = asyncio.run(source.call("dtu__wait", {"minutes": 30}))
    out = json.loads(text)
    assert not err and out["woke"] is False and out["events"] == [] and out["waited_minutes"] == 30
    assert world.env.now - t0 == pytest.approx(50 * 60, abs=2)


@pytest.mark.parametrize("args", [{}, {"minutes": 0}, {"minutes": -5}, {"minutes": 1441}, {"minutes": "10"},
                                  {"minutes": True}, {"minutes": 5, "seconds": 3}, [5]])
def test_a_bad_input_is_an_error_and_no_time_passes(tmp_path: Path, args: Any) -> None:
    p = _probe(tmp_path)
    world = p.world(3)
    before = world.env.now
    text, err = asyncio.run(CatalogTools(p.task(0, 3), world).call("dtu__wait", args))
    assert err and "invalid_arguments" in text and world.env.now == before


def test_the_mcp_door_offers_and_runs_it(tmp_path: Path) -> None:
    p = _probe(tmp_path)
    world = p.world(3)
    door = McpDoor()

    async def go() -> tuple[list[str], str, bool]:
        try:
            async with door.tools(p.task(0, 3), world) as source:
                names = [t["name"] for t in source.tools]
                text, err = await source.call("dtu__wait", {"minutes": 60})
                return names, text, err
        finally:
            await door.close()

    names, text, err = asyncio.run(go())
    assert names[0] == "dtu__wait" and all(n.startswith("slack__") for n in names[1:])
    out = json.loads(text)
    assert not err and out["woke"] is True and out["events"][-1]["text"] == "Ida, a question for you"
    assert "secret" not in text and world.steps == 0


def test_model_plan_hands_the_oracle_what_needs_the_world() -> None:
    ld = next(ld for ld in _people() if ld.id == "people-access-approval")
    plan = model_plan(ld.scenario.reference)
    waits = [c for c in plan if c.get("name") == "dtu__wait"]
    assert waits and all(c["until"] for c in waits)
    assert any(c.get("when") for c in plan)


def _trial(agent: AnthropicAgent, p: Prepared, trial: int) -> Any:
    async def go() -> Any:
        await agent.open()
        try:
            return await run_trial(agent, p, trial, RunOptions(trials=1, timeout=60))
        finally:
            await agent.close()

    return asyncio.run(go())


@pytest.mark.parametrize("ld", _people(), ids=lambda ld: ld.id)
def test_the_oracle_twin_satisfies_people_scenarios_for_every_outcome(ld: Loaded) -> None:
    p = Prepared(ld, 0, TWINS)
    for force in _draws(p):  # the seed's own draw, then each outcome forced, as lint walks them
        p.force = force
        for trial in range(2):
            t = _trial(AnthropicAgent("oracle=true"), p, trial)
            assert t.satisfied, (force, trial, t.error, [c.id for c in t.checks if not c.passed])
            assert t.info["model_kind"] == "oracle-twin"


def test_the_oracle_over_the_mcp_door_too() -> None:
    ld = next(ld for ld in _people() if ld.id == "people-access-approval")
    p = Prepared(ld, 0, TWINS)
    for force in _draws(p):
        p.force = force
        t = _trial(AnthropicAgent("oracle=true,tools=mcp"), p, 0)
        assert t.satisfied, (force, t.error, [c.id for c in t.checks if not c.passed])


class _Msg:
    def __init__(self, content: list[Any], stop: str) -> None:
        self.content, self.stop_reason = content, stop
        self.usage = None


class _Use:
    type = "tool_use"

    def __init__(self, name: str, args: dict[str, Any]) -> None:
        self.id, self.name, self.input = "toolu_1", name, args


class _Text:
    type = "text"
    text = "done"


class _Source:
    tools: list[dict[str, Any]] = []

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def call(self, name: str, args: Any) -> tuple[str, bool]:
        self.calls.append((name, args))
        return "{}", False


@pytest.mark.parametrize("spec", ["", "oracle=true"])
def test_only_an_oracle_judges_the_reserved_key(tmp_path: Path, spec: str) -> None:
    """A model's `__dtu` input (state.DTU) is judged, and stripped, by an oracle alone: any other
    agent passes the input on as the model wrote it."""
    agent = AnthropicAgent(spec)
    world = _probe(tmp_path).world(3)
    replies = [_Msg([_Use("slack__chat_postMessage", {"channel": "C0TEAM0001", "text": "hi",
                                                     DTU: {"when": "`false`"}})], "tool_use"),
               _Msg([_Text()], "end_turn")]

    async def create(client: Any, *a: Any) -> tuple[Any, str | None]:
        return replies.pop(0), None

    agent._create = create  # type: ignore[method-assign]
    source = _Source()
    info = asyncio.run(agent._loop(None, _probe(tmp_path).task(0, 3), source, None, world))  # type: ignore[arg-type]
    if spec:
        assert source.calls == [] and info["skipped"] == 1
    else:
        assert source.calls == [("slack__chat_postMessage", {"channel": "C0TEAM0001", "text": "hi",
                                                             DTU: {"when": "`false`"}})]


def test_a_task_names_only_twins() -> None:
    """A plan's wait steps name no twin: the task's twins (what an agent is told it may use, and
    what a command agent gets environment variables for) are twins only."""
    waiting = [ld for ld in _people() if any(not s.twin for s in ld.scenario.reference)]
    assert waiting
    for ld in waiting:
        p = Prepared(ld, 0, TWINS)
        assert p.twin_names and set(p.twin_names) <= set(TWINS), ld.id
        assert p.task(0, 1).twins == p.twin_names
