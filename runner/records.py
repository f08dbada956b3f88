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


class ScenarioDigest(msgspec.Struct, omit_defaults=True):
    """One scenario of a run. `path` is relative to `root`: "bundled" (the library that ships with
    dtu) or the scenario folder relative to the directory dtu was started from. Manifests written
    before roots existed hold an absolute `path` and no root. `results.resolve_scenarios` finds
    the files again."""

    id: str
    path: str
    sha256: str
    root: str = ""


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
    # The directory dtu was started from, relative to the run folder (how a resume started
    # elsewhere finds scenario roots); no absolute path of a scenario is written.
    launch: str = ""
    sandbox: bool = True  # False: the run used --no-sandbox
    mounts: list[str] = []  # --agent-mount paths (absolute)
    # The gate a resumed run applies again: --baseline, --max-errored, --min-satisfaction.
    baseline: str | None = None
    max_errored: float | None = None
    min_satisfaction: float | None = None
    labels: dict[str, str] = {}  # each agent's version label (--label, or found: runner/labels.py)
    max_lag: float | None = None  # --max-lag (None: a run from before it, resumed with the default)


ENCODER = msgspec.json.Encoder()
TRAJECTORY = msgspec.json.Decoder(Trajectory)
MANIFEST = msgspec.json.Decoder(Manifest)
