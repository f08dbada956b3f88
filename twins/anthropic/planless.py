"""`dtu-twin`: the plan-less model every non-oracle client talks with.

It knows nothing hidden: its answer is a function of the request (the offered tools, the
conversation so far) and of the world's seed, never of the twin's state. Each answer draws from
its own stream, seeded by the world's seed and the conversation's position (the number of
assistant turns so far), so the same world and conversation give the same answer.

A conversation is a few turns (1 to 4, drawn from the world's seed), each one `tool_use` of an
offered tool picked at random, with arguments drawn from the tool's `input_schema`: required
properties always, optional ones now and then, each of a type the schema allows; strings prefer
ids and names seen in earlier `tool_result`s. Then a short text and `end_turn`. With no tools
offered (or `tool_choice: none`), a text and `end_turn` straight away."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

import orjson

from ..core.env import ALNUM, Env, derive
from .convo import Block, history

MAX_TURNS = 4  # tool-using turns at most, before the closing text
MAX_DEPTH = 4  # nesting of generated objects and arrays
OPTIONAL = 0.2  # probability of filling an optional property
_WORDS = ("alpha", "atlas", "budget", "draft", "launch", "notes", "ops", "review", "team", "update")
_IDLIKE = ("id", "key", "name", "channel", "user", "ts", "email", "login")

Json = Any


class _Draws:
    """Draws from a stream seeded by (world seed, label, position): no global randomness."""

    def __init__(self, seed: int, position: int) -> None:
        self._env = Env(derive(seed, "dtu-twin", position), 0.0)

    def random(self) -> float:
        return self._env.random()

    def below(self, n: int) -> int:
        return self._env.randint(0, n - 1)

    def pick(self, items: list[Any]) -> Any:
        return items[self.below(len(items))]


def turns(seed: int) -> int:
    """How many tool-using turns the model takes in a conversation of this world: 1 to MAX_TURNS."""
    return 1 + derive(seed, "dtu-twin", "turns") % MAX_TURNS


def reply(env: Env, final_text: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]],
          tool_choice: dict[str, Any] | None) -> tuple[list[Block], str]:
    """The next assistant content and its stop_reason."""
    position = sum(1 for m in messages if m.get("role") == "assistant")
    offered = [t for t in tools if isinstance(t, dict) and t.get("name") and t.get("type") in (None, "custom")]
    choice = (tool_choice or {}).get("type", "auto")
    forced = choice in ("any", "tool")
    if not offered or choice == "none" or (position >= turns(env.seed) and not forced):
        return [{"type": "text", "text": final_text}], "end_turn"
    draws = _Draws(env.seed, position)
    tool = None
    if choice == "tool":
        tool = next((t for t in offered if t.get("name") == (tool_choice or {}).get("name")), None)
    if tool is None:
        tool = draws.pick(offered)
    seen = Seen(messages)
    schema = tool.get("input_schema")
    args = value(schema if isinstance(schema, dict) else {}, "", draws, seen, 0)
    if not isinstance(args, dict):
        args = {}
    use = {"type": "tool_use", "id": env.id("toolu_01", 32, ALNUM), "name": tool["name"], "input": args}
    return [use], "tool_use"


class Seen:
    """Strings found in the conversation's tool_results, by the key they stood under."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.by_key: dict[str, list[str]] = {}
        self.idlike: list[str] = []
        self.all: list[str] = []
        _, results = history(messages)
        for text in results.values():
            for key, s in _strings(_parse(text)):
                if s in self.all:
                    continue
                self.all.append(s)
                self.by_key.setdefault(key.lower(), []).append(s)
                low = key.lower()
                if any(low == w or low.endswith(w) for w in _IDLIKE):
                    self.idlike.append(s)

    def string_for(self, prop: str, draws: _Draws) -> str | None:
        """A seen string for property `prop`, or None (the caller makes one up)."""
        low = prop.lower()
        same = self.by_key.get(low) or self.by_key.get(low.removesuffix("_id")) or []
        if same and draws.random() < 0.8:
            return str(draws.pick(same))
        if self.idlike and draws.random() < 0.6:
            return str(draws.pick(self.idlike))
        if self.all and draws.random() < 0.3:
            return str(draws.pick(self.all))
        return None


def _parse(text: str) -> Json:
    """A tool_result's JSON (after an `HTTP 404: ` prefix, if any), or None."""
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        return None
    try:
        return orjson.loads(text[start:])
    except orjson.JSONDecodeError:
        return None


