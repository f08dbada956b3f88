"""The LLM judge: a hidden rubric, a verdict by tool call, combined with the checks.

The judge sees the intent, the rubric, the trajectory (each call, its arguments and answer),
the final state of the seeded twins and the checks' results (the agent under test never does),
and must answer by calling `submit_verdict {"probability", "reason"}`. Verdicts are cached by a
digest of everything the judge was sent, so re-scoring a run costs nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from .records import Trajectory
from .scenario import Judge as JudgeSpec
from .scenario import Scenario

DEFAULT_MODEL = "claude-sonnet-4-5"
CACHE_FILE = "judge-cache.jsonl"
MAX_BODY = 2000
MAX_STATE = 30000
MAX_CALLS = 200

VERDICT_TOOL: dict[str, Any] = {
    "name": "submit_verdict",
    "description": "Submit your verdict: the probability that the user is satisfied, and a short reason.",
    "input_schema": {
        "type": "object",
        "properties": {
            "probability": {"type": "number", "minimum": 0, "maximum": 1,
                            "description": "probability (0..1) that the user is satisfied with the outcome"},
            "reason": {"type": "string", "description": "one or two sentences on why"},
        },
        "required": ["probability", "reason"],
    },
}

SYSTEM = (
    "You judge whether an AI agent satisfied a user. You are given the user's request (the intent), "
    "a rubric written by the scenario's author, every call the agent made with what it returned, the "
    "final state of the systems it worked on, and the results of the author's deterministic checks. "
    "Judge the outcome for the user by the rubric. Answer only by calling submit_verdict."
)

_ENC = msgspec.json.Encoder(order="deterministic")


class Verdict(msgspec.Struct, omit_defaults=True):
    probability: float
    reason: str
    model: str = ""


class CacheEntry(msgspec.Struct):
    digest: str
    verdict: Verdict


_ENTRY = msgspec.json.Decoder(CacheEntry)


class JudgeError(Exception):
    """The judge did not give a usable verdict (API error, no tool call, bad input)."""


def _clip(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: limit - 20] + f"... [{len(s) - limit + 20} more]"


def _json(x: Any, limit: int) -> str:
    return _clip(_ENC.encode(x).decode(), limit)


def checks_block(t: Trajectory) -> str:
    failed = [c.id for c in t.checks if not c.passed]
    return "<checks>" + _ENC.encode({"passed": len(t.checks) - len(failed), "total": len(t.checks),
                                     "failed": failed}).decode() + "</checks>"


def prompt(scenario: Scenario, rubric: str, t: Trajectory, state: Any) -> str:
    """The user message the judge gets. Deterministic for the same inputs (cache key)."""
    calls = [f"{i}. {c.twin} {c.op} {_json(c.args, MAX_BODY)} -> {c.status} {_json(c.answer, MAX_BODY)}"
             for i, c in enumerate(t.calls[:MAX_CALLS])]
    if len(t.calls) > MAX_CALLS:
        calls.append(f"... {len(t.calls) - MAX_CALLS} more calls")
    parts = [
        f"<intent>\n{scenario.intent.strip()}\n</intent>",
        f"<rubric>\n{rubric.strip()}\n</rubric>",
        "<trajectory>\n" + ("\n".join(calls) if calls else "(the agent made no calls)") + "\n</trajectory>",
    ]
    if t.error:
        parts.append(f"<agent_error>{t.error}</agent_error>")
    parts.append(f"<final_state>\n{_json(state, MAX_STATE)}\n</final_state>")
    parts.append(checks_block(t))
    parts.append("Call submit_verdict with the probability that the user is satisfied.")
    return "\n\n".join(parts)


def digest(model: str, text: str) -> str:
    h = hashlib.sha256()
    for part in (model, SYSTEM, _ENC.encode(VERDICT_TOOL).decode(), text):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


class VerdictCache:
    """Verdicts by input digest, kept in a JSON-lines file (appended as verdicts arrive)."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path else None
        self.entries: dict[str, Verdict] = {}
        if self.path is not None and self.path.exists():
            for line in self.path.read_bytes().splitlines():
                try:
                    e = _ENTRY.decode(line)
                except msgspec.DecodeError:
                    continue
                self.entries[e.digest] = e.verdict

    def get(self, key: str) -> Verdict | None:
        return self.entries.get(key)

    def put(self, key: str, v: Verdict) -> None:
        self.entries[key] = v
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab") as f:
                f.write(_ENC.encode(CacheEntry(key, v)) + b"\n")


