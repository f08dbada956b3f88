"""Which model answers a Messages request, and the models that play a given plan.

- `dtu-judge` (or a `submit_verdict` tool with a `<checks>` block): a verdict from the checks.
- `dtu-scripted`: the world's plan as written, then a short text and end_turn. Served only in a
  world whose seed holds a plan, which the engine writes for oracles alone; elsewhere the name
  is unknown (404 `not_found_error`, as the API answers for a model it does not serve).
- `dtu-noisy`: the plan with seeded skips, corruptions and repeats (see noise.py); the same rule.
- `dtu-twin` and the real model ids of catalog.py: the plan-less model (planless.py), which
  never reads the plan. Any other name is 404 `not_found_error` (catalog.check).

Only offered custom tools are ever called: with no tools, only server tools, or `tool_choice`
`none`, the answer is text and `end_turn`.

The plan players are stateless per request, like the real API: the next action is found by
counting the tool_use blocks already in the conversation, and `${var}`s are filled from the
tool_results sent back. A planned call with a `when` (or a wait with an `until`, a `save` over the
world) carries it in its input under the reserved key `__dtu` (state.DTU): the oracle agent
judges it over the world, and answers a skipped call's tool_result itself."""

from __future__ import annotations

import re
from typing import Any

import jmespath
import orjson

from ..core.env import ALNUM, Env
from ..core.template import substitute
from . import planless
from .catalog import JUDGE_MODEL, SCRIPTED, TWIN_MODEL
from .convo import Block, history, text_of
from .errors import AnthropicError
from .naming import loose
from .noise import corrupt, schedule
from .state import DTU, SKIPPED, AnthropicState, PlannedCall
from .toolblock import ToolBlock

__all__ = ["ALNUM", "SCRIPTED", "TWIN_MODEL", "answer", "history", "judge", "kind_of", "play", "text_of"]

_CHECKS = re.compile(r"<checks>(.*?)</checks>", re.S)
_queries: dict[str, Any] = {}


def kind_of(state: AnthropicState, model: str) -> str:
    """What the `x-dtu-model-kind` header says: `oracle-twin` when a plan is played, else `twin`."""
    return "oracle-twin" if state.scripted and model in SCRIPTED else "twin"


def answer(state: AnthropicState, env: Env, model: str, messages: list[dict[str, Any]],
           offered: ToolBlock, tool_choice: dict[str, Any] | None) -> tuple[list[Block], str]:
    """The next assistant content and its stop_reason, from the model the request names."""
    last = messages[-1] if messages else {}
    tools, names = offered.custom, offered.names
    if (tool_choice or {}).get("type") == "none":
        tools, names = [], set()  # the model may not call a tool: it answers text
    if model == JUDGE_MODEL or ("submit_verdict" in names and "<checks>" in text_of(last.get("content"))):
        return judge(env, messages, "submit_verdict" in names)
    if model in SCRIPTED:
        if not state.scripted:
            raise AnthropicError("not_found_error", f"model: {model}")
        return play(state, env, model, messages, offered, tool_choice)
    return planless.reply(env, state.final_text, messages, tools, tool_choice)


def _save(call: PlannedCall, text: str, env: dict[str, Any]) -> None:
    """The call's `save` queries over its tool_result (None each when it is no JSON). A call the
    oracle agent skipped (its `when` found nothing: state.SKIPPED) saves nothing, as the scripted
    agent saves nothing from a step it did not play: an earlier value of the same name stays."""
    if text == SKIPPED:
        return
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        body = None
    for var, query in call.save.items():
        expr = _queries.get(query)
        if expr is None:
            expr = _queries[query] = jmespath.compile(query)
        env[var] = expr.search(body) if body is not None else None


def _tool_name(name: str, offered: ToolBlock) -> str | None:
    """The plan's tool name, or the client's own name for the same tool; None when the client
    offers no such tool (a model calls only offered tools)."""
    if name in offered.names:
        return name
    want = loose(name)
    op = loose(name.partition("__")[2])
    for t in offered.custom:
        n = t.get("name", "")
        if loose(n) in (want, op):
            return n
    return None


