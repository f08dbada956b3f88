"""The models the twin serves, as `/v1/models` lists them (the SDK's `ModelInfo`), and the rule
that every other name answers 404 `not_found_error` (`model: <name>`), as the API does.

Two namespaces:
- `dtu-*`, the twin's own models: `dtu-twin` (plan-less), `dtu-judge` (verdicts), and, only in a
  world whose seed holds a plan (an oracle's), the plan players `dtu-scripted` and `dtu-noisy`.
- real model ids (`REAL`), each answered by the plan-less `dtu-twin` (the `x-dtu-model-kind`
  header says `twin`), so that code written for the real API runs unchanged: the project's own
  defaults (`claude-sonnet-4-6` for the anthropic agent, `claude-sonnet-4-5` for the judge) are
  among them.

The empty name is served by `dtu-twin` too (a deviation, see README)."""

from __future__ import annotations

from typing import Any

from .errors import AnthropicError
from .state import AnthropicState

TWIN_MODEL = "dtu-twin"
JUDGE_MODEL = "dtu-judge"
SCRIPTED = ("dtu-scripted", "dtu-noisy")
OWN = (TWIN_MODEL, JUDGE_MODEL)

# Real model ids, with the release date the dated id carries (the API's `created_at`); an id
# without a dated twin here gets the epoch, which the SDK's ModelInfo documents for "unknown".
REAL: dict[str, tuple[str, str | None, str]] = {  # id -> (display name, line, created_at)
    "claude-opus-4-6": ("Claude Opus 4.6", "opus", "1970-01-01T00:00:00Z"),
    "claude-sonnet-4-6": ("Claude Sonnet 4.6", "sonnet", "1970-01-01T00:00:00Z"),
    "claude-opus-4-5": ("Claude Opus 4.5", "opus", "2025-11-01T00:00:00Z"),
    "claude-opus-4-5-20251101": ("Claude Opus 4.5", "opus", "2025-11-01T00:00:00Z"),
    "claude-haiku-4-5": ("Claude Haiku 4.5", "haiku", "2025-10-01T00:00:00Z"),
    "claude-haiku-4-5-20251001": ("Claude Haiku 4.5", "haiku", "2025-10-01T00:00:00Z"),
    "claude-sonnet-4-5": ("Claude Sonnet 4.5", "sonnet", "2025-09-29T00:00:00Z"),
    "claude-sonnet-4-5-20250929": ("Claude Sonnet 4.5", "sonnet", "2025-09-29T00:00:00Z"),
}
_OWN_CREATED = "2024-01-01T00:00:00Z"


def served(state: AnthropicState) -> tuple[str, ...]:
    """The ids `/v1/models` lists in this world, in its order."""
    own = (*OWN, *SCRIPTED) if state.scripted else OWN
    return (*own, *REAL)


def check(state: AnthropicState, model: str) -> None:
    """Raise 404 `not_found_error` for a model this world does not serve."""
    if model in REAL or model in OWN or (state.scripted and model in SCRIPTED):
        return
    if not model:
        raise AnthropicError("invalid_request_error", "model: String should have at least 1 character")
    raise AnthropicError("not_found_error", f"model: {model}")


def info(model: str) -> dict[str, Any]:
    """One model as the SDK's `ModelInfo`: a fresh dict (an answer is the caller's to keep), copied
    from the one built once for each model the twin knows (its values are strings and None)."""
    known = _INFOS.get(model)
    return dict(known) if known is not None else _info(model)


def _info(model: str) -> dict[str, Any]:
    own: tuple[str, str | None, str] = (f"dtu twin model ({model})", None, _OWN_CREATED)
    name, line, created = REAL.get(model, own)
    return {"type": "model", "id": model, "display_name": name, "created_at": created,
            "lifecycle": "active", "deprecated_at": None, "retires_at": None, "line": line}


_INFOS = {m: _info(m) for m in (*OWN, *SCRIPTED, *REAL)}
