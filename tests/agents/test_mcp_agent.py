"""The `mcp:` agent: a program handed the trial's MCP door (env and .mcp.json), sandboxed like a
command agent; the example MCP client agent over the bundled Slack scenarios."""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from dtu.agents.command import McpAgent
from dtu.runner.agents_loader import resolve
from dtu.runner.engine import Prepared, RunOptions, run_all
from dtu.runner.errors import DtuError
from dtu.runner.records import Trajectory
from dtu.runner.scenario import BUNDLED, Loaded, load_all
from dtu.twins.registry import TWINS

from .conftest import launch

ROOT = Path(__file__).resolve().parents[2]
PY = shlex.quote(sys.executable)

pytestmark = pytest.mark.usefixtures("no_anthropic_env")


def run(agent: Any, loaded: list[Loaded], trials: int = 1) -> list[Trajectory]:
    out: list[Trajectory] = []
    prepared = [Prepared(ld, 0, TWINS) for ld in loaded]
    asyncio.run(run_all([agent], prepared, RunOptions(trials=trials, concurrency=4, timeout=60,
                                                      launch_dir=str(ROOT)), out.append))
    return sorted(out, key=lambda t: (t.scenario, t.trial))


LOOK = ("import json, os; print(json.dumps({'env': dict(os.environ), "
        "'config': json.load(open(os.environ['DTU_MCP_CONFIG']))}))")


def test_the_program_is_handed_the_mcp_door_and_no_vendor_sdk_variables() -> None:
    [t] = run(McpAgent(f"tail=100000 -- {PY} -c {shlex.quote(LOOK)}"), [launch()])
    assert t.error is None, t.info.get("stderr_tail")
    seen = json.loads(t.info["stdout_tail"])
    env, config = seen["env"], seen["config"]
    assert env["DTU_MCP_URL"] == env["DTU_URL"] + "/mcp" and env["DTU_MCP_TOKEN"] == env["DTU_TOKEN"]
    assert env["DTU_MCP_CONFIG"] == str(Path(env["DTU_WORKDIR"]) / ".mcp.json")
    assert config == {"mcpServers": {"dtu": {"type": "http", "url": env["DTU_MCP_URL"],
                                             "headers": {"Authorization": f"Bearer {env['DTU_MCP_TOKEN']}"}}}}
    assert not [k for k in env if k.startswith(("SLACK_", "OKTA_", "JIRA_", "GOOGLE_"))]
    assert t.info["sandbox"] == "bwrap" and t.info["network"] == "private"


def test_the_example_mcp_agent_over_the_bundled_slack_scenarios() -> None:
    agent = resolve("mcp:jobs=4 -- python examples/mcp_agent.py")
    assert isinstance(agent, McpAgent) and agent.name == "mcp"
    trajs = run(agent, load_all([BUNDLED / "slack"]), trials=2)
    assert len(trajs) == 26 and [t for t in trajs if t.error is not None] == []
    won = {t.scenario for t in trajs if t.satisfied}
    assert won == {"slack-launch-channel"}
    launch_calls = next(t for t in trajs if t.scenario == "slack-launch-channel").calls
    assert {c.twin for c in launch_calls} == {"slack"}
    assert "conversations.create" in [c.op for c in launch_calls]  # over MCP, into the trial's world


def test_an_mcp_spec_without_a_program_says_how() -> None:
    with pytest.raises(DtuError, match=r"mcp:python examples/mcp_agent\.py"):
        McpAgent("")
