"""The agent protocol: all the engine knows about agents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import msgspec

from dtu.twins.core import World

from .scenario import Step


class Task(msgspec.Struct, frozen=True, omit_defaults=True):
    """What an agent under test is handed: the intent and public context, nothing hidden."""

    scenario_id: str
    intent: str
    twins: tuple[str, ...]
    trial: int
    seed: int
    public: Any = None
    tools: tuple[str, ...] | None = None  # the scenario's `tools:`: the only tools offered


class RunInfo(msgspec.Struct, frozen=True):
    """What an agent learns about the run when it opens: its seed, timeout and output folder."""

    seed: int
    timeout: float
    out_dir: str
    concurrency: int
    # For program agents (command, and later service and mcp): run them in the bubblewrap
    # sandbox (False only with --no-sandbox), the extra read-only paths the user mounts
    # (--agent-mount), the directory dtu was started from (relative paths in the agent's
    # command resolve against it; mounted read-only), and the paths that must stay invisible
    # inside the sandbox even when they lie under a mounted path (scenario roots, the run folder).
    sandbox: bool = True
    mounts: tuple[str, ...] = ()
    launch_dir: str = ""
    hidden: tuple[str, ...] = ()


@runtime_checkable
class Agent(Protocol):
    """An agent under test. It acts on the world through `world.call` (door 1) or, if it
    needs the HTTP door, by serving the world itself. It returns facts worth keeping in the
    trajectory (token usage, cost, exit code), or None."""

    name: str

    async def run(self, task: Task, world: World) -> dict[str, Any] | None: ...


@runtime_checkable
class Oracle(Protocol):
    """A yardstick agent that plays the hidden reference plan (scripted, noisy). The engine
    hands the plan to agents marked `oracle = True` and to no other."""

    name: str
    oracle: Literal[True]

    async def run(self, task: Task, world: World, plan: Sequence[Step]) -> dict[str, Any] | None: ...


AnyAgent = Agent | Oracle


class Lifecycle(Protocol):
    """Optional: agents that hold resources across trials (processes, a server, a client)."""

    async def open(self, run: RunInfo) -> None: ...
    async def close(self) -> None: ...
