"""The anthropic agent end to end against the Anthropic twin: in-process and over `dtu serve`."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

from dtu.agents.anthropic_agent import AnthropicAgent, cost_usd
from dtu.agents.noisy import NoisyAgent
from dtu.runner.engine import Prepared, RunOptions, run_trial
from dtu.twins.registry import TWINS

from .conftest import bundled, launch, run

pytestmark = pytest.mark.usefixtures("no_anthropic_env")


def _requests(t: Any) -> list[dict[str, Any]]:
    return [c.args for c in t.calls if c.twin == "anthropic"]


@pytest.mark.parametrize("ld", bundled("slack-"), ids=lambda ld: ld.id)
def test_scripted_twin_satisfies_slack_scenarios(ld: Any) -> None:
    agent = AnthropicAgent()
    [t] = run([agent], [ld])
    assert t.satisfied, (t.error, [c.id for c in t.checks if not c.passed])
    assert t.info["model_kind"] == "scripted-twin" and "says nothing" in t.info["note"]
    assert t.info["stop_reason"] == "end_turn"
    assert t.info["tool_calls"] == len(ld.scenario.reference) and t.info["tool_errors"] == 0
    assert t.info["turns"] == t.info["tool_calls"] + 1
    assert t.info["cost_usd"] == 0.0
    usage = t.info["usage"]
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    # the tool block is written to the prompt cache once, then read on every later turn
    assert usage["cache_creation_input_tokens"] > 0
    assert usage["cache_read_input_tokens"] == usage["cache_creation_input_tokens"] * (t.info["turns"] - 1)
    reqs = _requests(t)
    assert reqs[0]["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert ld.scenario.intent.strip() in reqs[0]["system"]


def test_streaming_gives_the_same_world() -> None:
    ld = launch()
    streamed = run([AnthropicAgent("stream=true,name=streamed")], [ld], trials=2)
    plain = run([AnthropicAgent()], [ld], trials=2)
    assert all(t.satisfied for t in streamed)
    assert [t.digest for t in streamed] == [t.digest for t in plain]
    assert any(c.twin == "anthropic" and type(c.body).__name__ == "Raw" for c in streamed[0].calls)


def test_overloaded_burst_is_absorbed_by_sdk_retries(tmp_path: Any) -> None:
    ld = launch()
    sc = msgspec.structs.replace(ld.scenario, seed=dict(ld.scenario.seed, anthropic={
        "plan": msgspec.to_builtins(ld.scenario.reference), "overloaded_first": 2}))
    burst = msgspec.structs.replace(ld, scenario=sc)
    [t] = run([AnthropicAgent("max_retries=3")], [burst])
    assert t.satisfied, t.error
    statuses = [c.status for c in t.calls if c.twin == "anthropic"]
    assert statuses[:3] == [529, 529, 200]
    assert t.calls[0].body == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    # with fewer retries than the burst, the trial errors and keeps what it learned
    [t2] = run([AnthropicAgent("max_retries=1")], [burst])
    assert not t2.satisfied and "OverloadedError" in (t2.error or "")
    assert t2.info["model_kind"] == "scripted-twin" and t2.info["turns"] == 0


def test_noisy_model_makes_the_noisy_agents_mistakes() -> None:
    ld = launch()
    noise = "skip=0.1,corrupt=0.05,repeat=0.1"  # the twin's defaults
    claude = run([AnthropicAgent("model=dtu-noisy")], [ld], trials=12)
    oracle = run([NoisyAgent(noise)], [ld], trials=12)
    assert [t.satisfied for t in claude] == [t.satisfied for t in oracle]
    assert not all(t.satisfied for t in claude)


def test_max_turns_stops_the_loop() -> None:
    [t] = run([AnthropicAgent("max_turns=2")], [launch()])
    assert t.info["turns"] == 2 and t.info["stop_reason"] == "max_turns"
    assert not t.satisfied


def test_cost_table() -> None:
    u = {"input_tokens": 1_000_000, "output_tokens": 1_000_000, "cache_creation_input_tokens": 0,
         "cache_read_input_tokens": 1_000_000}
    assert cost_usd("claude-sonnet-4-5-20250929", u) == pytest.approx(3 + 15 + 0.3)
    assert cost_usd("dtu-scripted", u) == 0.0
    assert cost_usd("gpt-4", u) is None


def test_over_http_through_dtu_serve(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The model answers from a world on a real `dtu serve`; the tools act on the trial's world."""
    ld = launch()
    seed = {"anthropic": {"plan": msgspec.to_builtins(ld.scenario.reference), "overloaded_first": 1}}
    remote = server.world(seed)
    monkeypatch.setenv("ANTHROPIC_API_KEY", remote["token"])
    agent = AnthropicAgent(f"base_url={server.url},stream=1,model=dtu-scripted")
    assert not agent.scripted_model
    p = Prepared(ld, 0, TWINS)

    async def go() -> Any:
        await agent.open()
        try:
            return await run_trial(agent, p, 0, RunOptions(timeout=60))
        finally:
            await agent.close()

    t = asyncio.run(go())
    assert t.satisfied, t.error
    assert t.info["model_kind"] == "scripted-twin"  # told by the twin's response header
    assert not any(c.twin == "anthropic" for c in t.calls)  # the model lives on the server
    state = server.state(remote["id"])
    assert state["anthropic"]["usage"]["requests"] == t.info["turns"] + 1  # one 529 retried
