"""A reference plan's queries (`when`, `wait_for`, `save`) that cannot be evaluated over what they
read find nothing, as a check's query fails: a world a noisy agent's skipped or corrupted calls
left must not crash the yardstick (people-tool-requests-one-by-one did: starts_with(null))."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dtu.runner.engine import Prepared
from dtu.runner.plan import compiled, holds, lenient, play, save
from dtu.runner.scenario import Step, load_file
from dtu.twins.registry import TWINS

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "slack" / "launch-channel.yaml"
BAD = "[calls[?op=='nothing'] | [0].args.text] | [?starts_with(@, 'Yes')]"  # starts_with(null)


def test_a_query_that_cannot_be_evaluated_finds_nothing() -> None:
    world = Prepared(load_file(SCENARIO), 0, TWINS).world(1)
    when, wait_for, saving = compiled([
        Step(twin="slack", op="auth.test", when=BAD),
        Step(wait_for=BAD, timeout="1m", save={"x": "[slack.me] | [?starts_with(@, `1`)]"}),
        Step(twin="slack", op="auth.test", save={"y": "starts_with(ok, 'a')"}),
    ])
    env: dict[str, object] = {}
    assert asyncio.run(play(when, world, env)) is None and world.calls == []  # not played
    body = asyncio.run(play(wait_for, world, env))  # waited its minute out
    save(wait_for, body, env)
    body = asyncio.run(play(saving, world, env))
    assert body["ok"] is True
    save(saving, body, env)
    assert env == {"x": None, "y": None} and world.elapsed >= 60


def test_the_model_driven_oracle_asks_a_when_by_the_same_rule() -> None:
    """The anthropic oracle plays the plan through the model twin and asks each `when` itself
    (`plan.holds`): a query that cannot be evaluated finds nothing there too, instead of ending the
    trial as a crash; one that finds something holds."""
    world = Prepared(load_file(SCENARIO), 0, TWINS).world(1)
    assert holds(BAD, world) is False
    assert holds("slack.users.* | [?name == 'dana']", world) is True
    assert lenient(BAD) is lenient(BAD)  # compiled once per text, not at every step
