"""Where the anthropic agent gets its tools: the catalog in-process (door 1), or the MCP door.

`tools=mcp` makes the agent an MCP client, as agents built on an MCP-speaking SDK are: it serves
the trial's world on a private `dtu serve`-like door (127.0.0.1, a free port), connects with the
official `mcp` client over Streamable HTTP with the world's token, lists the tools and calls
them there. The catalog is the same one, so both sources offer the same tools, and the same
calls land in the world's log."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from dtu.runner import wait
from dtu.runner.agent import Task
from dtu.runner.tools import Catalog, catalog, is_error, result_text
from dtu.twins.core import World

from .door import Door, speed_for


class Tools:
    """The tools of one trial (Anthropic API shape) and the way to call them."""

    def __init__(self, tools: list[dict[str, Any]]) -> None:
        self.tools = tools

    async def call(self, name: str, args: Any) -> tuple[str, bool]:
        """(result text, whether it is a vendor error)."""
        raise NotImplementedError


_offered: dict[int, tuple[Catalog, list[dict[str, Any]]]] = {}


def with_wait(cat: Catalog) -> list[dict[str, Any]]:
    """A catalog's tools with `dtu__wait` first (runner/wait.py; `cache_control` stays on the
    last tool), built once per catalog."""
    hit = _offered.get(id(cat))
    if hit is None or hit[0] is not cat:
        hit = _offered[id(cat)] = (cat, [wait.TOOL, *cat.cached_tools()])
    return hit[1]


class CatalogTools(Tools):
    """Door 1: the catalog, dispatched straight into the world; `dtu__wait` lets world time pass."""

    def __init__(self, task: Task, world: World) -> None:
        self.catalog = catalog(world.twins, task.twins, task.tools)
        self.world = world
        super().__init__(with_wait(self.catalog))

    async def call(self, name: str, args: Any) -> tuple[str, bool]:
        if wait.is_wait(name):
            return await wait.wait(self.world, args)
        reply = await self.catalog.call(self.world, name, args)
        return result_text(reply), is_error(reply)


class McpTools(Tools):
    """The MCP door, through the official client."""

    def __init__(self, session: Any, tools: list[dict[str, Any]]) -> None:
        self.session = session
        super().__init__(tools)

    async def call(self, name: str, args: Any) -> tuple[str, bool]:
        if not isinstance(args, dict):  # as the catalog answers: the call never reaches the world
            return "the input must be a JSON object", True
        res = await self.session.call_tool(name, args)
        text = "\n".join(getattr(c, "text", "") for c in res.content)
        return text, bool(res.is_error)


class McpDoor:
    """The agent's private door (agents/door.py), and an MCP session on it per trial."""

    def __init__(self) -> None:
        self.door = Door()

    async def close(self) -> None:
        await self.door.close()

    @contextlib.asynccontextmanager
    async def tools(self, task: Task, world: World) -> AsyncIterator[Tools]:
        import httpx2
        from mcp.client.session import ClientSession
        from mcp.client.streamable_http import streamable_http_client

        hub = await self.door.start(world.twins)
        token = hub.register(world, task.tools, speed=speed_for(world))
        try:
            async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http, \
                    streamable_http_client(f"{hub.base_url}/mcp", http_client=http) as streams, \
                    ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                listed = (await session.list_tools()).tools
                tools = [{"name": t.name, "description": t.description or "", "input_schema": t.input_schema}
                         for t in listed]
                if tools:
                    tools[-1]["cache_control"] = {"type": "ephemeral"}
                yield McpTools(session, tools)
        finally:
            hub.remove(world.id)
