"""Every bundled scenario can fail: its reference plan satisfies every check, doing nothing does not."""

from __future__ import annotations

import asyncio

import pytest

from dtu.agents.scripted import ScriptedAgent
from dtu.runner.engine import Prepared, RunOptions, run_trial
from dtu.runner.scenario import BUNDLED, load_all
from dtu.twins.registry import TWINS

LOADED = load_all([BUNDLED])


class DoNothing:
    name = "nothing"

    async def run(self, task: object, world: object) -> None:
        return None


@pytest.mark.parametrize("ld", LOADED, ids=[ld.id for ld in LOADED])
def test_reference_satisfies_and_nothing_fails(ld: object) -> None:
    p = Prepared(ld, 0, TWINS)  # type: ignore[arg-type]
    opts = RunOptions(trials=1, timeout=30)
    ref = asyncio.run(run_trial(ScriptedAgent(), p, 0, opts))
    failed = [c.id for c in ref.checks if not c.passed]
    errors = [(c.op, c.body) for c in ref.calls if c.status >= 400 or (isinstance(c.body, dict) and c.body.get("ok") is False)]
    assert ref.satisfied, f"reference plan fails checks {failed}; failing calls: {errors[:3]}"
    nothing = asyncio.run(run_trial(DoNothing(), p, 0, opts))
    assert not nothing.satisfied, "a do-nothing agent satisfies every check: the scenario cannot fail"
