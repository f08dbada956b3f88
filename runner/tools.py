"""The tool catalog: the operations of a task's twins as Anthropic-API tools, and dispatch.

Schemas are msgspec's JSON Schema of each operation's parameter Struct, with every `$ref`
inlined; descriptions are the operations' docstrings. Names are `slack__chat_postMessage`
(`^[a-zA-Z0-9_-]{1,64}$`), with a reverse map back to (twin, operation). Built once per twin set."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
import orjson

from dtu.twins.anthropic.naming import tool_name
from dtu.twins.core import Operation, Raw, Reply, Twin, World

__all__ = ["Catalog", "catalog", "is_error", "offered", "result_text", "schema"]

RESULT_LIMIT = 100_000  # characters of a tool result handed back to a model


def _inline(node: Any, defs: Mapping[str, Any], seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name in seen:  # a recursive type: stop at any value
                return {}
            target = _inline(defs.get(name, {}), defs, (*seen, name))
            extra = {k: _inline(v, defs, seen) for k, v in node.items() if k not in ("$ref", "$defs")}
            return {**target, **extra}
        return {k: _inline(v, defs, seen) for k, v in node.items() if k not in ("$defs", "title")}
    if isinstance(node, list):
        return [_inline(v, defs, seen) for v in node]
    return node


def schema(op: Operation) -> dict[str, Any]:
    """The input schema of an operation: an object schema with no `$ref`s."""
    raw = msgspec.json.schema(op.params)
    out = _inline(raw, raw.get("$defs", {}))
    if not isinstance(out, dict) or out.get("type") != "object":
        out = {"type": "object", "properties": {}}
    out.setdefault("properties", {})
    out.pop("description", None)  # the Struct's docstring; the tool's description is the op's
    return out


def offered(name: str, only: Iterable[str] | None) -> bool:
    """Whether a tool is among a scenario's `tools:` (names, or patterns such as `slack__*`)."""
    return only is None or any(fnmatch.fnmatchcase(name, pattern) for pattern in only)


class Catalog:
    """The tools of one set of twins, and the way back from a tool name to an operation; `only`
    keeps the tools a scenario offers (its `tools:`), None keeps all."""

    def __init__(self, twins: Mapping[str, Twin[Any]], names: Iterable[str],
                 only: Iterable[str] | None = None) -> None:
        self.twins = twins
        self.tools: list[dict[str, Any]] = []
        self.ops: dict[str, tuple[str, Operation]] = {}
        for name in names:
            twin = twins.get(name)
            if twin is None:
                continue
            for op in twin.ops:
                if not op.tool or op.raw_body:
                    continue
                tname = tool_name(name, op.name)
                if not offered(tname, only):
                    continue
                if tname in self.ops:
                    raise ValueError(f"tool name {tname} stands for two operations")
                self.ops[tname] = (name, op)
                self.tools.append({"name": tname, "description": op.doc, "input_schema": schema(op)})
        self._cached: list[dict[str, Any]] | None = None

    def cached_tools(self) -> list[dict[str, Any]]:
        """The tools with `cache_control` on the last one: the whole tool block is one cache prefix."""
        if self._cached is None:
            self._cached = [dict(t) for t in self.tools]
            if self._cached:
                self._cached[-1]["cache_control"] = {"type": "ephemeral"}
        return self._cached

    def validate(self, name: str, args: Any) -> tuple[str, Operation, dict[str, Any]] | Reply:
        """(twin, op, args) for a valid call, or the error reply the twin itself would give."""
        hit = self.ops.get(name)
        if hit is None:
            twin_name, _, op_name = name.partition("__")
            if any(t == twin_name for t, _ in self.ops.values()):
                err = self.twins[twin_name].errors.not_found_route("POST", op_name)
                return Reply(err.status, err.body(), err.headers)
            return Reply(404, {"error": "unknown_tool", "message": f"no tool named {name!r}",
                               "tools": sorted(self.ops)})
        twin_name, op = hit
        twin = self.twins[twin_name]
        if not isinstance(args, dict):
            err = twin.errors.invalid_arguments("the input must be a JSON object")
            return Reply(err.status, err.body(), err.headers)
        try:
            msgspec.convert(args, op.params, strict=False)
        except msgspec.ValidationError as e:
            err = twin.errors.invalid_arguments(str(e))
            return Reply(err.status, err.body(), err.headers)
        return twin_name, op, args

    async def call(self, world: World, name: str, args: Any) -> Reply:
        """Validate, then dispatch through door 1 (`world.invoke`)."""
        got = self.validate(name, args)
        if isinstance(got, Reply):
            return got
        twin_name, op, valid = got
        return await world.invoke(twin_name, op.name, valid)


_catalogs: dict[tuple[int, tuple[str, ...], tuple[str, ...] | None], Catalog] = {}


def catalog(twins: Mapping[str, Twin[Any]], names: Iterable[str], only: Iterable[str] | None = None) -> Catalog:
    """The catalog of a twin set (and a scenario's `tools:`), built once and reused."""
    key = (id(twins), tuple(names), tuple(only) if only is not None else None)
    cat = _catalogs.get(key)
    if cat is None:
        cat = _catalogs[key] = Catalog(twins, key[1], key[2])
    return cat


def is_error(reply: Reply) -> bool:
    """A vendor error: an HTTP error status, or Slack's `ok: false`."""
    body = reply.body
    return reply.status >= 400 or (type(body) is dict and body.get("ok") is False)


def result_text(reply: Reply) -> str:
    """A tool result as the model reads it: the JSON body (an error status prefixed)."""
    body = reply.body
    if body is None:
        text = f'{{"status": {reply.status}}}'
    elif type(body) is Raw:
        if body.content_type.startswith(("text/", "application/json")):
            text = body.data.decode("utf-8", "replace")
        else:
            text = f"<{len(body.data)} bytes of {body.content_type}>"
    else:
        text = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS).decode()
    if reply.status >= 400:
        text = f"HTTP {reply.status}: {text}"
    return text if len(text) <= RESULT_LIMIT else text[:RESULT_LIMIT] + "...(truncated)"