class _Played:
    """What the plan player read of a conversation: the `save`d answers of its first `upto`
    calls (the tool_use id and tool_result text each came from) and the variables they set.
    Kept in the world's state (its `__dict__`, never encoded), so that the next turn reads only
    the new tool_results; a request whose history differs in any answer read is read afresh,
    so the player stays a function of the request."""

    __slots__ = ("actions", "model", "read", "saved", "upto", "vars")

    def __init__(self, model: str, actions: list[tuple[int, bool]]) -> None:
        self.model, self.actions = model, actions
        self.upto = 0
        self.read: list[tuple[int, str, str]] = []  # (call index j, tool_use id, tool_result text)
        self.vars: dict[str, Any] = {}
        self.saved: set[int] = set()

    def follows(self, uses: list[Block], results: dict[str, str]) -> bool:
        """Whether the conversation holds every answer read, where it was read."""
        return len(uses) >= self.upto and all(str(uses[j].get("id")) == tid and results.get(tid, "") == text
                                              for j, tid, text in self.read)


def _played(state: AnthropicState, env: Env, model: str, uses: list[Block], results: dict[str, str]) -> _Played:
    """The plan's actions and the variables saved from this conversation's answers so far."""
    plan = state.plan
    memo = state.__dict__.get("played")
    if memo is None or memo.model != model or not memo.follows(uses, results):
        if model.startswith("dtu-noisy"):
            actions = schedule([bool(c.input) for c in plan], env.seed, state.noise)
        else:
            actions = [(i, False) for i in range(len(plan))]
        memo = state.__dict__["played"] = _Played(model, actions)
    for j in range(memo.upto, min(len(uses), len(memo.actions))):
        i = memo.actions[j][0]
        if plan[i].save and i not in memo.saved:  # a repeat replays a call; its answer is not saved
            memo.saved.add(i)
            tid = str(uses[j].get("id"))
            text = results.get(tid, "")
            memo.read.append((j, tid, text))
            _save(plan[i], text, memo.vars)
        memo.upto = j + 1
    return memo


def play(state: AnthropicState, env: Env, model: str, messages: list[dict[str, Any]],
         offered: ToolBlock, tool_choice: dict[str, Any] | None) -> tuple[list[Block], str]:
    """The plan's next call (or, once it is played, a short text and end_turn). No tool_use is
    answered to a request that offers no tools, as the API never does."""
    if not offered.custom or (tool_choice is not None and tool_choice.get("type") == "none"):
        return [{"type": "text", "text": state.final_text}], "end_turn"
    plan = state.plan
    uses, results = history(messages)
    done = len(uses)
    memo = _played(state, env, model, uses, results)
    actions, vars_ = memo.actions, memo.vars
    if done >= len(actions):
        return [{"type": "text", "text": state.final_text}], "end_turn"
    i, bad = actions[done]
    call = plan[i]
    args = substitute(call.input, vars_)
    if bad:
        args = corrupt(args, env.seed, i)
    hidden = call.hidden()
    if hidden:  # the model cannot see the world: the oracle agent judges what needs it
        args = {**args, DTU: hidden}
    name = _tool_name(call.name, offered)
    if name is None:  # the client does not offer the planned tool: the turn ends in text
        return [{"type": "text", "text": state.final_text}], "end_turn"
    use = {"type": "tool_use", "id": env.id("toolu_01", 32, ALNUM), "name": name, "input": args}
    return [use], "tool_use"


def judge(env: Env, messages: list[dict[str, Any]], has_tool: bool) -> tuple[list[Block], str]:
    """A verdict of passed/total from the last `<checks>{"passed", "total", "failed"}</checks>` block."""
    uses, results = history(messages)
    if any(u.get("name") == "submit_verdict" and str(u.get("id")) in results for u in uses):
        return [{"type": "text", "text": "Verdict submitted."}], "end_turn"
    text = text_of(messages[-1].get("content")) if messages else ""
    found = _CHECKS.findall(text)
    verdict: dict[str, Any] = {"probability": 0.5, "reason": "no <checks> block found; no evidence either way"}
    if found:
        try:
            data = orjson.loads(found[-1])
            passed, total = int(data.get("passed", 0)), int(data.get("total", 0))
            failed = [str(x) for x in data.get("failed", [])]
        except (orjson.JSONDecodeError, TypeError, ValueError, AttributeError):
            pass
        else:
            prob = passed / total if total else 1.0
            reason = (f"failed checks: {', '.join(failed)}" if failed
                      else f"all {total} checks passed" if total else "no checks to weigh")
            verdict = {"probability": prob, "reason": f"{passed}/{total} checks passed; {reason}"}
    if not has_tool:
        return [{"type": "text", "text": orjson.dumps(verdict).decode()}], "end_turn"
    use = {"type": "tool_use", "id": env.id("toolu_01", 32, ALNUM), "name": "submit_verdict", "input": verdict}
    return [use], "tool_use"
