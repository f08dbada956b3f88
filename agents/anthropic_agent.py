"""A Claude tool-use loop on the anthropic SDK's AsyncAnthropic.

Spec: `anthropic:model=claude-sonnet-4-6,max_turns=20,max_tokens=1024,temperature=0.2,
base_url=...,max_retries=4,stream=false,timeout=120,name=anthropic,oracle=false,tools=catalog`
(every option optional; no temperature is sent unless given). `tools=mcp` takes the tools from
dtu's MCP door through the official `mcp` client instead of in-process (agents/mcp_tools.py).

The model gets a system prompt with the intent (and the scenario's public context), the tools
of the task's twins (runner/tools.py; `cache_control` on the last tool, so the tool block is one
prompt-cache prefix), and the results of its calls, dispatched through door 1 (`world.invoke`)
as `tool_result` blocks (`is_error` for vendor errors). The loop stops on any stop reason but
`tool_use`, or after `max_turns` model calls. The SDK retries 429 and 529 with backoff
(`max_retries`). Token usage and an estimated cost go into the trajectory's info.

Which model answers (the trajectory's info says which in `model_kind`):
- ANTHROPIC_API_KEY set: the real API (or `base_url`), with that key. `"api"`.
- no key, `base_url` set: that server (e.g. `dtu serve`; the key is then a world token). `"api"`,
  or what the server's `x-dtu-model-kind` header says (`"twin"` for dtu's twin).
- neither: the Anthropic twin in-process, through an httpx transport (no sockets), model
  `dtu-twin`: a plan-less model that calls random offered tools with arguments drawn from their
  schemas. `"twin"`, with a note and a loud warning on stderr: this satisfaction says nothing
  about a real model.
- `oracle=true` (only without a key and base_url): a yardstick. The agent is an oracle, so the
  engine seeds the reference plan into its worlds, and the in-process twin's `dtu-scripted`
  model plays it (`model=dtu-noisy`: with seeded mistakes). It exercises the tool-use loop end
  to end at satisfaction 1.0. `"oracle-twin"`. The scripted model cannot see the world: a
  planned call made only `when` a query finds something comes with that query under the
  reserved input key `__dtu` (a wait with its `until` and `save` queries), and this agent, an
  oracle only, judges them over the world: it skips the call (and says so in its tool_result),
  or waits until the query finds something, as the scripted agent plays the same steps.

Every world offers `dtu__wait` (runner/wait.py) besides the twins' operations: the model waits
for people to answer in world time."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import msgspec
import orjson

from dtu.runner import wait
from dtu.runner.agent import RunInfo, Task
from dtu.runner.errors import DtuError
from dtu.runner.plan import found, holds, lenient, needs, world_root
from dtu.runner.scenario import Step
from dtu.twins.anthropic.catalog import OWN, REAL
from dtu.twins.anthropic.model import SCRIPTED, TWIN_MODEL
from dtu.twins.anthropic.state import DTU, SKIPPED
from dtu.twins.core import World

from . import spec
from .mcp_tools import CatalogTools, McpDoor, Tools
from .transport import WorldTransport

__all__ = ["AnthropicAgent", "cost_usd"]

DEFAULTS: dict[str, Any] = {
    "model": "", "max_turns": 20, "max_tokens": 1024, "temperature": "", "base_url": "",
    "max_retries": 4, "stream": False, "name": "anthropic", "timeout": 120.0, "oracle": False,
    "tools": "catalog",
}
REAL_DEFAULT_MODEL = "claude-sonnet-4-6"
TWIN_DEFAULT_MODEL = TWIN_MODEL  # "dtu-twin": plan-less
ORACLE_DEFAULT_MODEL = SCRIPTED[0]  # "dtu-scripted": plays the plan, in oracles' worlds only
NOTES = {
    "twin": "twin model: this satisfaction says nothing about a real model",
    "oracle-twin": "oracle twin model: it plays the hidden reference plan; this satisfaction says "
                   "nothing about a real model",
}
WARNING = """\
dtu: ************************************************************************************
dtu: WARNING: --agent {name}: no ANTHROPIC_API_KEY and no base_url, so no real model answers.
dtu: The agent talks to dtu's plan-less twin model ({model}), which calls random tools.
dtu: Its satisfaction says nothing about Claude. Set ANTHROPIC_API_KEY (or base_url=...)
dtu: to measure a real model; `--agent anthropic:oracle=true` is the plan-playing yardstick.
dtu: ************************************************************************************
"""

# USD per million tokens: input, output, cache write (5 min), cache read. Published list prices
# (2025); an estimate, matched by model-name prefix, longest first.
PRICES: dict[str, tuple[float, float, float, float]] = {
    "claude-opus-4-5": (5.0, 25.0, 6.25, 0.50),
    "claude-opus-4": (15.0, 75.0, 18.75, 1.50),
    "claude-sonnet-4": (3.0, 15.0, 3.75, 0.30),
    "claude-3-7-sonnet": (3.0, 15.0, 3.75, 0.30),
    "claude-3-5-sonnet": (3.0, 15.0, 3.75, 0.30),
    "claude-haiku-4-5": (1.0, 5.0, 1.25, 0.10),
    "claude-3-5-haiku": (0.8, 4.0, 1.0, 0.08),
    "claude-3-haiku": (0.25, 1.25, 0.30, 0.03),
    "dtu-": (0.0, 0.0, 0.0, 0.0),
}

SYSTEM = """You act on behalf of a user in their company's workspace, through the tools below, \
which call the real services' APIs. Carry out the user's request completely: look things up \
before you change them, prefer ids the APIs return over guesses, and recover from errors the \
tools report. When the request is done (or cannot be done), reply with a short summary and \
stop calling tools."""


