"""The Anthropic twin: a Messages API whose "model" is scripted and deterministic.

Satisfaction measured with it says nothing about a real model: it plays a given plan."""

from ..core import Twin
from .errors import ERRORS, AnthropicError
from .limits import limits
from .naming import tool_name
from .ops import ops
from .seed import build
from .state import AnthropicState
from .wire import auth, env_vars, headers

TWIN: Twin[AnthropicState] = Twin(
    name="anthropic", state_type=AnthropicState, ops=ops, errors=ERRORS, build=build, auth=auth,
    prefixes=("/v1/messages", "/v1/models"), env_vars=env_vars, headers=headers,
    limits=limits,
)

__all__ = ["TWIN", "AnthropicError", "AnthropicState", "tool_name"]
