"""Generated organisations are deterministic from the run seed; vars draw different actors per trial."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec
import pytest

from dtu.agents.scripted import ScriptedAgent
from dtu.runner.engine import Prepared, RunOptions, run_trial
from dtu.runner.errors import ScenarioError
from dtu.runner.generate import (
    MAX_USERS,
    Generate,
    Person,
    Pick,
    Roster,
    generate,
    pick_problem,
    resolve_vars,
)
from dtu.runner.scenario import load_file
from dtu.twins.core.env import Env
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


def _draw_plainly(spec: dict[str, Any], staff: list[Person], seed: int) -> dict[str, Any]:
    """What a draw means, written without a roster: filter the whole staff for every var."""
    env = Env(seed ^ 0x5EED, 0.0)
    by_handle = {p.handle: p for p in staff}
    bound: dict[str, Any] = {}
    for name, raw in spec.items():
        if not isinstance(raw, dict):
            bound[name] = raw
            continue
        pick = msgspec.convert(raw, Pick)
        if pick.manager_of is not None:
            of = bound[pick.manager_of]
            bound[name] = msgspec.to_builtins(by_handle[of["manager"]]) if of["manager"] else of
            continue
        taken = {bound[n]["handle"] for n in pick.not_ if isinstance(bound.get(n), dict)}
        pool = [p for p in staff if p.handle not in taken and p.index > 0
                and all(getattr(p, k, None) == v for k, v in pick.where.items())]
        bound[name] = msgspec.to_builtins(pool[env.randint(0, len(pool) - 1)])
    return bound


def test_a_roster_draws_what_a_plain_filter_draws() -> None:
    """The roster keeps pools and plain people across trials; every draw is still the one filtering
    the staff afresh gives, so a run's trials meet the same people as before."""
    _, staff = generate(Generate(users=60), 3)
    spec: dict[str, Any] = {
        "a": {"pick": "person", "where": {"department": "Engineering", "is_manager": False}},
        "b": {"pick": "person", "where": {"department": "Engineering", "is_manager": False}, "not": ["a"]},
        "boss": {"manager_of": "a"},
        "c": {"pick": "person", "not": ["a", "b", "boss"]},
        "d": {"pick": "person", "where": {"is_manager": True}},
        "label": "plain",
    }
    roster = Roster(staff)
    seen = set()
    for seed in range(400):
        bound = resolve_vars(spec, roster, seed)
        assert bound == _draw_plainly(spec, staff, seed)
        assert len({bound[k]["handle"] for k in "abc"}) == 3
        seen.add(bound["a"]["handle"])
    assert len(seen) > 5


def _load(tmp_path: Path, text: str) -> ScenarioError:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_file(path)
    assert "Traceback" not in str(info.value)
    return info.value


def test_generate_users_is_bounded(tmp_path: Path) -> None:
    err = _load(tmp_path, SCENARIO.replace("users: 40", f"users: {MAX_USERS + 1}"))
    assert (err.field, err.line) == ("seed.generate.users", 6)
    assert "10,000" in err.fix
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"users": MAX_USERS + 1}, Generate)
    assert msgspec.convert({"users": MAX_USERS}, Generate).users == MAX_USERS


def test_a_draw_that_finds_nobody_costs_only_its_trial(tmp_path: Path) -> None:
    """Load checks draws against the default seed's organisation; another run seed's organisation
    may still leave a var with nobody: that trial errors, naming the var, and the run goes on."""
    path = tmp_path / "gen.yaml"
    path.write_text(SCENARIO)
    p = Prepared(load_file(path), 5, TWINS)
    p.staff = [x for x in p.staff or [] if x.department != "Engineering"]  # as a sparser organisation would
    t = asyncio.run(run_trial(ScriptedAgent(), p, 0, RunOptions(trials=1, seed=5, timeout=30)))
    assert not t.satisfied and t.error is not None and t.error.startswith("scenario vars:") and "eng" in t.error
    assert t.calls == [] and t.checks == []


def test_vars_that_can_match_nobody_fail_at_load(tmp_path: Path) -> None:
    """Regression: a var nobody matched killed the whole run with a traceback."""
    legal = _load(tmp_path, SCENARIO.replace("department: Engineering", "department: Legal"))
    assert (legal.field, legal.line) == ("vars.eng.where", 8)
    ceo = _load(tmp_path, SCENARIO.replace("department: Engineering", "department: Executive"))
    assert ceo.field == "vars.eng.where" and "CEO is never drawn" in ceo.message
    seeded = _load(tmp_path, SCENARIO.replace("department: Engineering", "handle: ada.abbott"))
    assert seeded.field == "vars.eng.where.handle" and "run seed" in seeded.message
    # possible in principle, but the default run's small organisation has no SRE at all
    rare = _load(tmp_path, SCENARIO.replace("users: 40", "users: 9")
                 .replace("department: Engineering", "title: SRE"))
    assert rare.field == "vars.eng" and "run seed 0" in rare.message


def test_pick_problem_accepts_what_some_organisation_holds() -> None:
    spec = Generate(users=60)
    assert pick_problem("x", {"pick": "person", "where": {"department": "Sales", "is_manager": False}},
                        spec, {}) is None
    assert pick_problem("x", {"where": {"title": "Head of Finance"}}, spec, {}) is None
    assert pick_problem("m", {"manager_of": "x"}, spec, {"x": True}) is None
    assert pick_problem("m", {"manager_of": "x"}, spec, {"x": False}) is not None
    tiny = Generate(users=7)  # a CEO and six heads: nobody is not a manager
    assert pick_problem("x", {"where": {"is_manager": False}}, tiny, {}) is not None
    assert pick_problem("x", {"where": {"department": "Sales", "title": "SRE"}}, spec, {}) is not None
    assert pick_problem("x", {"pick": "robot"}, spec, {}) == (".pick", "unknown pick 'robot'", "use `pick: person`")


def test_oracle_worlds_share_the_seed_views(tmp_path: Path) -> None:
    """An oracle's world (its Anthropic twin holds the trial's plan) has an image per `vars:` draw;
    the twins it shares with the scenario's image share their seed views, built once."""
    path = tmp_path / "gen.yaml"
    path.write_text(SCENARIO)
    p = Prepared(load_file(path), 5, TWINS)
    images = {id(p.model_image(p.reference_of(seed))): p.model_image(p.reference_of(seed)) for seed in range(6)}
    assert len(images) > 1
    for img in images.values():
        assert img is not p.image and img.snapshots["anthropic"] is not p.image.snapshots.get("anthropic")
        for name in p.image.seeded:
            assert img.view(name) is p.image.view(name)
        assert img.view("anthropic") == TWINS["anthropic"].view(TWINS["anthropic"].restore(img.snapshots["anthropic"]))


def test_a_scenario_keeps_a_bounded_number_of_draws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep over a large organisation meets a new draw almost every trial: the compiled draws
    and oracles' seed images are forgotten past DRAWS_KEPT, and a draw made again is the same."""
    import dtu.runner.engine as engine

    path = tmp_path / "gen.yaml"
    path.write_text(SCENARIO)
    monkeypatch.setattr(engine, "DRAWS_KEPT", 4)
    p = Prepared(load_file(path), 5, TWINS)
    fresh = Prepared(load_file(path), 5, TWINS)
    for seed in range(40):
        v = p.variant(seed)
        p.model_image(p.reference_of(seed))
        assert len(p._variants) <= 4 and len(p._model_images) <= 4
        w = fresh.variant(seed)
        assert v is not None and w is not None and (v.intent, v.reference) == (w.intent, w.reference)
