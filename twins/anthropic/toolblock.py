"""What the twin reads of a request's tool list, derived once per list a world is sent.

An agent sends the same tools on every turn (often some 70 schemas, ~26 KB of JSON): checking
their names, estimating their tokens and digesting the prompt-cache prefix they end in cost more
than the rest of a turn. The world's Anthropic state keeps the last list's facts; a request whose
tools equal that list reuses them. The memo lives in one world's state (not in its fields: it is
never snapshotted, viewed or digested), so no world ever reads what another was sent."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

from .state import AnthropicState

__all__ = ["ToolBlock", "tokens", "tool_block"]

_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")


def tokens(x: Any) -> int:
    """A deterministic token estimate: one token per four bytes of JSON."""
    if x is None:
        return 0
    return (len(orjson.dumps(x)) + 3) // 4


def prefix_key(prefix: Any) -> str:
    """The prompt cache's key for a prefix: a digest of its canonical JSON."""
    return hashlib.blake2b(orjson.dumps(prefix, option=orjson.OPT_SORT_KEYS), digest_size=12).hexdigest()


class ToolBlock:
    """The facts of one tool list: the first name the API refuses, the token estimate, the
    prompt-cache prefix ending at the last tool marked `cache_control` (its size and key), and
    the custom tools a model may call."""

    __slots__ = ("cached", "custom", "error", "names", "prefix_key", "prefix_tokens", "tokens", "tools")

    def __init__(self, tools: list[dict[str, Any]]) -> None:
        self.tools = tools
        self.error: str | None = None
        for i, t in enumerate(tools):
            if t.get("type") in (None, "custom") and not _TOOL_NAME.match(str(t.get("name", ""))):
                self.error = f"tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'"
                break
        self.tokens = tokens(tools)
        self.cached = next((k for k in range(len(tools) - 1, -1, -1) if tools[k].get("cache_control")), -1)
        self.prefix_tokens = self.prefix_key = None
        if self.cached >= 0:
            prefix = [tools[: self.cached + 1]]
            self.prefix_tokens, self.prefix_key = tokens(prefix), prefix_key(prefix)
        self.custom = [t for t in tools if isinstance(t, dict) and t.get("type") in (None, "custom") and t.get("name")]
        self.names = {t.get("name") for t in self.custom}


def tool_block(state: AnthropicState, tools: list[dict[str, Any]]) -> ToolBlock:
    """The facts of `tools`: the world's last list's, when equal (the usual next turn)."""
    memo = state.__dict__.get("tool_block")
    if memo is None or memo.tools != tools:
        memo = state.__dict__["tool_block"] = ToolBlock(tools)
    return memo
