"""Messages API operations: create (plain or streamed), count_tokens, models (batches: ops_batches.py,
files: ops_files.py).

Not agent tools (`tool=False`): the model is what an agent talks *with*, not what it acts on."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core import Ctx, Env, Raw, Registry, Reply
from . import sse
from .catalog import check, info, served
from .errors import RATE_LIMITED, AnthropicError
from .listing import id_page
from .model import ALNUM, answer, kind_of
from .state import AnthropicState
from .toolblock import ToolBlock, prefix_key, tokens, tool_block

ops = Registry("anthropic")
S = Ctx[AnthropicState]


class CountTokens(msgspec.Struct):
    model: str
    messages: list[dict[str, Any]]
    system: str | list[dict[str, Any]] | None = None
    tools: list[dict[str, Any]] = []
    tool_choice: dict[str, Any] | None = None
    thinking: Any = None


class CreateMessage(msgspec.Struct):
    model: str
    max_tokens: int
    messages: list[dict[str, Any]]
    system: str | list[dict[str, Any]] | None = None
    tools: list[dict[str, Any]] = []
    tool_choice: dict[str, Any] | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    stop_sequences: list[str] = []
    stream: bool = False
    metadata: dict[str, Any] | None = None
    thinking: Any = None


def _bad(message: str) -> AnthropicError:
    return AnthropicError("invalid_request_error", message)


def validate(p: CreateMessage | CountTokens, tools: ToolBlock) -> None:
    """The request checks the API makes that agents trip over: roles, pairing of tool_use and
    tool_result, tool names (`tools`: the request's), sampling ranges."""
    if isinstance(p, CreateMessage):
        if p.max_tokens < 1:
            raise _bad("max_tokens: Input should be greater than or equal to 1")
        if p.temperature is not None and not 0.0 <= p.temperature <= 1.0:
            raise _bad("temperature: Input should be less than or equal to 1")
    if not p.messages:
        raise _bad("messages: at least one message is required")
    if tools.error is not None:
        raise _bad(tools.error)
    pending: set[str] = set()
    for i, m in enumerate(p.messages):
        role = m.get("role")
        if role not in ("user", "assistant"):
            raise _bad(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        content = m.get("content")
        if not isinstance(content, str | list):
            raise _bad(f"messages.{i}.content: Field required")
        blocks = [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []
        if role == "user":
            answered = {str(b.get("tool_use_id")) for b in blocks if b.get("type") == "tool_result"}
            if pending - answered:
                raise _bad(f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                           f"immediately after: {', '.join(sorted(pending - answered))}. Each `tool_use` "
                           "block must have a corresponding `tool_result` block in the next message.")
            if answered - pending:
                raise _bad(f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                           f"{', '.join(sorted(answered - pending))}. Each `tool_result` block must have a "
                           "corresponding `tool_use` block in the previous message.")
            pending = set()
        else:
            if pending:
                raise _bad(f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                           f"immediately after: {', '.join(sorted(pending))}.")
            pending = {str(b.get("id")) for b in blocks if b.get("type") == "tool_use"}


def _cached_prefix(p: CreateMessage, tools: ToolBlock) -> tuple[int, str] | None:
    """The size and key of the prompt prefix up to the last `cache_control` breakpoint (tools,
    then system)."""
    system = p.system if isinstance(p.system, list) else []
    for k in range(len(system) - 1, -1, -1):
        if isinstance(system[k], dict) and system[k].get("cache_control"):
            prefix = [p.tools, system[: k + 1]]
            return tokens(prefix), prefix_key(prefix)
    if tools.prefix_key is None or tools.prefix_tokens is None:
        return None
    return tools.prefix_tokens, tools.prefix_key


def compose(s: AnthropicState, env: Env, p: CreateMessage) -> dict[str, Any]:
    """The Message the named model answers (validated request; usage and the prompt cache
    updated). Shared by messages.create and the batches, which answer the same way."""
    tools = tool_block(s, p.tools)
    validate(p, tools)
    check(s, p.model)
    content, stop = answer(s, env, p.model, p.messages, tools, p.tool_choice)
    total = tokens(p.system) + tokens(p.messages) + tools.tokens
    created = read = 0
    prefix = _cached_prefix(p, tools)
    if prefix is not None:
        size, key = prefix
        if key in s.cached:
            read = size
        else:
            s.cached.append(key)
            created = size
    out_tokens = max(1, tokens(content))
    usage = {"input_tokens": max(1, total - created - read), "output_tokens": out_tokens,
             "cache_creation_input_tokens": created, "cache_read_input_tokens": read}
    u = s.usage
    u.input_tokens += usage["input_tokens"]
    u.output_tokens += out_tokens
    u.cache_creation_input_tokens += created
    u.cache_read_input_tokens += read
    return {"id": env.id("msg_01", 30, ALNUM), "type": "message", "role": "assistant",
            "model": p.model, "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": usage}


@ops.op("messages.create", "POST", "/v1/messages", tool=False)
def messages_create(ctx: S, p: CreateMessage) -> Any:
    """Create a message: the model's next turn (plain JSON, or SSE when stream is true). The
    `x-dtu-model-kind` header says which kind answered: `twin` (plan-less) or `oracle-twin`."""
    s = ctx.state
    s.usage.requests += 1
    n = s.usage.requests
    if n <= s.overloaded_first:
        raise AnthropicError("overloaded_error", "Overloaded")
    if n <= s.overloaded_first + s.rate_limited_first:
        raise AnthropicError("rate_limit_error", RATE_LIMITED, headers={"retry-after": f"{s.retry_after:g}"})
    message = compose(s, ctx.env, p)
    body: Any = Raw(sse.stream(message), "text/event-stream; charset=utf-8") if p.stream else message
    return Reply(200, body, {"x-dtu-model-kind": kind_of(s, p.model)})


@ops.op("messages.count_tokens", "POST", "/v1/messages/count_tokens", tool=False, mutates=False)
def messages_count_tokens(ctx: S, p: CountTokens) -> dict[str, Any]:
    """Count the input tokens of a request (the twin's estimate: four bytes of JSON a token)."""
    tools = tool_block(ctx.state, p.tools)
    validate(p, tools)
    check(ctx.state, p.model)
    return {"input_tokens": max(1, tokens(p.system) + tokens(p.messages) + tools.tokens)}


class ListModels(msgspec.Struct):
    before_id: str | None = None
    after_id: str | None = None
    limit: int = 20


@ops.op("models.list", "GET", "/v1/models", tool=False, mutates=False)
def models_list(ctx: S, p: ListModels) -> dict[str, Any]:
    """The models this world serves: the twin's own (`dtu-twin`, `dtu-judge`, and in an oracle's
    world the plan players) and the real ids it answers with the plan-less twin."""
    return id_page([info(m) for m in served(ctx.state)], p.before_id, p.after_id, p.limit)


class GetModel(msgspec.Struct):
    model_id: str


@ops.op("models.get", "GET", "/v1/models/{model_id}", tool=False, mutates=False)
def models_get(ctx: S, p: GetModel) -> dict[str, Any]:
    """One model by id; a model this world does not serve is 404 `not_found_error`."""
    if p.model_id == "":
        raise AnthropicError("not_found_error", "model: ")
    check(ctx.state, p.model_id)
    return info(p.model_id)
