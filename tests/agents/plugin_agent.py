"""A user's own agent, loaded as a plugin: `--agent tests.agents.plugin_agent:factory[:name]`."""

from __future__ import annotations

from typing import Any

from dtu.runner.agent import Task
from dtu.twins.core import World


class Greeter:
    """Posts a greeting to the first channel it finds; remembers everything it was handed."""

    def __init__(self, name: str = "greeter") -> None:
        self.name = name
        self.seen: list[tuple[Task, World, tuple[Any, ...]]] = []

    async def run(self, task: Task, world: World, *extra: Any) -> dict[str, Any] | None:
        self.seen.append((task, world, extra))
        chans = await world.call("slack", "conversations.list", {})
        cid = chans["channels"][0]["id"]
        await world.call("slack", "chat.postMessage", {"channel": cid, "text": "hello from a plugin"})
        return {"plugin": True, "channel": cid}


def factory(arg: str = "") -> Greeter:
    return Greeter(arg or "greeter")
