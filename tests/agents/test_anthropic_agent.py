"""The anthropic agent end to end against the Anthropic twin: in-process and over `dtu serve`.

Default mode (no key, no base_url) talks to the plan-less `dtu-twin` and says so loudly;
`oracle=true` is the yardstick whose twin plays the reference plan (the tool-use loop at 1.0)."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

from dtu.agents.anthropic_agent import AnthropicAgent, cost_usd
from dtu.agents.noisy import NoisyAgent
from dtu.runner.engine import Prepared, RunOptions, run_trial
from dtu.runner.errors import DtuError
from dtu.runner.scenario import BUNDLED, load_all
from dtu.twins.registry import TWINS

from .conftest import bundled, launch, run

pytestmark = pytest.mark.usefixtures("no_anthropic_env")

ORACLE = "oracle=true"


def _requests(t: Any) -> list[dict[str, Any]]:
    return [c.args for c in t.calls if c.twin == "anthropic"]


def _generated() -> Any:
    """A scenario with `seed: generate:` (a generated org) and `vars:` (a person drawn per trial)."""
    return next(ld for ld in load_all([BUNDLED / "cross"]) if ld.id == "cross-gen-leaver-handoff")


@pytest.mark.parametrize("ld", bundled("slack-")[:4], ids=lambda ld: ld.id)
def test_oracle_twin_satisfies_slack_scenarios(ld: Any) -> None:
    agent = AnthropicAgent(ORACLE)
    assert agent.oracle is True and agent.model == "dtu-scripted"
    [t] = run([agent], [ld])
    assert t.satisfied, (t.error, [c.id for c in t.checks if not c.passed])
    assert t.info["model_kind"] == "oracle-twin" and "says nothing" in t.info["note"]
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


def test_oracle_twin_plays_each_trials_plan_in_a_generated_org() -> None:
    """`seed: generate:` once crashed the run (KeyError: 'generate') for agents whose world held
    the plan; with `vars:` each trial's plan names that trial's people."""
    ld = _generated()
    traj = run([AnthropicAgent(ORACLE)], [ld], trials=3)
    assert [t.error for t in traj] == [None, None, None]
    assert all(t.satisfied for t in traj), [[c.id for c in t.checks if not c.passed] for t in traj]
    [plain] = run([AnthropicAgent()], [ld])
    assert plain.error is None and plain.info["model_kind"] == "twin"


def test_default_mode_is_the_plan_less_twin_and_says_so(capfd: pytest.CaptureFixture[str]) -> None:
    agent = AnthropicAgent()
    assert not hasattr(agent, "oracle")  # not an oracle: the engine hands it no plan
    traj = run([agent], [launch()], trials=3)
    err = capfd.readouterr().err
    assert err.count("WARNING") == 1 and "says nothing about Claude" in err  # loud, once per run
    for t in traj:
        assert t.error is None
        assert t.info["model"] == "dtu-twin" and t.info["model_kind"] == "twin"
        assert t.info["note"] == "twin model: this satisfaction says nothing about a real model"
        assert t.info["stop_reason"] == "end_turn" and t.info["turns"] == t.info["tool_calls"] + 1
        assert 1 <= t.info["tool_calls"] <= 4
        offered = {tool["name"] for tool in _requests(t)[0]["tools"]}
        for r in _requests(t)[1:]:  # every call it made was one of the offered tools
            assert {b["name"] for b in r["messages"][-2]["content"] if b["type"] == "tool_use"} <= offered


def test_plan_less_twin_is_deterministic_per_world_seed() -> None:
    ld = launch()
    one = run([AnthropicAgent()], [ld], trials=4)
    two = run([AnthropicAgent()], [ld], trials=4)
    assert [t.digest for t in one] == [t.digest for t in two]
    assert [_requests(t) for t in one] == [_requests(t) for t in two]
    # another world seed, other choices
    other = run([AnthropicAgent()], [ld], trials=4, seed=1)
    assert [_requests(t) for t in other] != [_requests(t) for t in one]


def test_streaming_gives_the_same_world() -> None:
    ld = launch()
    streamed = run([AnthropicAgent(f"{ORACLE},stream=true,name=streamed")], [ld], trials=2)
    plain = run([AnthropicAgent(ORACLE)], [ld], trials=2)
    assert all(t.satisfied for t in streamed)
    assert [t.digest for t in streamed] == [t.digest for t in plain]
    assert any(c.twin == "anthropic" and type(c.body).__name__ == "Raw" for c in streamed[0].calls)
    twin_streamed = run([AnthropicAgent("stream=true,name=streamed")], [ld], trials=2)
    twin_plain = run([AnthropicAgent()], [ld], trials=2)
    assert [t.digest for t in twin_streamed] == [t.digest for t in twin_plain]


def test_overloaded_burst_is_absorbed_by_sdk_retries() -> None:
    ld = launch()
    sc = msgspec.structs.replace(ld.scenario, seed=dict(ld.scenario.seed, anthropic={"overloaded_first": 2}))
    burst = msgspec.structs.replace(ld, scenario=sc)
    [t] = run([AnthropicAgent(f"{ORACLE},max_retries=3")], [burst])
    assert t.satisfied, t.error  # the scenario's own knobs and the oracle's plan, together
    statuses = [c.status for c in t.calls if c.twin == "anthropic"]
    assert statuses[:3] == [529, 529, 200]
    assert t.calls[0].body == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    # with fewer retries than the burst, the trial errors and keeps what it learned
    [t2] = run([AnthropicAgent("max_retries=1")], [burst])
    assert not t2.satisfied and "OverloadedError" in (t2.error or "")
    assert t2.info["model_kind"] == "twin" and t2.info["turns"] == 0 and "says nothing" in t2.info["note"]


def test_noisy_model_makes_the_noisy_agents_mistakes() -> None:
    ld = launch()
    noise = "skip=0.1,corrupt=0.05,repeat=0.1"  # the twin's defaults
    claude = run([AnthropicAgent(f"{ORACLE},model=dtu-noisy")], [ld], trials=12)
    oracle = run([NoisyAgent(noise)], [ld], trials=12)
    assert [t.satisfied for t in claude] == [t.satisfied for t in oracle]
    assert not all(t.satisfied for t in claude)


def test_max_turns_stops_the_loop() -> None:
    [t] = run([AnthropicAgent(f"{ORACLE},max_turns=2")], [launch()])
    assert t.info["turns"] == 2 and t.info["stop_reason"] == "max_turns"
    assert not t.satisfied


def test_modes_that_make_no_sense_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DtuError, match="oracle=true"):
        AnthropicAgent("model=dtu-scripted")  # the plan player without being an oracle
    with pytest.raises(DtuError, match="dtu-scripted, dtu-noisy"):
        AnthropicAgent(f"{ORACLE},model=claude-sonnet-4-6")
    with pytest.raises(DtuError, match="no base_url"):
        AnthropicAgent(f"{ORACLE},base_url=http://127.0.0.1:9")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    with pytest.raises(DtuError, match="ANTHROPIC_API_KEY"):
        AnthropicAgent(ORACLE)
    real = AnthropicAgent()
    assert real.kind == "api" and real.model == "claude-sonnet-4-6" and not hasattr(real, "oracle")


def test_cost_table() -> None:
    u = {"input_tokens": 1_000_000, "output_tokens": 1_000_000, "cache_creation_input_tokens": 0,
         "cache_read_input_tokens": 1_000_000}
    assert cost_usd("claude-sonnet-4-5-20250929", u) == pytest.approx(3 + 15 + 0.3)
    assert cost_usd("dtu-scripted", u) == 0.0
    assert cost_usd("dtu-twin", u) == 0.0
    assert cost_usd("gpt-4", u) is None


def _over_http(agent: AnthropicAgent, ld: Any) -> Any:
    p = Prepared(ld, 0, TWINS)

    async def go() -> Any:
        await agent.open()
        try:
            return await run_trial(agent, p, 0, RunOptions(timeout=60))
        finally:
            await agent.close()

    return asyncio.run(go())


def test_over_http_through_dtu_serve(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The model answers from a world on a real `dtu serve`; the tools act on the trial's world.
    A world seeded with a plan by hand (admin) plays it; the header says it is a twin."""
    ld = launch()
    seed = {"anthropic": {"plan": msgspec.to_builtins(ld.scenario.reference), "overloaded_first": 1}}
    remote = server.world(seed)
    monkeypatch.setenv("ANTHROPIC_API_KEY", remote["token"])
    agent = AnthropicAgent(f"base_url={server.url},stream=1,model=dtu-scripted")
    assert agent.kind == "api" and not hasattr(agent, "oracle")
    t = _over_http(agent, ld)
    assert t.satisfied, t.error
    assert t.info["model_kind"] == "oracle-twin"  # told by the twin's response header
    assert "says nothing" in t.info["note"]
    assert not any(c.twin == "anthropic" for c in t.calls)  # the model lives on the server
    state = server.state(remote["id"])
    assert state["anthropic"]["usage"]["requests"] == t.info["turns"] + 1  # one 529 retried


def test_over_http_a_plain_world_serves_the_plan_less_twin(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    remote = server.world({})
    monkeypatch.setenv("ANTHROPIC_API_KEY", remote["token"])
    t = _over_http(AnthropicAgent(f"base_url={server.url},model=claude-sonnet-4-6"), launch())
    assert t.error is None and t.info["model_kind"] == "twin" and "says nothing" in t.info["note"]
    asked = _over_http(AnthropicAgent(f"base_url={server.url},model=dtu-scripted"), launch())
    assert asked.error is not None and "NotFoundError" in asked.error  # no plan here to play


@pytest.mark.parametrize("spec", ["", ORACLE])
def test_replay_rebuilds_the_world_the_model_answered_in(spec: str) -> None:
    """An oracle's world held its trial's plan (a generated org's drawn people included); the
    plan-less twin's did not. Replay rebuilds each, so every call answers as recorded."""
    from dtu.runner.replay import first_difference, replay

    for ld in (launch(), _generated()):
        p = Prepared(ld, 0, TWINS)
        for t in run([AnthropicAgent(spec)], [ld], trials=2):
            world = replay(p, t)
            assert first_difference(t.calls, world.calls) is None
            assert world.digest() == t.digest
