"""The worlds one server hosts, and the tokens that pick them."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from dtu.twins.core import SeedImage, Twin, World, derive, parse_time

from .engine import DEFAULT_NOW, Prepared, trial_seed
from .scenario import Loaded


class Hub:
    """World registry of the HTTP door. A token maps to one world and, optionally, the acting
    user per twin; a world is reachable through its tokens only."""

    def __init__(self, twins: Mapping[str, Twin[Any]] | None = None, *, max_worlds: int = 100_000,
                 seed: int = 0, base_url: str = "", max_steps: int | None = None) -> None:
        if twins is None:
            from dtu.twins.registry import TWINS

            twins = TWINS
        self.twins = dict(twins)
        self.worlds: dict[str, World] = {}
        self.tokens: dict[str, tuple[World, dict[str, str] | None]] = {}
        self._world_tokens: dict[str, list[str]] = {}
        self.scenarios: dict[str, Prepared] = {}
        self.max_worlds = max_worlds
        self.max_steps = max_steps
        self.seed = seed
        self.base_url = base_url
        self._n = 0

    # -- scenarios ------------------------------------------------------------------------------
    def add_scenario(self, loaded: Loaded) -> Prepared:
        p = self.scenarios[loaded.id] = Prepared(loaded, self.seed, self.twins)
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
        else:
            image = SeedImage(self.twins, seed_state or {}, derive(run_seed, wid),
                              parse_time(now, parse_time(DEFAULT_NOW, 0.0)))
            world = World(image, derive(run_seed, wid, trial), wid, max_steps=self.max_steps or 10_000)
        return world

    def register(self, world: World) -> str:
        """Serve a world (made here or by the engine) and return its default token."""
        if not world.id:
            world.id = self._next_id()
            world.env.world_id = world.id
        world.env.base_url = self.base_url
        self.worlds[world.id] = world
        return self.token(world)

    def token(self, world: World, actors: dict[str, str] | None = None) -> str:
        tok = f"dtu-{world.id}-{secrets.token_hex(12)}"
        self.tokens[tok] = (world, actors)
        self._world_tokens.setdefault(world.id, []).append(tok)
        return tok

    def remove(self, world_id: str) -> bool:
        world = self.worlds.pop(world_id, None)
        for tok in self._world_tokens.pop(world_id, []):
            self.tokens.pop(tok, None)
        return world is not None

    def env_vars(self, token: str, names: tuple[str, ...] | None = None) -> dict[str, str]:
        """The environment variables each twin's SDK reads, for a token."""
        out: dict[str, str] = {"DTU_TOKEN": token, "DTU_URL": self.base_url}
        for name, twin in self.twins.items():
            if names is not None and name not in names:
                continue
            if twin.env_vars is not None:
                out.update(twin.env_vars(self.base_url, token))
        return out
