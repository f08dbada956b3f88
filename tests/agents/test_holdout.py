"""Scenarios are holdouts: search everything each agent kind is handed for the hidden text of a
scenario (check ids, queries, values and descriptions, reference arguments and notes, the judge
rubric) and find none."""

from __future__ import annotations

import json
import os
import shlex
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import msgspec
import pytest

from dtu.agents.anthropic_agent import AnthropicAgent
from dtu.agents.command import CommandAgent
from dtu.runner.engine import Prepared
from dtu.runner.tools import catalog
from dtu.twins.registry import TWINS

from ..conftest import start_server
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
    # the reference plan is seeded only into oracles' worlds
    assert "anthropic" not in world.image.snapshots
    assert t.error is None


def test_anthropic_agent_prompt_tools_and_first_message(tmp_path: Path) -> None:
    ld = holdout(tmp_path)
    [t] = run([AnthropicAgent()], [ld])
    assert t.error is None and t.info["model_kind"] == "twin"
    reqs = [c.args for c in t.calls if c.twin == "anthropic"]
    for r in reqs:
        assert leaks(r["system"] + json.dumps(r["tools"]) + json.dumps(r["messages"][0])) == []
    assert '"team":"Acme"' in reqs[0]["system"]  # public context is handed over
    assert leaks(json.dumps(catalog(TWINS, ("slack",)).tools)) == []


def test_anthropic_agent_default_mode_meets_no_plan(tmp_path: Path) -> None:
    """The default (plan-less) twin: no answer of its model, no byte of the conversation, no
    state of its world holds anything hidden, and its world's Anthropic twin holds no plan."""
    ld = holdout(tmp_path)
    for spec in ("", "stream=true", "model=claude-sonnet-4-6", "model=dtu-judge"):
        for t in run([AnthropicAgent(spec)], [ld], trials=3):
            assert t.error is None, t.error
            bodies = [c.body.data.decode() if type(c.body).__name__ == "Raw" else json.dumps(c.body)
                      for c in t.calls if c.twin == "anthropic"]
            assert bodies and leaks("".join(bodies)) == []
            assert leaks(json.dumps([c.args for c in t.calls])) == []
            assert leaks(json.dumps(t.info)) == []


def test_the_engine_seeds_the_plan_for_oracles_alone(tmp_path: Path) -> None:
    """The positive control of the tests above: the oracle's world holds the plan, no other."""
    ld = holdout(tmp_path)
    p = Prepared(ld, 0, TWINS)
    oracle = p.world(1, oracle_plan=ld.scenario.reference).view(("anthropic",))["anthropic"]
    assert leaks(json.dumps(oracle)) != [] and oracle["scripted"] is True
    plain = p.world(1).view(("anthropic",))["anthropic"]
    assert leaks(json.dumps(plain)) == [] and not plain.get("plan") and not plain.get("scripted")
    [t] = run([AnthropicAgent("oracle=true")], [ld])
    assert t.satisfied and t.info["model_kind"] == "oracle-twin"


class _Claimant:
    """A plugin that claims what it is not: the old `scripted_model` flag, a truthy `oracle`."""

    name = "claimant"
    scripted_model = True
    oracle = "yes"

    def __init__(self) -> None:
        self.worlds: list[Any] = []

    async def run(self, task: Any, world: Any, *plan: Any) -> None:
        self.worlds.append((world, plan))


def test_only_oracle_true_opens_the_plan(tmp_path: Path) -> None:
    agent = _Claimant()
    [t] = run([agent], [holdout(tmp_path)])
    [(world, plan)] = agent.worlds
    assert t.error is None and plan == ()
    assert leaks(json.dumps(world.view(("anthropic",)))) == []


def test_anthropic_agent_hands_nothing_hidden_at_all(tmp_path: Path) -> None:
    """With a model that does nothing, every byte the agent sends is its own: none is hidden."""
    ld = holdout(tmp_path, "  anthropic: {plan: []}")
    [t] = run([AnthropicAgent("oracle=true")], [ld])
    reqs = [c.args for c in t.calls if c.twin == "anthropic"]
    assert t.info["model_kind"] == "oracle-twin"  # the engine's plan replaced the seed's empty one
    assert leaks(json.dumps(reqs[0])) == []
    assert leaks(json.dumps(t.info)) == []


def _http(url: str, token: str, path: str, body: Any = None, method: str = "POST") -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method if data is not None else "GET",
                                 headers={"x-api-key": token, "authorization": f"Bearer {token}",
                                          "content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_a_program_driving_the_twin_over_http_meets_no_plan(tmp_path: Path) -> None:
    """What a command agent with no key does: point the anthropic SDK's calls at `dtu serve` and
    keep asking /v1/messages, acting on every tool_use it gets, with every model name it can
    think of, in a world made by `POST /_dtu/worlds {"scenario": ...}`."""
    ld = holdout(tmp_path)
    srv = start_server("--scenario", str(ld.path))
    try:
        cat = catalog(TWINS, ("slack",))
        seen: list[str] = []
        for n, model in enumerate(("dtu-twin", "claude-sonnet-4-6", "dtu-scripted", "dtu-noisy", "dtu-judge", "")):
            w = srv.admin("POST", "/_dtu/worlds", {"scenario": ld.id, "trial": n})
            url, tok = w["base_url"], w["token"]
            for path in ("/v1/models", "/v1/models/dtu-scripted", "/v1/models/dtu-noisy"):
                seen.append(_http(url, tok, path)[1])
            messages: list[dict[str, Any]] = [{"role": "user", "content": ld.scenario.intent}]
            for _ in range(8):
                status, text = _http(url, tok, "/v1/messages", {
                    "model": model, "max_tokens": 256, "messages": messages, "tools": cat.tools})
                seen.append(text)
                if status != 200:
                    # the plan players are not served here; an empty model name is a bad request
                    assert (model in ("dtu-scripted", "dtu-noisy") and status == 404) or (model == "" and status == 400)
                    break
                msg = json.loads(text)
                messages.append({"role": "assistant", "content": msg["content"]})
                uses = [b for b in msg["content"] if b["type"] == "tool_use"]
                if not uses:
                    break
                results = []
                for u in uses:  # act through the world's own HTTP door, as a program would
                    _, op = cat.ops[u["name"]]
                    status, out = _http(url, tok, op.path, u["input"])
                    seen.append(out)
                    results.append({"type": "tool_result", "tool_use_id": u["id"], "content": out})
                messages.append({"role": "user", "content": results})
            state = srv.state(w["id"])
            assert not state.get("anthropic", {}).get("plan") and not state.get("anthropic", {}).get("scripted")
            seen.append(json.dumps(state))
        assert len(seen) > 20
        assert leaks("".join(seen)) == []
    finally:
        srv.stop()


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
