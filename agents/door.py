"""A private HTTP door for one agent's worlds: `dtu serve`'s app (vendor routes and /mcp) on
127.0.0.1 at a free port, its admin API locked behind a random token nobody is told. Started on
first use with the twins of the worlds it will host; shared by every trial of the agent, each
reaching only its own world through its token."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from typing import Any

from dtu.runner.hub import Hub
from dtu.twins.core import Twin, World


def speed_for(world: World, people: float = 1.0) -> float:
    """The wall clock a program agent's world keeps: none (only per-call ticks, so the same
    program gives the same trajectory) unless time matters to the scenario. With people who act,
    `people` world seconds a wall second (a program waits for them in real time); with only a
    deadline or a fault plan whose rate limits an SDK waits out, the wall clock itself."""
    if world.life is not None:
        return people
    return 1.0 if world.deadline is not None or world.faults is not None else 0.0


class Door:
    def __init__(self) -> None:
        self.hub: Hub | None = None
        self.runner: Any = None  # the aiohttp AppRunner (program agents add per-trial sites to it)
        self.port = 0
        self._lock: asyncio.Lock | None = None

    async def start(self, twins: Mapping[str, Twin[Any]], port: int = 0) -> Hub:
        """The door's hub, the server started on the first call (concurrent trials share it), on
        `port` (0: a free one)."""
        if self.hub is not None:
            return self.hub
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if self.hub is None:
                from dtu.runner.server import start

                hub = Hub(twins)
                self.runner = await start(hub, "127.0.0.1", port, admin_token=secrets.token_urlsafe(24))
                self.port = int(hub.base_url.rsplit(":", 1)[1])
                self.hub = hub
        return self.hub

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        self.hub = self.runner = self._lock = None
        self.port = 0
