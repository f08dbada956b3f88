"""Generated organisations are deterministic from the run seed; vars draw different actors per trial."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dtu.agents.scripted import ScriptedAgent
from dtu.runner.engine import Prepared, RunOptions, run_trial
from dtu.runner.generate import Generate, generate, resolve_vars
from dtu.runner.scenario import load_file
from dtu.twins.registry import TWINS

SCENARIO = """
id: gen-dm-manager
title: Tell a random engineer's manager
intent: "Send ${boss.name} a DM saying that ${eng.name} finished onboarding."
seed:
  generate: {org: acme, users: 40}
vars:
  eng: {pick: person, where: {department: Engineering}}
  boss: {manager_of: eng}
reference:
  - {twin: slack, op: conversations.open, args: {users: "${boss.slack_id}"}, save: {dm: channel.id}, required: true}
  - {twin: slack, op: chat.postMessage, args: {channel: "${dm}", text: "${eng.name} finished onboarding"}, required: true}
checks:
  - id: dm-sent
    query: "slack.channels.* | [?is_im && contains(members, '${boss.slack_id}')] | [0].messages[?contains(text, '${eng.name}')]"
    op: exists
"""


def test_same_seed_same_org_other_seed_differs() -> None:
    spec = Generate(users=120)
    a, staff_a = generate(spec, 7)
    b, staff_b = generate(spec, 7)
    c, _ = generate(spec, 8)
    assert a == b and staff_a == staff_b
    assert a != c
    assert {"okta", "slack", "jira", "google"} <= set(a)
    heads = {p.handle for p in staff_a if p.title.startswith("Head of")}
    assert all(p.manager in heads for p in staff_a if p.department != "Executive" and p.handle not in heads)


def test_vars_draw_per_trial_and_the_reference_satisfies_each_draw(tmp_path: Path) -> None:
    path = tmp_path / "gen.yaml"
    path.write_text(SCENARIO)
    p = Prepared(load_file(path), 3, TWINS)
    opts = RunOptions(trials=8, seed=3, timeout=30)
    intents = set()
    for k in range(8):
        t = asyncio.run(run_trial(ScriptedAgent(), p, k, opts))
        assert t.satisfied, t.checks
        v = p.variant(t.seed)
        assert v is not None and "${" not in v.intent
        intents.add(v.intent)
    assert len(intents) > 1, "every trial drew the same people"


def test_manager_of_resolves_to_the_manager() -> None:
    _, staff = generate(Generate(users=30), 1)
    bound = resolve_vars({"x": {"pick": "person", "where": {"department": "Sales"}}, "m": {"manager_of": "x"}},
                         staff, 5)
    assert bound["x"]["department"] == "Sales"
    assert bound["m"]["handle"] == bound["x"]["manager"]
