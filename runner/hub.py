"""The worlds one server hosts, the tokens that pick them, and the capability secrets it handed out.

A served world never sees the server's address or a secret: its `env.base_url` is the fixed
`BASE` placeholder and the capabilities its twins hand out are placeholders from its seeded
stream (see `Env.grant`). The door swaps both for the real thing on the way out, so a world's
call log, state and digest are the same on every port, and replay holds.

A served world's clock also follows the wall clock from the moment it is registered, `speed`
world seconds per wall second (runner/wallclock.py); speed 0 keeps only the per-call ticks,
which makes its times (and so its state) the same on every run too."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from time import monotonic
from typing import Any

import msgspec

from dtu.twins.core import SeedImage, Twin, World, derive, parse_time
from dtu.twins.core.env import Grant

from .engine import DEFAULT_NOW, Prepared, trial_seed
from .scenario import Loaded
from .wallclock import Ticker, WallClock, catch_up, check_speed

BASE = "http://dtu-base.invalid"
"""The base URL a served world builds its links with; the door answers with the real one."""


def swap(data: bytes, swaps: Iterable[tuple[str, str]]) -> bytes:
    """`data` with each placeholder replaced (the base URL, capability secrets): an answer's body
    or a delivery's, on its way out of a world."""
    for old, new in swaps:
        b = old.encode()
        if b in data:
            data = data.replace(b, new.encode())
    return data


def swap_text(value: str, swaps: Iterable[tuple[str, str]]) -> str:
    """The same for a header's value."""
    for old, new in swaps:
        if old in value:
            value = value.replace(old, new)
    return value


class Capability(msgspec.Struct, frozen=True, gc=False):
    """What a capability secret opens: operations of one twin in one world, with these arguments."""

    world: str
    twin: str
    ops: tuple[str, ...]
    args: dict[str, str]