def cost_usd(model: str, usage: dict[str, int]) -> float | None:
    """Estimated cost of the usage at list prices, or None for an unknown model."""
    for prefix in sorted(PRICES, key=len, reverse=True):
        if model.startswith(prefix):
            pin, pout, pwrite, pread = PRICES[prefix]
            return round((usage["input_tokens"] * pin + usage["output_tokens"] * pout
                          + usage["cache_creation_input_tokens"] * pwrite
                          + usage["cache_read_input_tokens"] * pread) / 1e6, 6)
    return None


class AnthropicAgent:
    """Claude (or the Anthropic twin) driving the task's twins through tool use."""

    oracle: bool  # set (True) only with `oracle=true`: the engine hands oracles the plan

    def __init__(self, arg: str = "") -> None:
        o = spec.parse("anthropic", arg, DEFAULTS)
        self.name: str = o["name"]
        self.max_turns: int = o["max_turns"]
        self.max_tokens: int = o["max_tokens"]
        try:
            self.temperature: float | None = float(o["temperature"]) if o["temperature"] else None
        except ValueError:
            raise DtuError(f"--agent anthropic:{arg}: temperature must be a number") from None
        self.stream: bool = o["stream"]
        self.max_retries: int = o["max_retries"]
        self.timeout: float = o["timeout"]
        self.base_url: str = o["base_url"]
        if o["tools"] not in ("catalog", "mcp"):
            raise DtuError(f"--agent anthropic:{arg}: tools must be catalog (in-process) or mcp (the MCP door)")
        self.mcp: McpDoor | None = McpDoor() if o["tools"] == "mcp" else None
        self.key = os.environ.get("ANTHROPIC_API_KEY") or ""
        self.local = not self.key and not self.base_url
        if o["oracle"]:
            if not self.local:
                raise DtuError(f"--agent anthropic:{arg}: oracle=true plays the hidden reference plan on "
                               "dtu's in-process twin; it takes no ANTHROPIC_API_KEY and no base_url "
                               "(unset the key, or drop oracle=true to measure a real model)")
            self.model: str = o["model"] or ORACLE_DEFAULT_MODEL
            if self.model not in SCRIPTED:
                raise DtuError(f"--agent anthropic:{arg}: with oracle=true the model is one of "
                               f"{', '.join(SCRIPTED)}, not {self.model!r}")
            self.oracle = True  # the engine seeds the reference plan into this agent's worlds only
            self.kind = "oracle-twin"
        else:
            self.model = o["model"] or (TWIN_DEFAULT_MODEL if self.local else REAL_DEFAULT_MODEL)
            if self.local and self.model in SCRIPTED:
                raise DtuError(f"--agent anthropic:{arg}: {self.model} plays the hidden reference plan "
                               "and is served in oracles' worlds only; add oracle=true for the "
                               f"yardstick, or use model={TWIN_DEFAULT_MODEL}")
            if self.local and self.model not in (*OWN, *REAL):
                raise DtuError(f"--agent anthropic:{arg}: without ANTHROPIC_API_KEY the Anthropic twin answers, "
                               f"and it serves {', '.join((*OWN, *REAL))}, not {self.model!r}")
            self.kind = "twin" if self.local else "api"
        self._warned = False
        self.transport: WorldTransport | None = None
        self.client: Any = None
        self._cast: Any = None  # AsyncAPIResponse[Message]: what `client.post` answers a turn with

    async def open(self, run: RunInfo | None = None) -> None:
        import anthropic

        if self.client is not None:
            return
        kw: dict[str, Any] = {"max_retries": self.max_retries, "timeout": self.timeout}
        if self.kind == "twin" and not self._warned:
            self._warned = True
            sys.stderr.write(WARNING.format(name=self.name, model=self.model))
            sys.stderr.flush()
        if self.local:
            self.transport = WorldTransport()
            kw.update(api_key="dtu-local", base_url="http://anthropic.dtu.invalid",
                      http_client=self.transport.client())
        else:
            kw.update(api_key=self.key or "dtu-no-key")
            if self.base_url:
                kw["base_url"] = self.base_url
        self.client = anthropic.AsyncAnthropic(**kw)
        self._cast = anthropic.AsyncAPIResponse[anthropic.types.Message]

    async def close(self) -> None:
        if self.mcp is not None:
            await self.mcp.close()
        if self.client is not None:
            await self.client.close()
            self.client = None

    def system_prompt(self, task: Task) -> str:
        parts = [SYSTEM, f"<request>\n{task.intent.strip()}\n</request>"]
        if task.public is not None:
            public = msgspec.json.encode(task.public).decode()
            parts.append(f"<context>\n{public}\n</context>")
        return "\n\n".join(parts)

    async def run(self, task: Task, world: World, plan: Sequence[Step] | None = None) -> dict[str, Any] | None:
        """One trial. An oracle is handed the plan too; it needs nothing of it here: the engine
        has seeded it into the world, where the twin's `dtu-scripted` model plays it."""
        if self.client is None:
            await self.open()
        client = self.client
        token = None
        if self.transport is not None:
            token = self.transport.add(world)
            client = client.with_options(api_key=token)
        async with self._tools(task, world) as source:
            return await self._loop(client, task, source, token, world)

    def _tools(self, task: Task, world: World) -> contextlib.AbstractAsyncContextManager[Tools]:
        if self.mcp is not None:
            return self.mcp.tools(task, world)
        return contextlib.nullcontext(CatalogTools(task, world))

    async def _loop(self, client: Any, task: Task, source: Tools, token: str | None,
                    world: World | None = None) -> dict[str, Any]:
        tools = source.tools
        system = self.system_prompt(task)
        messages: list[dict[str, Any]] = [{"role": "user", "content": task.intent.strip()}]
        usage = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0,
                 "cache_read_input_tokens": 0}
        info: dict[str, Any] = {"model": self.model, "model_kind": self.kind,
                                "turns": 0, "tool_calls": 0, "tool_errors": 0, "stop_reason": None,
                                "usage": usage}
        kinds: set[str] = set()
        try:
            for _ in range(self.max_turns):
                msg, kind = await self._create(client, system, tools, messages)
                if kind:
                    kinds.add(kind)
                info["turns"] += 1
                for k in usage:
                    usage[k] += getattr(msg.usage, k, None) or 0
                info["stop_reason"] = msg.stop_reason
                content = [_block(b) for b in msg.content]
                messages.append({"role": "assistant", "content": content})
                uses = [b for b in content if b["type"] == "tool_use"]
                if msg.stop_reason != "tool_use" or not uses:
                    break
                results = []
                for b in uses:
                    answered = await self._call(source, b["name"], b["input"], world)
                    if answered is None:  # an oracle's planned call whose `when` found nothing
                        info["skipped"] = info.get("skipped", 0) + 1
                        results.append({"type": "tool_result", "tool_use_id": b["id"], "content": SKIPPED})
                        continue
                    text, err = answered
                    info["tool_calls"] += 1
                    info["tool_errors"] += err
                    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": b["id"], "content": text}
                    if err:
                        block["is_error"] = True
                    results.append(block)
                messages.append({"role": "user", "content": results})
            else:
                info["stop_reason"] = "max_turns"
        except Exception as e:
            e.dtu_info = _finish(info, usage, self.model, kinds)  # type: ignore[attr-defined]
            raise
        finally:
            if token is not None and self.transport is not None:
                self.transport.remove(token)
        return _finish(info, usage, self.model, kinds)

    async def _call(self, source: Tools, name: str, args: Any, world: World | None) -> tuple[str, bool] | None:
        """One tool call: (result text, whether it is an error), or None when skipped. Only an
        oracle (`oracle-twin`) reads the reserved key state.DTU, which its scripted model sends
        with what only the world can answer; any other agent passes a model's input on as is."""
        hidden = args.get(DTU) if self.kind == "oracle-twin" and isinstance(args, dict) else None
        if not isinstance(hidden, dict) or world is None:
            return await source.call(name, args)
        args = {k: v for k, v in args.items() if k != DTU}
        if hidden.get("when") and not holds(str(hidden["when"]), world):
            return None
        if wait.is_wait(name) and (hidden.get("until") or hidden.get("save")):
            return await _oracle_wait(world, args, hidden)
        return await source.call(name, args)

    async def _create(self, client: Any, system: str, tools: list[dict[str, Any]],
                      messages: list[dict[str, Any]]) -> tuple[Any, str | None]:
        if self.stream:
            async with client.messages.stream(**self._params(system, tools, messages)) as s:
                msg = await s.get_final_message()
                return msg, s.response.headers.get("x-dtu-model-kind")
        try:
            body = self._body(system, tools, messages)
        except orjson.JSONEncodeError:  # what orjson refuses (an integer past 64 bits in a model's input)
            raw = await client.messages.with_raw_response.create(**self._params(system, tools, messages))
        else:
            raw = await client.post("/v1/messages", cast_to=self._cast, content=body)
        return await raw.parse(), raw.headers.get("x-dtu-model-kind")

    def _params(self, system: str, tools: list[dict[str, Any]], messages: list[dict[str, Any]]) -> dict[str, Any]:
        kw: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens, "system": system,
                              "messages": messages}
        if self.temperature is not None:  # SDKs that dropped the argument still pass it on
            kw["extra_body"] = {"temperature": self.temperature}
        if tools:
            kw["tools"] = tools
        return kw

    def _body(self, system: str, tools: list[dict[str, Any]], messages: list[dict[str, Any]]) -> bytes:
        """The body `messages.create` would send (the same keys in the same order), encoded here.
        Given params, the SDK deep-copies and re-encodes them on every request (2-3 ms with a
        70-tool block, most of a turn's CPU); given bytes, it sends them as they are, through
        the same client, retries and response parsing. The tool block is encoded once per list."""
        head = orjson.dumps({"max_tokens": self.max_tokens, "messages": messages, "model": self.model,
                             "system": system})
        parts = [head[:-1]]
        if tools:
            parts += (b',"tools":', _encoded(tools))
        if self.temperature is not None:  # last, where the SDK merges extra_body
            parts += (b',"temperature":', orjson.dumps(self.temperature))
        parts.append(b"}")
        return b"".join(parts)


