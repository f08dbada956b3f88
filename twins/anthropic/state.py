"""The Anthropic twin's state: fault knobs, usage totals and, in oracles' worlds only, the plan
its `dtu-scripted` model plays (the plan-less `dtu-twin` never reads it)."""

from __future__ import annotations

from typing import Any

import msgspec

from .noise import DEFAULT_NOISE, Noise

DTU = "__dtu"
"""The reserved input key under which the scripted model hands what only the world can answer to
the oracle agent that plays the plan: `when` (make the call only if this JMESPath query over the
world finds something), `until` (a `dtu__wait` lasts until this query finds something) and
`save` ({var: query over the world}, answered in the tool_result under `saved`). The model
cannot see the world; the agent, an oracle, can (agents/anthropic_agent.py)."""

SKIPPED = "skipped: the plan makes this call only when its condition holds, and it does not"
"""The tool_result the oracle agent answers for a call whose `when` found nothing."""


class PlannedCall(msgspec.Struct, omit_defaults=True):
    """One tool call the scripted model will make: tool name, input (`${var}` allowed), the
    JMESPath `save` queries run over the tool_result (parsed as JSON), and what the oracle agent
    judges over the world (`when`, `until`, `observe`: see DTU)."""

    name: str
    input: dict[str, Any] = {}
    save: dict[str, str] = {}
    when: str = ""
    until: str = ""
    observe: dict[str, str] = {}

    def hidden(self) -> dict[str, Any]:
        """What goes under the reserved key DTU (empty: nothing)."""
        out: dict[str, Any] = {}
        if self.when:
            out["when"] = self.when
        if self.until:
            out["until"] = self.until
        if self.observe:
            out["save"] = dict(self.observe)
        return out


class Usage(msgspec.Struct):
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


class BatchResult(msgspec.Struct):
    """One request's outcome: `succeeded` (with its message), `errored` (with the error body),
    `canceled` or `expired`."""

    custom_id: str
    type: str
    message: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


class Batch(msgspec.Struct):
    """A Message Batch. Its answers are computed when it is created (the conversation is the state,
    as for messages.create) and released when processing ends: at `ends_at` world time, or one
    world second after a cancel (then every request is `canceled`)."""

    id: str
    created_at: float
    ends_at: float
    expires_at: float
    requests: list[dict[str, Any]]
    results: list[BatchResult]
    processing_status: str = "in_progress"  # in_progress | canceling | ended
    ended_at: float | None = None
    cancel_initiated_at: float | None = None
    archived_at: float | None = None


class StoredFile(msgspec.Struct):
    """A file of the Files API. `downloadable` is true only for files a tool made (seeded here);
    uploaded files are not downloadable, as in the API."""

    id: str
    filename: str
    mime_type: str
    size_bytes: int
    created_at: float
    content: bytes = b""
    downloadable: bool = False


class AnthropicState(msgspec.Struct, omit_defaults=True, dict=True):
    """The twin's state in one world. Its `__dict__` (never encoded, copied or compared) holds
    what the world's requests let it derive once (toolblock.py)."""

    plan: list[PlannedCall] = []
    scripted: bool = False  # the seed gave a plan: `dtu-scripted` and `dtu-noisy` are served
    noise: Noise = DEFAULT_NOISE
    overloaded_first: int = 0
    rate_limited_first: int = 0
    retry_after: float = 1.0
    final_text: str = "Done."
    usage: Usage = msgspec.field(default_factory=Usage)
    cached: list[str] = []  # digests of prompt prefixes written to the (simulated) prompt cache
    batches: dict[str, Batch] = {}  # by id, in creation order
    files: dict[str, StoredFile] = {}  # by id, in creation order