def _strings(node: Json, key: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    if depth > 12:
        return
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, str(k), depth + 1)
    elif isinstance(node, list):
        for v in node[:50]:
            yield from _strings(v, key, depth + 1)
    elif isinstance(node, str) and 0 < len(node) <= 120:
        yield key, node


def _types(schema: dict[str, Any]) -> list[str]:
    t = schema.get("type")
    if isinstance(t, list):
        kinds = [str(x) for x in t if x != "null"]
        return kinds or ["null"]
    if isinstance(t, str):
        return [t]
    if "properties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return ["string"]


def value(schema: dict[str, Any], prop: str, draws: _Draws, seen: Seen, depth: int) -> Json:
    """A value the schema accepts (enum, const, anyOf/oneOf, the JSON types)."""
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return draws.pick(enum)
    alts = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(alts, list) and alts:
        real = [a for a in alts if isinstance(a, dict) and a.get("type") != "null"] or alts
        alt = draws.pick(real)
        merged = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
        return value({**merged, **alt} if isinstance(alt, dict) else merged, prop, draws, seen, depth)
    kind = draws.pick(_types(schema))
    if kind == "object":
        return _object(schema, draws, seen, depth)
    if kind == "array":
        return _array(schema, prop, draws, seen, depth)
    if kind == "integer":
        lo, hi = _bounds(schema, 1, 20)
        return int(lo) + draws.below(int(hi) - int(lo) + 1)
    if kind == "number":
        lo, hi = _bounds(schema, 0, 100)
        return round(lo + (hi - lo) * draws.random(), 2)
    if kind == "boolean":
        return draws.below(2) == 1
    if kind == "null":
        return None
    return _string(schema, prop, draws, seen)


def _bounds(schema: dict[str, Any], lo: float, hi: float) -> tuple[float, float]:
    low = schema.get("minimum", schema.get("exclusiveMinimum", lo))
    high = schema.get("maximum", schema.get("exclusiveMaximum", max(hi, low + hi - lo)))
    if not isinstance(low, int | float) or not isinstance(high, int | float) or high < low:
        return lo, hi
    if "exclusiveMinimum" in schema and "minimum" not in schema:
        low += 1
    if "exclusiveMaximum" in schema and "maximum" not in schema:
        high -= 1
    return low, max(low, high)


def _object(schema: dict[str, Any], draws: _Draws, seen: Seen, depth: int) -> dict[str, Any]:
    props = schema.get("properties")
    if not isinstance(props, dict) or depth >= MAX_DEPTH:
        return {}
    required = schema.get("required")
    need = set(required) if isinstance(required, list) else set()
    out: dict[str, Any] = {}
    for name, sub in props.items():
        if name in need or draws.random() < OPTIONAL:
            out[name] = value(sub if isinstance(sub, dict) else {}, name, draws, seen, depth + 1)
    return out


def _array(schema: dict[str, Any], prop: str, draws: _Draws, seen: Seen, depth: int) -> list[Any]:
    items = schema.get("items")
    if not isinstance(items, dict) or depth >= MAX_DEPTH:
        return []
    lo = schema.get("minItems", 0)
    hi = schema.get("maxItems", lo + 2)
    lo = lo if isinstance(lo, int) else 0
    hi = hi if isinstance(hi, int) and hi >= lo else lo + 2
    n = lo + draws.below(min(hi, lo + 2) - lo + 1)
    return [value(items, prop, draws, seen, depth + 1) for _ in range(n)]


def _string(schema: dict[str, Any], prop: str, draws: _Draws, seen: Seen) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        day = _dt.datetime(2024, 1, 15, 9, tzinfo=_dt.UTC) + _dt.timedelta(days=draws.below(30))
        return day.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "date":
        return f"2024-01-{1 + draws.below(28):02d}"
    if fmt == "email":
        return f"{draws.pick(list(_WORDS))}@example.test"
    got = seen.string_for(prop, draws) if prop else None
    if got is None:
        got = f"{draws.pick(list(_WORDS))}-{draws.below(1000)}"
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    if isinstance(lo, int) and len(got) < lo:
        got = got + "x" * (lo - len(got))
    if isinstance(hi, int) and hi >= 0 and len(got) > hi:
        got = got[:hi]
    return got