_ENCODED: dict[int, tuple[list[dict[str, Any]], bytes]] = {}
_ENCODED_MAX = 64  # tool lists kept encoded: one per catalog; an MCP session's list lives one trial


def _encoded(tools: list[dict[str, Any]]) -> bytes:
    """A tool list's JSON, encoded once while the list lives (keyed by identity, checked; a
    catalog's or an MCP session's list is never changed once built)."""
    hit = _ENCODED.get(id(tools))
    if hit is None or hit[0] is not tools:
        if len(_ENCODED) >= _ENCODED_MAX:
            _ENCODED.clear()
        hit = _ENCODED[id(tools)] = (tools, orjson.dumps(tools))
    return hit[1]


async def _oracle_wait(world: World, args: dict[str, Any], hidden: dict[str, Any]) -> tuple[str, bool]:
    """A reference's wait as the scripted agent plays it (runner/plan.py `play`): until its
    `wait_for` query finds something (a `wait:` step: its whole time), then the step's `save`
    queries over the world, answered under `saved` for the model to read back."""
    query = lenient(str(hidden["until"])) if hidden.get("until") else None
    saves = {str(k): lenient(str(q)) for k, q in (hidden.get("save") or {}).items()}
    # the parts of the world those queries read: only they are built at each poll, as `play` does
    reads = frozenset().union(*(needs(str(q)) for q in [hidden.get("until"), *(hidden.get("save") or {}).values()]
                                if q))

    def until(w: World) -> bool:
        return query is not None and found(query(world_root(w, reads)))

    def saved(w: World) -> dict[str, Any]:
        if not saves:
            return {}
        root = world_root(w, reads)
        return {"saved": {k: q(root) for k, q in saves.items()}}

    return await wait.wait(world, args, until=until if query is not None else None, extra=saved)


def _block(b: Any) -> dict[str, Any]:
    """An assistant content block to send back: only the fields the API takes."""
    if b.type == "tool_use":
        return {"type": "tool_use", "id": b.id, "name": b.name, "input": b.input}
    if b.type == "text":
        return {"type": "text", "text": b.text}
    return dict(b.model_dump(exclude_none=True))


def _finish(info: dict[str, Any], usage: dict[str, int], model: str, kinds: set[str]) -> dict[str, Any]:
    """Cost and, when a twin answered (in-process, or a server's `x-dtu-model-kind` header said
    so), the twin's kind and a note that the figure says nothing about a real model."""
    for kind in ("oracle-twin", "twin"):
        if kind in kinds:
            info["model_kind"] = kind
            break
    else:
        if kinds - {"api"}:  # a twin of another kind (an older dtu serve): still no real model
            info["model_kind"] = "twin"
    info["cost_usd"] = cost_usd(model, usage)
    if info["model_kind"] != "api":
        info["note"] = NOTES.get(info["model_kind"], NOTES["twin"])
    return info


