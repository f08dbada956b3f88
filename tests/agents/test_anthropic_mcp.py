"""The anthropic agent with `tools=mcp`: the same loop, its tools listed and called through the
MCP door with the official client; the same satisfaction and the same calls as in-process."""

from __future__ import annotations

import asyncio

import pytest

from dtu.agents.anthropic_agent import AnthropicAgent
from dtu.runner.engine import RunOptions, prepare, run_all
from dtu.runner.errors import DtuError
from dtu.runner.records import Trajectory
from dtu.runner.scenario import BUNDLED, load_all

pytestmark = pytest.mark.usefixtures("no_anthropic_env")

IDS = {"slack-launch-channel", "okta-leaver-offboarding", "jira-bug-triage", "drive-share-launch-team",
       "sheets-expense-report", "docs-contract-appendix", "cross-gen-leaver-handoff"}


def test_the_same_satisfaction_and_calls_through_the_mcp_door() -> None:
    loaded = [ld for ld in load_all([BUNDLED]) if ld.id in IDS]
    assert len(loaded) == len(IDS)
    got: list[Trajectory] = []
    agents = [AnthropicAgent("oracle=true"), AnthropicAgent("oracle=true,tools=mcp,name=via-mcp")]
    asyncio.run(run_all(agents, prepare(loaded, 0), RunOptions(trials=2, concurrency=8, timeout=60), got.append))
    by = {(t.agent, t.scenario, t.trial): t for t in got}
    assert len(by) == 2 * 2 * len(loaded)
    for (agent, scenario, trial), t in by.items():
        assert t.error is None and t.satisfied, (agent, scenario, t.error)
        if agent == "via-mcp":
            same = by[("anthropic", scenario, trial)]
            ops = [(c.twin, c.op) for c in t.calls if c.twin != "anthropic"]
            assert ops == [(c.twin, c.op) for c in same.calls if c.twin != "anthropic"] and ops
            assert t.info["tool_calls"] == same.info["tool_calls"]


def test_tools_must_be_catalog_or_mcp() -> None:
    with pytest.raises(DtuError, match="tools must be catalog"):
        AnthropicAgent("tools=rest")
