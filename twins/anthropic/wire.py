"""How the Messages API reads a request: the key in `x-api-key` (or `Authorization: Bearer`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import Env, Reply, bearer
from .state import AnthropicState


def auth(headers: Mapping[str, str], args: dict[str, Any]) -> str | None:
    return headers.get("x-api-key") or bearer(headers, args)


def env_vars(base_url: str, token: str) -> dict[str, str]:
    """What the anthropic SDK reads: it appends /v1/messages to the base URL itself."""
    return {"ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_API_KEY": token}


def headers(state: AnthropicState, env: Env, reply: Reply) -> dict[str, str]:
    """`request-id` on every answer (from the request count: no draw on the world's ids).
    messages.create adds `x-dtu-model-kind` (`twin` or `oracle-twin`): the model is not real."""
    return {"request-id": f"req_dtu{state.usage.requests:018d}"}
