"""The Anthropic twin: a Messages API whose models are deterministic twins, not real models.

`dtu-twin` (the default) is plan-less: random offered tools, schema-drawn arguments. The plan
players (`dtu-scripted`, `dtu-noisy`) are served only in oracles' worlds. Satisfaction measured
with any of them says nothing about a real model."""

from ..core import Twin
from .errors import ERRORS, AnthropicError
from .limits import limits
from .naming import tool_name
from .ops import ops
from .ops_batches import settle as _settle  # noqa: F401  (registers the batch operations)
from .ops_files import file_json as _file_json  # noqa: F401  (registers the Files API operations)
from .seed import build
from .state import AnthropicState
from .wire import auth, env_vars, headers

TWIN: Twin[AnthropicState] = Twin(
    name="anthropic", state_type=AnthropicState, ops=ops, errors=ERRORS, build=build, auth=auth,
    prefixes=("/v1/messages", "/v1/models", "/v1/files"), env_vars=env_vars, headers=headers,
    limits=limits,
)

__all__ = ["TWIN", "AnthropicError", "AnthropicState", "tool_name"]
