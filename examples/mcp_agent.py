#!/usr/bin/env python3
"""A tiny rule-based agent that gets its tools over MCP, run by dtu as an `mcp` agent:

    dtu run scenarios/slack --agent "mcp:python examples/mcp_agent.py"

It reads what dtu hands every MCP agent (DTU_MCP_URL, DTU_MCP_TOKEN, DTU_INTENT_FILE) and drives
the official `mcp` Python client, unmodified, against the trial's MCP door: it lists the tools
and calls them by name (`slack__conversations_create`, ...). It understands one kind of request,
"create a (public|private) channel called #name, invite A and B to it, post a kickoff message
there that mentions <something> (<detail>), then tell #other that the channel exists", and
declines anything else (exit 0: the trial is unsatisfied, not errored), as does a world with no
Slack tools. A stand-in for your own MCP-speaking agent."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from typing import Any

import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client


class GaveUp(Exception):
    """A tool answered with an error this agent has no plan for."""


async def call(s: ClientSession, tool: str, **args: Any) -> dict[str, Any]:
    res = await s.call_tool(tool, args)
    text = res.content[0].text if res.content and res.content[0].type == "text" else ""
    if res.is_error:
        raise GaveUp(f"{tool}: {text[:200]}")
    return dict(res.structured_content if res.structured_content is not None else json.loads(text))


async def find_user(s: ClientSession, name: str) -> str | None:
    want = name.strip().lower()
    for u in (await call(s, "slack__users_list", limit=200))["members"]:
        if u.get("deleted") or u.get("is_bot"):
            continue
        if want in (u["name"].lower(), (u.get("real_name") or "").split(" ")[0].lower()):
            return str(u["id"])
    return None


async def find_channel(s: ClientSession, name: str) -> dict[str, Any] | None:
    listed = await call(s, "slack__conversations_list", limit=200, exclude_archived=True,
                        types="public_channel,private_channel")
    return next((dict(c) for c in listed["channels"] if c["name"] == name), None)


async def act(s: ClientSession, intent: str, m: re.Match[str]) -> None:
    private, name = m.group(1) == "private", m.group(2)
    existing = await find_channel(s, name)
    if existing is not None:
        cid = existing["id"]
    else:
        cid = (await call(s, "slack__conversations_create", name=name, is_private=private))["channel"]["id"]
        print(f"created #{name}: {cid}")
    inv = re.search(r"invite (.+?) to (?:it|the channel)", intent)
    if inv:
        names = [n for n in re.split(r",\s*|\s+and\s+", inv.group(1)) if n]
        ids = [u for u in [await find_user(s, n) for n in names] if u]
        if ids:
            await call(s, "slack__conversations_invite", channel=cid, users=",".join(ids))
            print(f"invited {', '.join(ids)}")
    project = re.search(r"launching (?:Project )?(\w+)", intent)
    what = project.group(1) if project else name
    detail = re.search(r"mentions? [^(]*\(([^)]+)\)", intent)
    if detail or "kickoff" in intent.lower():
        when = f" launches {detail.group(1)}" if detail else " kicks off"
        await call(s, "slack__chat_postMessage", channel=cid, text=f"Kickoff: {what}{when}!")
    tell = re.search(r"tell #([\w-]+)", intent)
    if tell:
        other = await find_channel(s, tell.group(1))
        if other is None:
            raise GaveUp(f"no channel #{tell.group(1)}")
        await call(s, "slack__chat_postMessage", channel=other["id"], text=f"{what} launch coordination is in #{name}")
        print(f"told #{tell.group(1)}")


async def main() -> int:
    with open(os.environ["DTU_INTENT_FILE"], encoding="utf-8") as f:
        intent = f.read()
    headers = {"Authorization": f"Bearer {os.environ['DTU_MCP_TOKEN']}"}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http, \
            streamable_http_client(os.environ["DTU_MCP_URL"], http_client=http) as streams, \
            ClientSession(streams[0], streams[1]) as s:
        await s.initialize()
        tools = {t.name for t in (await s.list_tools()).tools}
        m = re.search(r"(public|private)? ?channel called #([\w-]+)", intent)
        if m is None or "slack__conversations_create" not in tools:
            print(f"mcp_agent: sorry, I only know how to open Slack channels; not doing: {intent[:200]!r}")
            return 0
        try:
            await act(s, intent, m)
        except GaveUp as e:  # an answer it has no plan for: unsatisfied, not errored
            print(f"mcp_agent: giving up: {e}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
