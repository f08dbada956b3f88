"""The scripted "model": deterministic answers computed from the conversation and the world.

Stateless per request, like the real API: the next action is found by counting the tool_use
blocks already in the conversation, and `${var}`s are filled from the tool_results sent back.

- `dtu-judge` (or a `submit_verdict` tool with a `<checks>` block): a verdict from the checks.
- `dtu-noisy`: the plan with seeded skips, corruptions and repeats (see noise.py).
- any other model name: the plan as written, then a short text and end_turn."""

from __future__ import annotations

import re
from typing import Any

import jmespath
import orjson

from ..core.env import ALNUM, Env
from ..core.template import substitute
from .naming import loose
from .noise import corrupt, schedule
from .state import AnthropicState, PlannedCall

_CHECKS = re.compile(r"<checks>(.*?)</checks>", re.S)
_queries: dict[str, Any] = {}

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


def _save(call: PlannedCall, text: str, env: dict[str, Any]) -> None:
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        body = None
    for var, query in call.save.items():
        expr = _queries.get(query)
        if expr is None:
            expr = _queries[query] = jmespath.compile(query)
        env[var] = expr.search(body) if body is not None else None


def _tool_name(name: str, tools: list[dict[str, Any]]) -> str:
    """The plan's tool name, or the client's own name for the same tool."""
    names = [t.get("name", "") for t in tools]
    if not names or name in names:
        return name
    want = loose(name)
    op = loose(name.partition("__")[2])
    for n in names:
        if loose(n) in (want, op):
            return n
    return name


def play(state: AnthropicState, env: Env, model: str, messages: list[dict[str, Any]],
         tools: list[dict[str, Any]], tool_choice: dict[str, Any] | None) -> tuple[list[Block], str]:
    """The next assistant content and its stop_reason."""
    last = messages[-1] if messages else {}
    names = {t.get("name") for t in tools}
    if model.startswith("dtu-judge") or ("submit_verdict" in names and "<checks>" in text_of(last.get("content"))):
        return judge(env, messages, "submit_verdict" in names)
    if tool_choice is not None and tool_choice.get("type") == "none":
        return [{"type": "text", "text": state.final_text}], "end_turn"
    plan = state.plan
    if model.startswith("dtu-noisy"):
        actions = schedule([bool(c.input) for c in plan], env.seed, state.noise)
    else:
        actions = [(i, False) for i in range(len(plan))]
    uses, results = history(messages)
    done = len(uses)
    vars_: dict[str, Any] = {}
    saved: set[int] = set()
    for j in range(min(done, len(actions))):
        i = actions[j][0]
        if plan[i].save and i not in saved:  # a repeat replays a call; its answer is not saved
            saved.add(i)
            _save(plan[i], results.get(str(uses[j].get("id")), ""), vars_)
    if done >= len(actions):
        return [{"type": "text", "text": state.final_text}], "end_turn"
    i, bad = actions[done]
    call = plan[i]
    args = substitute(call.input, vars_)
    if bad:
        args = corrupt(args, env.seed, i)
    use = {"type": "tool_use", "id": env.id("toolu_01", 32, ALNUM), "name": _tool_name(call.name, tools),
           "input": args}
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