def make_client(base_url: str | None = None, api_key: str | None = None, http_client: Any = None) -> Any:
    """An anthropic.AsyncAnthropic for the judge (ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL by default)."""
    import anthropic

    kw: dict[str, Any] = {"max_retries": 2}
    if base_url:
        kw["base_url"] = base_url
    kw["api_key"] = api_key or os.environ.get("ANTHROPIC_API_KEY") or ("dtu-local" if base_url else None)
    if kw["api_key"] is None and not os.environ.get("ANTHROPIC_AUTH_TOKEN"):
        from .errors import DtuError

        raise DtuError("the judge needs ANTHROPIC_API_KEY, or --judge-base-url for an Anthropic-compatible "
                       "endpoint (e.g. `dtu serve`'s Anthropic twin with --judge-model dtu-judge)")
    if http_client is not None:
        kw["http_client"] = http_client
    return anthropic.AsyncAnthropic(**kw)


def parse_verdict(message: Any, model: str) -> Verdict:
    for block in getattr(message, "content", None) or []:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == "submit_verdict":
            data = getattr(block, "input", None) or {}
            p = data.get("probability") if isinstance(data, dict) else None
            if not isinstance(p, int | float) or isinstance(p, bool):
                raise JudgeError(f"submit_verdict without a numeric probability: {data!r}")
            return Verdict(min(1.0, max(0.0, float(p))), str(data.get("reason", ""))[:1000], model)
    raise JudgeError("the judge answered without calling submit_verdict")


class LLMJudge:
    """Asks a model for verdicts, through the cache; at most `concurrency` requests in flight."""

    def __init__(self, client: Any, model: str | None = None, cache: VerdictCache | None = None,
                 concurrency: int = 8, max_tokens: int = 512) -> None:
        self.client = client
        self.model = model  # overrides scenarios' own judge.model when set
        self.cache = cache or VerdictCache(None)
        self.limit = asyncio.Semaphore(concurrency)
        self.max_tokens = max_tokens
        self.requests = 0

    async def aclose(self) -> None:
        """Close the client's connections (on the loop that used them)."""
        close = getattr(self.client, "close", None)
        if close is not None:
            await close()

    def model_for(self, spec: JudgeSpec) -> str:
        return self.model or spec.model or DEFAULT_MODEL

    async def verdict(self, scenario: Scenario, t: Trajectory, state: Any) -> tuple[Verdict, bool]:
        """The verdict for one trajectory and whether it came from the cache."""
        spec = scenario.judge
        assert spec is not None
        model = self.model_for(spec)
        text = prompt(scenario, spec.rubric, t, state)
        key = digest(model, text)
        hit = self.cache.get(key)
        if hit is not None:
            return hit, True
        async with self.limit:
            self.requests += 1
            try:
                msg = await self.client.messages.create(
                    model=model, max_tokens=self.max_tokens, system=SYSTEM,
                    messages=[{"role": "user", "content": text}], tools=[VERDICT_TOOL],
                    tool_choice={"type": "tool", "name": "submit_verdict"})
            except Exception as e:
                raise JudgeError(f"{type(e).__name__}: {e}") from e
        v = parse_verdict(msg, model)
        self.cache.put(key, v)
        return v, False


def checks_ok(t: Trajectory) -> bool:
    return t.error is None and all(c.passed for c in t.checks)


