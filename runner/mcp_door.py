"""The MCP door: every world's twins as a Model Context Protocol server.

Built on the official `mcp` SDK's low-level `Server`; the protocol, its versions and its
transports are the SDK's. Tools are the operations of the twins a world is seeded with, from
the same catalog the anthropic agent uses (runner/tools.py): names `<twin>__<operation>`, the
operation's parameter Struct as JSON Schema, its docstring as the description. Every world also
offers `dtu__wait` (runner/wait.py), which lets world time pass until people answer. A call goes
through the world's own dispatch, so it is logged like any other; a vendor error (Slack
`ok: false`, an Okta `E000…`, a Jira 4xx) is a tool result with `isError` and the vendor's body,
never a protocol error. The server carries no instructions: nothing of a scenario but its
twins' operations is offered.

Two transports:
- Streamable HTTP at `/mcp` on `dtu serve` (stateless, JSON responses): the world token, sent
  as `Authorization: Bearer`, picks the world; missing or unknown is a 401 before MCP is read.
- stdio, for one world (`dtu mcp --scenario FILE`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import mcp_types as types
import orjson
from mcp.server.lowlevel import Server

from dtu.twins.core import Raw, Reply, World

from . import __version__, wait
from .hub import swap
from .tools import Catalog, catalog, is_error

# The world, acting users and offered tools (None: all) a request is for; None when it has none.
Resolve = Callable[[Any], "tuple[World, dict[str, str] | None, tuple[str, ...] | None] | None"]
# (placeholder, real) pairs to swap into a reply: base URL, capability secrets a call handed out.
Seal = Callable[[World, str], "list[tuple[str, str]]"]


def tools_of(world: World, only: tuple[str, ...] | None = None) -> Catalog:
    """The tools a world offers: its seeded twins' operations (no Anthropic twin), or those of
    them its scenario's `tools:` names."""
    return catalog(world.twins, [n for n in world.image.seeded if n != "anthropic"], only)


_listed: dict[int, list[types.Tool]] = {}


def listed(cat: Catalog) -> list[types.Tool]:
    """A catalog's tools as MCP tools, built once (catalogs are built once and kept), after
    `dtu__wait` (runner/wait.py), which every world offers."""
    out = _listed.get(id(cat))
    if out is None:
        out = _listed[id(cat)] = [types.Tool(name=t["name"], description=t["description"],
                                             input_schema=t["input_schema"]) for t in (wait.TOOL, *cat.tools)]
    return out


def result(reply: Reply, swaps: Iterable[tuple[str, str]] = ()) -> types.CallToolResult:
    """A twin's reply as a tool result: the body as text (and as structured content when it is a
    JSON object), `isError` for a vendor error."""
    body = reply.body
    if body is None:
        data = orjson.dumps({"status": reply.status})
    elif type(body) is Raw:
        data = body.data if body.content_type.startswith(("text/", "application/json")) else orjson.dumps(
            {"status": reply.status, "content_type": body.content_type, "bytes": len(body.data)})
    else:
        data = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
    data = swap(data, swaps)
    text = data.decode("utf-8", "replace")
    structured = None
    if type(body) is dict or (type(body) is list and reply.status < 400):
        decoded = orjson.loads(data)
        structured = decoded if isinstance(decoded, dict) else {"items": decoded}
    if reply.status >= 400:
        text = f"HTTP {reply.status}: {text}"
        structured = {"status": reply.status, "body": structured if structured is not None else text}
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                structured_content=structured, is_error=is_error(reply))


def server(resolve: Resolve, seal: Seal, before: Callable[[World], Awaitable[None]] | None = None) -> Server[Any]:
    """An MCP server over the worlds `resolve` finds; `before(world)` runs before each call (a
    served world's clock catching up with the wall clock, people acting on the way)."""

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        found = resolve(ctx)
        if found is None:
            return types.ListToolsResult(tools=[])
        return types.ListToolsResult(tools=listed(tools_of(found[0], found[2])))

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        found = resolve(ctx)
        if found is None:
            return types.CallToolResult(content=[types.TextContent(type="text", text="no world for this token")],
                                        is_error=True)
        world, actors, only = found
        if before is not None:
            await before(world)
        if wait.is_wait(params.name):  # no twin operation: world time passes, nothing is logged
            text, err = await wait.wait(world, params.arguments or {}, actors)
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                        structured_content=orjson.loads(text), is_error=err)
        got = tools_of(world, only).validate(params.name, params.arguments or {})
        if isinstance(got, Reply):
            return result(got)
        twin, op, args = got
        reply = world.dispatch(twin, op.name, args, actors.get(twin) if actors else None)
        return result(reply, seal(world, twin))

    return Server("dtu", version=__version__, on_list_tools=list_tools, on_call_tool=call_tool)
