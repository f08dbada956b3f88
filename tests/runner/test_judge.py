"""The LLM judge: prompt and verdict through the real anthropic SDK against the Anthropic twin's
deterministic judge mode (probability = passed/total from the <checks> block), how a verdict
combines with the checks, the verdict cache, and `dtu run --judge` / `dtu rescore` end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dtu.runner import cli
from dtu.runner.checks import CheckResult
from dtu.runner.judge import LLMJudge, VerdictCache, apply, combine, make_client, prompt
from dtu.runner.records import Trajectory
from dtu.runner.results import RunDir
from dtu.runner.scenario import Judge, load_file
from dtu.twins.registry import TWINS

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "slack" / "launch-channel.yaml"
needs_twin = pytest.mark.skipif("anthropic" not in TWINS, reason="the Anthropic twin is not registered yet")


def traj(passed: list[bool], error: str | None = None) -> Trajectory:
    checks = [CheckResult(f"c{i}", p) for i, p in enumerate(passed)]
    return Trajectory(scenario="s", agent="a", trial=0, seed=1, satisfied=all(passed) and error is None,
                      score=sum(passed) / len(passed), checks=checks, calls=[], digest="d", error=error)


def twin_client() -> tuple[Any, Any]:
    """An AsyncAnthropic whose requests reach an in-process Anthropic twin world."""
    from dtu.agents.transport import WorldTransport
    from dtu.twins.core import SeedImage, World

    transport = WorldTransport()
    token = transport.add(World(SeedImage(TWINS, {}, 0, 0.0), 1))
    return make_client("http://anthropic.twin", token, transport.client()), transport


def scenario_with_judge(tmp_path: Path, combine: str = "all", threshold: float = 0.5) -> Path:
    text = BUNDLED.read_text() + (f"judge:\n  rubric: The launch channel exists and the team was told.\n"
                                  f"  combine: {combine}\n  threshold: {threshold}\n")
    p = tmp_path / "judged.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(("how", "passed", "p", "expected"), [
    ("all", [True, True], 0.9, True), ("all", [True, False], 0.9, False), ("all", [True, True], 0.2, False),
    ("any", [True, False], 0.9, True), ("any", [True, True], 0.0, True), ("any", [False, False], 0.1, False),
    ("weighted", [True, False], 0.9, True),  # 0.5*0.5 + 0.5*0.9 = 0.7
    ("weighted", [False, False], 0.9, False),  # 0.45
])
def test_combine_follows_the_scenario(how: str, passed: list[bool], p: float, expected: bool) -> None:
    spec = Judge(rubric="r", combine=how, weight=0.5, threshold=0.5)  # type: ignore[arg-type]
    assert combine(spec, traj(passed), p) is expected


def test_an_errored_trial_never_satisfies_whatever_the_judge_says() -> None:
    spec = Judge(rubric="r", combine="any")
    assert combine(spec, traj([True], error="timeout after 1s"), 1.0) is False


def test_prompt_carries_intent_rubric_calls_state_and_checks() -> None:
    sc = load_file(BUNDLED).scenario
    t = traj([True, False, True])
    text = prompt(sc, "RUBRIC-TEXT", t, {"slack": {"channels": {"C1": {"name": "zz-state"}}}})
    assert "Project Atlas" in text and "RUBRIC-TEXT" in text and "zz-state" in text
    assert '<checks>{"failed":["c1"],"passed":2,"total":3}</checks>' in text


@needs_twin
async def test_twin_judge_answers_passed_over_total_and_the_cache_saves_the_second_call(tmp_path: Path) -> None:
    sc = load_file(BUNDLED).scenario
    sc.judge = Judge(rubric="The launch went out.", combine="weighted", weight=0.5, threshold=0.7)
    client, _ = twin_client()
    judge = LLMJudge(client, "dtu-judge", VerdictCache(tmp_path / "cache.jsonl"))
    t = traj([True, True, True, False, True])
    v, cached = await judge.verdict(sc, t, {"slack": {}})
    assert (v.probability, cached, judge.requests) == (pytest.approx(0.8), False, 1)
    assert "c3" in v.reason
    out = apply(sc.judge, t, v, cached)
    assert out.satisfied is True  # 0.5 * 0.8 + 0.5 * 0.8 >= 0.7, though a check failed
    assert out.judge == {"probability": pytest.approx(0.8), "reason": v.reason, "cached": False, "model": "dtu-judge"}
    again, cached = await judge.verdict(sc, t, {"slack": {}})
    assert (again, cached, judge.requests) == (v, True, 1)
    fresh = LLMJudge(client, "dtu-judge", VerdictCache(tmp_path / "cache.jsonl"))
    _, cached = await fresh.verdict(sc, t, {"slack": {}})
    assert cached and fresh.requests == 0
    _, cached = await fresh.verdict(sc, t, {"slack": {"changed": True}})  # other inputs, other key
    assert not cached and fresh.requests == 1


class NoToolClient:
    """An AsyncAnthropic look-alike whose model answers in prose instead of calling the tool."""

    def __init__(self) -> None:
        self.messages = SimpleNamespace(create=self.create)
        self.seen: list[dict[str, Any]] = []

    async def create(self, **kw: Any) -> Any:
        self.seen.append(kw)
        return SimpleNamespace(content=[SimpleNamespace(type="text", text="looks fine to me")])


async def test_a_judge_that_does_not_call_the_tool_leaves_the_checks_in_charge() -> None:
    from dtu.runner.judge import judge_one

    sc = load_file(BUNDLED).scenario
    sc.judge = Judge(rubric="r", combine="any")
    fake = NoToolClient()
    out = await judge_one(LLMJudge(fake, "m"), sc, traj([True, False]), lambda t: {})
    assert out.satisfied is False
    assert out.judge is not None and "submit_verdict" in out.judge["error"]
    broken = await judge_one(LLMJudge(fake, "m"), sc, traj([True, True]), lambda t: 1 / 0)
    assert broken.satisfied and broken.judge is not None and "ZeroDivisionError" in broken.judge["error"]
    req = fake.seen[0]
    assert req["tool_choice"] == {"type": "tool", "name": "submit_verdict"}
    assert req["tools"][0]["name"] == "submit_verdict"


@needs_twin
def test_run_with_judge_then_rescore_from_the_cache(tmp_path: Path, server: Any, monkeypatch: Any,
                                                    capsys: Any) -> None:
    """`dtu run --judge` against the Anthropic twin over HTTP, then `dtu rescore` costs no request."""
    world = server.world()
    monkeypatch.setenv("ANTHROPIC_API_KEY", world["token"])
    path = scenario_with_judge(tmp_path, combine="all", threshold=0.9)
    out = tmp_path / "runs"
    rc = cli.main(["run", str(path), "--out", str(out), "--trials", "3", "--quiet", "--judge",
                   "--judge-model", "dtu-judge", "--judge-base-url", server.url])
    assert rc == 0
    (run,) = out.glob("*/")
    ts = list(RunDir(run).trajectories())
    assert len(ts) == 3
    for t in ts:
        assert t.judge is not None and t.judge["probability"] == 1.0 and t.judge["cached"] is False
        assert t.satisfied
    assert (run / "judge-cache.jsonl").read_text().count("\n") == 3  # each trial's world has its own ids
    capsys.readouterr()
    assert cli.main(["rescore", str(run), "--judge-model", "dtu-judge", "--judge-base-url", server.url,
                     "--quiet"]) == 0
    said = capsys.readouterr().out
    assert "3 judged, 3 verdicts from the cache, 0 judge requests" in said
    assert all(t.judge and t.judge["cached"] for t in RunDir(run).trajectories())


@needs_twin
def test_judge_in_process_through_the_twin_transport(tmp_path: Path) -> None:
    """The same verdicts without sockets: the engine's judging sink with an in-process client."""
    from dtu.agents.scripted import ScriptedAgent
    from dtu.runner.engine import RunOptions, prepare, run_all, run_async
    from dtu.runner.judge import JudgingSink
    from dtu.runner.replay import replay

    ld = load_file(scenario_with_judge(tmp_path, combine="all", threshold=0.5))
    prepared = prepare([ld], 0)
    client, _ = twin_client()
    judge = LLMJudge(client, "dtu-judge")
    got: list[Trajectory] = []

    class Skipper(ScriptedAgent):
        async def run(self, task: Any, world: Any, plan: Any) -> None:
            await super().run(task, world, plan[:-1] if task.trial % 2 else plan)

    async def main() -> None:
        sink = JudgingSink(judge, {ld.id: ld.scenario}, lambda t: replay(prepared[0], t).view(), got.append)
        await run_all([Skipper("skipper")], prepared, RunOptions(trials=4, seed=0), sink)
        await sink.drain()

    run_async(main())
    got.sort(key=lambda t: t.trial)
    assert [t.judge["probability"] if t.judge else None for t in got] == [1.0, 0.8, 1.0, 0.8]
    assert [t.satisfied for t in got] == [True, False, True, False]
    assert asyncio.iscoroutinefunction(judge.verdict)


def test_a_judge_without_a_key_or_endpoint_is_a_clear_error(tmp_path: Path, monkeypatch: Any,
                                                           capsys: Any) -> None:
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "DTU_JUDGE_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    rc = cli.main(["run", str(scenario_with_judge(tmp_path)), "--out", str(tmp_path / "runs"), "--trials", "1",
                   "--quiet", "--judge"])
    assert rc == 2
    assert "the judge needs ANTHROPIC_API_KEY" in capsys.readouterr().err


def test_without_judge_flag_a_judged_scenario_is_scored_by_checks_and_dtu_says_so(tmp_path: Path, capsys: Any) -> None:
    rc = cli.main(["run", str(scenario_with_judge(tmp_path)), "--out", str(tmp_path / "runs"), "--trials", "2"])
    assert rc == 0
    assert "1 scenarios carry a judge rubric; they are scored by their checks alone" in capsys.readouterr().err
    (run,) = (tmp_path / "runs").glob("*/")
    assert all(t.judge is None and t.satisfied for t in RunDir(run).trajectories())
