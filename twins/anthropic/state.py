"""The Anthropic twin's state: fault knobs, usage totals and, in oracles' worlds only, the plan
its `dtu-scripted` model plays (the plan-less `dtu-twin` never reads it)."""

from __future__ import annotations

from typing import Any

import msgspec

from .noise import DEFAULT_NOISE, Noise


class PlannedCall(msgspec.Struct, omit_defaults=True):
    """One tool call the scripted model will make: tool name, input (`${var}` allowed) and the
    JMESPath `save` queries run over the tool_result (parsed as JSON)."""

    name: str
    input: dict[str, Any] = {}
    save: dict[str, str] = {}


class Usage(msgspec.Struct):
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


class AnthropicState(msgspec.Struct, omit_defaults=True):
    plan: list[PlannedCall] = []
    scripted: bool = False  # the seed gave a plan: `dtu-scripted` and `dtu-noisy` are served
    noise: Noise = DEFAULT_NOISE
    overloaded_first: int = 0
    rate_limited_first: int = 0
    retry_after: float = 1.0
    final_text: str = "Done."
    usage: Usage = msgspec.field(default_factory=Usage)
    cached: list[str] = []  # digests of prompt prefixes written to the (simulated) prompt cache
