"""Run records: manifest, trajectories and summary, as msgspec Structs with one encoder each."""

from __future__ import annotations

from typing import Any

import msgspec

from dtu.twins.core import Call

from .checks import CheckResult


class Trajectory(msgspec.Struct, omit_defaults=True):
    """One trial: the calls an agent made, what each returned, and the final state's verdict."""

    scenario: str
    agent: str
    trial: int
    seed: int
    satisfied: bool
    score: float
    checks: list[CheckResult]
    calls: list[Call]
    digest: str
    error: str | None = None
    info: dict[str, Any] = {}
    judge: dict[str, Any] | None = None
    wall_ms: float = 0.0
    attempt: int = 1

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.agent, self.scenario, self.trial)


class ScenarioDigest(msgspec.Struct):
    id: str
    path: str
    sha256: str


class Manifest(msgspec.Struct, omit_defaults=True):
    run_id: str
    dtu_version: str
    created: str
    agents: list[str]
    seed: int
    trials: int
    concurrency: int
    timeout: float
    arguments: list[str]
    scenario_set: str
    scenarios: list[ScenarioDigest]
    workers: int = 1
    lock: str | None = None
    faults: Any = None


ENCODER = msgspec.json.Encoder()
TRAJECTORY = msgspec.json.Decoder(Trajectory)
MANIFEST = msgspec.json.Decoder(Manifest)
