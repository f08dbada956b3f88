"""Plugin agents from the user's own code, and several agents compared in one run."""

from __future__ import annotations

import pytest

from dtu.agents.noisy import NoisyAgent
from dtu.agents.scripted import ScriptedAgent
from dtu.runner.agents_loader import resolve
from dtu.runner.errors import DtuError

from .conftest import launch, run
from .plugin_agent import Greeter


def test_plugin_agent_resolves_and_runs() -> None:
    agent = resolve("tests.agents.plugin_agent:factory:hello-bot")
    assert isinstance(agent, Greeter) and agent.name == "hello-bot"
    [t] = run([agent], [launch()])
    assert t.info == {"plugin": True, "channel": "C0GENERAL1"}
    assert [c.op for c in t.calls] == ["conversations.list", "chat.postMessage"]
    assert not t.satisfied and t.error is None
    task, _, extra = agent.seen[0]
    assert extra == ()  # not an oracle: no reference plan handed over
    assert task.intent == launch().scenario.intent


def test_unknown_plugin_is_a_clear_error() -> None:
    with pytest.raises(DtuError, match="cannot import"):
        resolve("tests.agents.no_such_module:factory")
    with pytest.raises(DtuError, match="no attribute"):
        resolve("tests.agents.plugin_agent:nope")


def test_registered_agents_resolve() -> None:
    assert resolve("noisy:skip=0.2").noise.skip == 0.2
    assert resolve("anthropic:max_turns=3").max_turns == 3
    assert resolve("command:jobs=2 -- true").jobs == 2


def test_several_agents_meet_the_same_worlds() -> None:
    ld = launch()
    agents = [ScriptedAgent(), NoisyAgent("skip=0,corrupt=0,repeat=0,name=clean"),
              NoisyAgent("skip=0.5,corrupt=0,repeat=0,name=sloppy"), resolve("tests.agents.plugin_agent:factory")]
    trajs = run(agents, [ld], trials=4)
    by = {a.name: [t for t in trajs if t.agent == a.name] for a in agents}
    assert all(len(v) == 4 for v in by.values())
    # same scenario, trial and seed: the same world, whoever plays it
    for k in range(4):
        assert len({by[name][k].seed for name in by}) == 1
    assert [t.digest for t in by["scripted"]] == [t.digest for t in by["clean"]]
    assert all(t.satisfied for t in by["scripted"]) and not all(t.satisfied for t in by["sloppy"])