def combine(spec: JudgeSpec, t: Trajectory, probability: float) -> bool:
    """Satisfaction from the checks and the judge, as the scenario says. An errored trial never satisfies.

    all: every check passes and probability >= threshold; any: either; weighted: (1 - weight) x
    the fraction of checks passed + weight x probability >= threshold."""
    if t.error is not None:
        return False
    judged = probability >= spec.threshold
    if spec.combine == "all":
        return checks_ok(t) and judged
    if spec.combine == "any":
        return checks_ok(t) or judged
    return (1.0 - spec.weight) * t.score + spec.weight * probability >= spec.threshold


def apply(spec: JudgeSpec, t: Trajectory, v: Verdict | None, cached: bool, error: str | None = None) -> Trajectory:
    """The trajectory with its judge verdict recorded and satisfaction recombined.

    Without a verdict (the judge failed) satisfaction is the checks' alone and the error is kept."""
    if v is None:
        return msgspec.structs.replace(t, satisfied=checks_ok(t), judge={"error": error or "no verdict"})
    return msgspec.structs.replace(t, satisfied=combine(spec, t, v.probability), judge={
        "probability": v.probability, "reason": v.reason, "cached": cached, "model": v.model})


StateOf = Callable[[Trajectory], Any]


async def judge_one(judge: LLMJudge, scenario: Scenario, t: Trajectory, state_of: StateOf) -> Trajectory:
    spec = scenario.judge
    if spec is None:
        return t
    try:
        state = state_of(t)
    except Exception as e:  # the final state could not be rebuilt: no verdict, the checks decide
        return apply(spec, t, None, False, f"cannot rebuild the final state: {type(e).__name__}: {e}")
    try:
        v, cached = await judge.verdict(scenario, t, state)
    except JudgeError as e:
        return apply(spec, t, None, False, str(e))
    return apply(spec, t, v, cached)


class JudgingSink:
    """Wraps a run's sink: trajectories of judged scenarios are judged before they are written."""

    def __init__(self, judge: LLMJudge, scenarios: dict[str, Scenario], state_of: StateOf,
                 sink: Callable[[Trajectory], None]) -> None:
        self.judge = judge
        self.scenarios = scenarios
        self.state_of = state_of
        self.sink = sink
        self.pending: set[asyncio.Task[None]] = set()

    def __call__(self, t: Trajectory) -> None:
        sc = self.scenarios.get(t.scenario)
        if sc is None or sc.judge is None:
            self.sink(t)
            return
        task = asyncio.get_running_loop().create_task(self._one(sc, t))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _one(self, sc: Scenario, t: Trajectory) -> None:
        self.sink(await judge_one(self.judge, sc, t, self.state_of))

    async def drain(self) -> None:
        while self.pending:
            await asyncio.gather(*list(self.pending))


def add_arguments(p: Any, switch: bool = True) -> None:
    """The judge's command-line options (dtu run with the --judge switch, dtu rescore without)."""
    if switch:
        p.add_argument("--judge", action="store_true",
                       help="score scenarios that carry a `judge:` rubric with an LLM judge (off by default)")
    p.add_argument("--judge-model", default=os.environ.get("DTU_JUDGE_MODEL"),
                   help=f"judge model for every scenario (default: the scenario's, else {DEFAULT_MODEL})")
    p.add_argument("--judge-base-url", default=os.environ.get("DTU_JUDGE_BASE_URL"),
                   help="Anthropic-compatible API base URL (default: ANTHROPIC_BASE_URL or Anthropic's)")
    p.add_argument("--judge-cache", default=None, metavar="FILE",
                   help=f"verdict cache file (default: RUN/{CACHE_FILE}); e.g. ~/.cache/dtu/judge/verdicts.jsonl")
    p.add_argument("--judge-concurrency", type=int, default=8, help="judge requests in flight (default 8)")


def from_arguments(args: Any, run_dir: str | os.PathLike[str], http_client: Any = None) -> LLMJudge:
    cache = Path(os.path.expanduser(args.judge_cache)) if args.judge_cache else Path(run_dir) / CACHE_FILE
    client = make_client(args.judge_base_url, http_client=http_client)
    return LLMJudge(client, args.judge_model, VerdictCache(cache), concurrency=args.judge_concurrency)
