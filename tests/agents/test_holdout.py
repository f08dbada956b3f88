"""Scenarios are holdouts: search everything each agent kind is handed for the hidden text of a
scenario (check ids, queries, values and descriptions, reference arguments and notes, the judge
rubric) and find none."""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

from dtu.agents.anthropic_agent import AnthropicAgent
from dtu.agents.command import CommandAgent
from dtu.agents.tools import catalog
from dtu.twins.registry import TWINS

from .conftest import HIDDEN, holdout, leaks, run
from .plugin_agent import Greeter

pytestmark = pytest.mark.usefixtures("no_anthropic_env")


def test_the_probe_scenario_really_hides_the_markers(tmp_path: Path) -> None:
    ld = holdout(tmp_path)
    assert all(h in ld.text for h in HIDDEN)  # the search below looks for text that exists


def test_plugin_agent_is_handed_only_the_intent_and_the_world(tmp_path: Path) -> None:
    ld = holdout(tmp_path)
    agent = Greeter()
    [t] = run([agent], [ld])
    task, world, extra = agent.seen[0]
    assert extra == ()
    handed = msgspec.json.encode(task).decode() + json.dumps(world.view(task.twins))
    assert leaks(handed) == []
    # the scripted model's plan is seeded only for agents whose model is that twin
    assert "anthropic" not in world.image.snapshots
    assert t.error is None


def test_anthropic_agent_prompt_tools_and_first_message(tmp_path: Path) -> None:
    ld = holdout(tmp_path)
    [t] = run([AnthropicAgent()], [ld])
    assert t.satisfied, t.error  # the scripted twin played the plan...
    reqs = [c.args for c in t.calls if c.twin == "anthropic"]
    for r in reqs:  # ...yet what the agent wrote carries none of it
        assert leaks(r["system"] + json.dumps(r["tools"]) + json.dumps(r["messages"][0])) == []
    assert '"team":"Acme"' in reqs[0]["system"]  # public context is handed over
    assert leaks(json.dumps(catalog(TWINS, ("slack",)).tools)) == []


def test_anthropic_agent_hands_nothing_hidden_at_all(tmp_path: Path) -> None:
    """With a model that does nothing, every byte the agent sends is its own: none is hidden."""
    ld = holdout(tmp_path, "  anthropic: {plan: []}")
    [t] = run([AnthropicAgent()], [ld])
    reqs = [c.args for c in t.calls if c.twin == "anthropic"]
    assert len(reqs) == 1 and t.info["stop_reason"] == "end_turn"
    assert leaks(json.dumps(reqs)) == []
    assert leaks(json.dumps(t.info)) == []


def test_command_agent_environment_files_and_door(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ld = holdout(tmp_path)
    scen_dir = str(tmp_path)
    monkeypatch.setenv("DTU_SCENARIOS", scen_dir)  # dtu's own settings must not reach the program
    out = tmp_path / "out"
    out.mkdir()
    dump = out / "dump.py"
    dump.write_text(
        "import json, os, sys, urllib.request, urllib.error\n"
        "found = {'env': dict(os.environ), 'argv': sys.argv, 'cwd': os.getcwd(),\n"
        "         'files': os.listdir(os.environ['DTU_WORKDIR'])}\n"
        "try:\n"
        "    urllib.request.urlopen(os.environ['DTU_URL'] + '/_dtu/worlds')\n"
        "    found['admin'] = 200\n"
        "except urllib.error.HTTPError as e:\n"
        "    found['admin'] = e.code\n"
        "print(json.dumps(found))\n"
    )
    # the program runs sandboxed: it sees its script through a read-only mount, and reports on stdout
    [t] = run([CommandAgent(f"tail=1000000,mount={out} -- {shlex.quote(sys.executable)} {dump}")], [ld])
    assert t.error is None, t.info
    found: dict[str, Any] = json.loads(t.info["stdout_tail"])
    env = found["env"]
    assert leaks(json.dumps(found)) == []
    assert env["DTU_INTENT"] == ld.scenario.intent and json.loads(env["DTU_PUBLIC"])["team"] == "Acme"
    assert "DTU_SCENARIOS" not in env
    assert not any(scen_dir in v for k, v in env.items() if k != "PWD")  # no path to the scenario
    assert found["files"] == [] and not found["cwd"].startswith(scen_dir)
    assert found["admin"] == 401  # the admin door (world state, call logs) is locked
    assert env["ANTHROPIC_API_KEY"] == env["DTU_TOKEN"] and env["ANTHROPIC_BASE_URL"] == env["DTU_URL"]
    assert env["SLACK_API_URL"].endswith("/api/")
    for path in os.listdir(out):
        assert leaks((out / path).read_text()) == []