class Hub:
    """World registry of the HTTP door. A token maps to one world and, optionally, the acting
    user per twin; a world is reachable through its tokens only. `speed` is the default factor
    of the worlds' wall clocks (0: none, only per-call ticks)."""

    def __init__(self, twins: Mapping[str, Twin[Any]] | None = None, *, max_worlds: int = 100_000,
                 seed: int = 0, base_url: str = "", max_steps: int | None = None, speed: float = 1.0) -> None:
        if twins is None:
            from dtu.twins.registry import TWINS

            twins = TWINS
        self.twins = dict(twins)
        self.worlds: dict[str, World] = {}
        self.tokens: dict[str, tuple[World, dict[str, str] | None]] = {}
        self._world_tokens: dict[str, list[str]] = {}
        self.capabilities: dict[str, Capability] = {}
        self._world_caps: dict[str, list[str]] = {}
        self.scenarios: dict[str, Prepared] = {}
        self.tools: dict[str, tuple[str, ...]] = {}  # world id -> its scenario's `tools:`
        self.max_worlds = max_worlds
        self.max_steps = max_steps
        self.seed = seed
        self.base_url = base_url
        self.speed = check_speed(speed)
        self.clocks: dict[str, WallClock] = {}  # world id -> its wall clock (none at speed 0)
        self.live: set[str] = set()  # the worlds with a wall clock and people (the ticker's round)
        self.ticker = Ticker(self.worlds, self.clocks, self.live)
        self.deliveries: Any = None
        """The server's event deliveries to agents (runner/deliver.Deliveries), while it serves."""
        self.prepare: dict[tuple[str, str], Callable[[World, dict[str, Any]], Awaitable[None]]] = {}
        """(twin, operation) -> what the door awaits before dispatching it (runner/deliver_hooks.py)."""
        self._n = 0
        self.writers: list[Any] = []  # personas' model clients (runner/persona.py), closed with the server
        from .connect import Installs

        self.connect = Installs()  # Atlassian Connect installs (service agents' Jira side)

    # -- scenarios ------------------------------------------------------------------------------
    def add_scenario(self, loaded: Loaded) -> Prepared:
        from . import persona

        p = self.scenarios[loaded.id] = Prepared(loaded, self.seed, self.twins)
        writer = persona.attach([p])  # a served world's personas write their replies too (cached in memory)
        if writer is not None:
            self.writers.append(writer)
        return p

    # -- worlds ---------------------------------------------------------------------------------
    def _next_id(self) -> str:
        self._n += 1
        return f"w{self._n}"

    def full(self) -> bool:
        return len(self.worlds) >= self.max_worlds

    def create(self, scenario: str | None = None, seed_state: Mapping[str, Any] | None = None,
               trial: int = 0, seed: int | None = None, now: str | None = None) -> World:
        """A new world from a loaded scenario's image, or from inline seed state."""
        run_seed = self.seed if seed is None else seed
        wid = self._next_id()
        if scenario is not None:
            p = self.scenarios[scenario]
            world = p.world(trial_seed(run_seed, scenario, trial), wid, max_steps=self.max_steps)
            if p.tools is not None:
                self.tools[wid] = p.tools
        else:
            image = SeedImage(self.twins, seed_state or {}, derive(run_seed, wid),
                              parse_time(now, parse_time(DEFAULT_NOW, 0.0)))
            world = World(image, derive(run_seed, wid, trial), wid, max_steps=self.max_steps or 10_000)
        return world

    def register(self, world: World, tools: tuple[str, ...] | None = None, *, speed: float | None = None) -> str:
        """Serve a world (made here or by the engine) and return its default token; `tools` are
        its scenario's `tools:` (the only tools the MCP door offers), None for all. From now on
        its clock follows the wall clock, `speed` (default the hub's) world seconds per second."""
        if not world.id:
            world.id = self._next_id()
            world.env.world_id = world.id
        world.env.base_url = BASE
        world.env.grants = []
        self.worlds[world.id] = world
        if tools is not None:
            self.tools[world.id] = tools
        speed = self.speed if speed is None else check_speed(speed)
        self.clocks.pop(world.id, None)
        self.live.discard(world.id)
        if speed > 0.0:
            self.clocks[world.id] = WallClock(speed, monotonic())
            if world.life is not None:
                self.live.add(world.id)
        return self.token(world)

    def token(self, world: World, actors: dict[str, str] | None = None) -> str:
        tok = f"dtu-{world.id}-{secrets.token_hex(12)}"
        self.tokens[tok] = (world, actors)
        self._world_tokens.setdefault(world.id, []).append(tok)
        return tok

    def remove(self, world_id: str) -> bool:
        world = self.worlds.pop(world_id, None)
        self.connect.remove(world_id)
        self.tools.pop(world_id, None)
        self.clocks.pop(world_id, None)
        self.live.discard(world_id)
        for tok in self._world_tokens.pop(world_id, []):
            self.tokens.pop(tok, None)
        for secret in self._world_caps.pop(world_id, []):
            self.capabilities.pop(secret, None)
        if world is not None:
            world.env.grants = None
            if self.deliveries is not None:  # what is still queued for it is dropped with it
                self.deliveries.forget(world)
        return world is not None

    # -- time ---------------------------------------------------------------------------------
    async def catch_up(self, world: World) -> None:
        """Bring a served world's clock up to the wall clock (its people act on the way); the door
        does this before each call, and skips it while no whole world second is owed."""
        clock = self.clocks.get(world.id)
        if clock is not None and monotonic() >= clock.due:
            await catch_up(world, clock, self.live)

    async def ticking(self, app: Any = None) -> AsyncIterator[None]:
        """The ticker's life, as an aiohttp cleanup context: started with the server, cancelled
        (and its advances under way with it) at cleanup."""
        self.ticker.start()
        try:
            yield
        finally:
            await self.ticker.stop()
            for writer in self.writers:
                await writer.close()

    # -- capabilities -----------------------------------------------------------------------
    def seal(self, world: World, twin: str, grants: list[Grant]) -> list[tuple[str, str]]:
        """A fresh secret for each capability a call handed out: (placeholder, secret) pairs."""
        out = []
        mine = self._world_caps.setdefault(world.id, [])
        for g in grants:
            if g.ops == ("__token__",):  # a token the call minted (Slack's oauth.v2.access): it picks this world
                tok = g.placeholder.split("-", 1)[0] + "-dtu-" + secrets.token_urlsafe(24)
                self.tokens[tok] = (world, dict(g.args))
                self._world_tokens.setdefault(world.id, []).append(tok)
                out.append((g.placeholder, tok))
                continue
            secret = secrets.token_urlsafe(32)
            self.capabilities[secret] = Capability(world.id, twin, g.ops, dict(g.args))
            mine.append(secret)
            out.append((g.placeholder, secret))
        grants.clear()
        return out

    def opened(self, secret: str, twin: str, op: str) -> tuple[World, dict[str, str]] | None:
        """The world and arguments a secret opens for this operation; None for anything else."""
        cap = self.capabilities.get(secret) if secret else None
        if cap is None or cap.twin != twin or op not in cap.ops:
            return None
        world = self.worlds.get(cap.world)
        return (world, cap.args) if world is not None else None

    def env_vars(self, token: str, names: tuple[str, ...] | None = None) -> dict[str, str]:
        """The environment variables each twin's SDK reads, for a token."""
        out: dict[str, str] = {"DTU_TOKEN": token, "DTU_URL": self.base_url, "DTU_MCP_URL": f"{self.base_url}/mcp"}
        for name, twin in self.twins.items():
            if names is not None and name not in names:
                continue
            if twin.env_vars is not None:
                out.update(twin.env_vars(self.base_url, token))
        return out
