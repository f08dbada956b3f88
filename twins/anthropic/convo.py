"""Reading a Messages API conversation: text of content blocks, tool_use blocks and tool_results."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]


def text_of(content: Any) -> str:
    """The text of a message's or tool_result's content (a string or a list of blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def history(messages: list[dict[str, Any]]) -> tuple[list[Block], dict[str, str]]:
    """The tool_use blocks the assistant made, in order, and the tool_result text by tool_use_id."""
    uses: list[Block] = []
    results: dict[str, str] = {}
    for m in messages:
        content = m.get("content")
        if not isinstance(content, list):
            continue
        for b in content:
            if not isinstance(b, dict):
                continue
            if b.get("type") == "tool_use" and m.get("role") == "assistant":
                uses.append(b)
            elif b.get("type") == "tool_result":
                results[str(b.get("tool_use_id"))] = text_of(b.get("content"))
    return uses, results
