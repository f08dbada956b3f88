"""The bare floor: a trivial twin whose one operation returns a constant, and a scenario that
calls it as many times as a real scenario has steps. Same engine, same checks machinery."""

from __future__ import annotations

from typing import Any

import msgspec

from dtu.runner.scenario import Check, Loaded, Scenario, Step
from dtu.twins.core import Ctx, NoParams, Registry, Twin
from dtu.twins.slack.errors import ERRORS


class FloorState(msgspec.Struct):
    n: int = 0


ops = Registry("floor")


@ops.op("ping", "POST", "/floor/ping")
def ping(ctx: Ctx[FloorState], p: NoParams) -> dict[str, Any]:
    """Do nothing, answer a constant."""
    return {"ok": True}


def _build(data: Any, env: Any) -> FloorState:
    return FloorState()


FLOOR: Twin[FloorState] = Twin(name="floor", state_type=FloorState, ops=ops, errors=ERRORS, build=_build)


def floor_scenario(steps: int) -> Loaded:
    sc = Scenario(id=f"floor-{steps}", title="floor", intent="floor",
                  checks=[Check(query="floor.n", op="equals", value=0, id="c")],
                  seed={"floor": {}}, reference=[Step(twin="floor", op="ping") for _ in range(steps)])
    return Loaded(sc, "<floor>", "", "")
