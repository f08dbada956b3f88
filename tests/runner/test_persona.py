"""LLM personas (runner/persona.py): a person's replies written by a model through the anthropic SDK
(here the Anthropic twin, in-process), cached by (scenario, trial seed, person, conversation,
instruction) in memory and in the run folder, and prompted with the person's own view only."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dtu.agents.scripted import ScriptedAgent
from dtu.runner import persona
from dtu.runner.engine import Prepared, RunOptions, run_trial
from dtu.runner.records import Trajectory
from dtu.runner.scenario import BUNDLED, load_file
from dtu.twins.registry import TWINS

SCENARIO = BUNDLED / "people" / "persona-clarifying-question.yaml"
ANSWERS = {"priya.nair@acme.test#answer": "answers"}
SAY = "finance-reports, please: I only need to read the quarterly reports. Not finance-admin."

# A persona with a DM history of her own, beside conversations she is not in; checks and the
# reference carry markers that must never reach her prompt.
PROBE = """\
id: persona-probe
title: A persona sees only her own conversation
intent: Ask Priya which group she needs.
now: "2024-06-10T09:00:00Z"
people:
  - {name: Ida Admin, email: it.admin@acme.test, handle: itadmin, me: true, ids: {slack: U0ITADMIN1}}
  - name: Priya Nair
    email: priya.nair@acme.test
    handle: priya
    title: Financial Analyst
    manager: omar@acme.test
    ids: {slack: U0PRIYANA1}
    persona: Priya needs the finance-reports group. PERSONA-MARKER-4411
    acts:
      - id: answer
        when: {event: dm, from: agent, contains: "ASK"}
        after: 5m
        do: [{reply: {say: "finance-reports please"}}]
  - {name: Omar Haddad, email: omar@acme.test, handle: omar, title: Finance Director, ids: {slack: U0OMAR0001}}
  - {name: Leo Brandt, email: leo@acme.test, handle: leo, ids: {slack: U0LEO00001}}
seed:
  slack:
    channels:
      - {id: D0IDAPRIYA, name: ida-priya, im: true, members: [itadmin, priya],
         messages: [{user: priya, text: "OLD-OWN-DM-7001 hi, I need finance access"}]}
      - {id: D0PRIYALEO, name: priya-leo, im: true, members: [priya, leo],
         messages: [{user: leo, text: "OTHER-CONVERSATION-7002 lunch?"}]}
      - {id: D0IDAOMAR1, name: ida-omar, im: true, members: [itadmin, omar],
         messages: [{user: omar, text: "NOT-HER-DM-7003 keep this between us"}]}
reference:
  - {twin: slack, op: chat.postMessage, args: {channel: D0IDAOMAR1, text: "REF-MARKER-7004 for Omar only"}}
  - {twin: slack, op: chat.postMessage, args: {channel: D0IDAPRIYA, text: "ASK-7005 which group do you need?"}}
  - {wait_for: "events[?by=='priya.nair@acme.test']", timeout: 1h}
checks:
  - id: CHECK-MARKER-7006
    query: "events[?by=='priya.nair@acme.test' && contains(data.text, 'CHECK-VALUE-7007')]"
    op: absent
"""


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The twin writes, never a real model a developer's key would reach."""
    for k in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", persona.MODEL_ENV):
        monkeypatch.delenv(k, raising=False)


def _prepared(path: Path = SCENARIO, force: dict[str, str] | None = None) -> Prepared:
    p = Prepared(load_file(path), 0, TWINS)
    p.force = force
    return p


def _trial(p: Prepared, trial: int = 0) -> Trajectory:
    return asyncio.run(run_trial(ScriptedAgent(), p, trial, RunOptions(trials=1, timeout=30)))


def _replies(t: Trajectory, email: str) -> list[str]:
    return [c.args["text"] for c in t.calls if c.actor == email and c.op == "chat.postMessage"]


def test_replies_go_through_the_sdk_to_the_twin(tmp_path: Path) -> None:
    p = _prepared(force=ANSWERS)
    writer = persona.attach([p], tmp_path)
    assert writer is not None and isinstance(p.composer, persona.Persona)
    t = _trial(p)
    assert t.satisfied, [c.id for c in t.checks if not c.passed]
    assert _replies(t, "priya.nair@acme.test") == [SAY]  # the twin writes no prose: the say: text
    # the model was asked once, through the SDK, on the writer's private twin world
    assert writer.world is not None
    [call] = writer.world.calls
    assert (call.twin, call.op, call.status, call.args["model"]) == ("anthropic", "messages.create", 200, "dtu-twin")
    assert writer.world.ctx("anthropic").state.usage.requests == 1
    assert not [c for c in t.calls if c.twin == "anthropic"]  # nothing of it in the trial's own log
    assert t.info["persona"] == {"model": "dtu-twin", "kind": "twin", "replies": 1, "cached": 0}
    [line] = (tmp_path / persona.CACHE_FILE).read_text().splitlines()
    entry = json.loads(line)
    assert entry["text"] == SAY and entry["person"] == "priya.nair@acme.test" and entry["seed"] == t.seed


def test_a_rerun_reads_the_cache_and_calls_no_model(tmp_path: Path) -> None:
    p = _prepared(force=ANSWERS)
    first = persona.attach([p], tmp_path)
    a = _trial(p, 3)
    again = _trial(p, 3)  # the same run: the in-memory cache answers
    assert first is not None and first.world is not None and len(first.world.calls) == 1
    assert again.info["persona"]["cached"] == 1 and _replies(again, "priya.nair@acme.test") == [SAY]

    q = _prepared(force=ANSWERS)  # a rerun (`dtu run --resume`): a new process reads the run folder's file
    second = persona.attach([q], tmp_path)
    b = _trial(q, 3)
    assert second is not None and second.client is None and second.world is None  # no model was even opened
    assert b.info["persona"] == {"model": "dtu-twin", "kind": "twin", "replies": 1, "cached": 1}
    assert _replies(b, "priya.nair@acme.test") == _replies(a, "priya.nair@acme.test")
    assert b.digest == a.digest
    # another trial (another seed) is another conversation: the model is asked
    c = _trial(q, 4)
    assert c.info["persona"]["cached"] == 0 and second.world is not None and len(second.world.calls) == 1


def test_a_cached_text_is_what_the_person_says(tmp_path: Path) -> None:
    """The cache, not the model, decides a rerun's reply: a real model's text recorded in a run
    folder is replayed word for word."""
    p = _prepared(force=ANSWERS)
    persona.attach([p], tmp_path)
    _trial(p, 1)
    path = tmp_path / persona.CACHE_FILE
    entry = json.loads(path.read_text())
    entry["text"] = "Only finance-reports for me, thanks!"
    path.write_text(json.dumps(entry) + "\n" + "{broken line\n")
    q = _prepared(force=ANSWERS)
    persona.attach([q], tmp_path)
    t = _trial(q, 1)
    assert _replies(t, "priya.nair@acme.test") == ["Only finance-reports for me, thanks!"] and t.satisfied


def test_the_prompt_holds_the_persons_own_view_only(tmp_path: Path) -> None:
    f = tmp_path / "probe.yaml"
    f.write_text(PROBE)
    p = _prepared(f)
    writer = persona.attach([p], None)
    assert writer is not None
    t = _trial(p)
    assert _replies(t, "priya.nair@acme.test") == ["finance-reports please"]
    assert writer.world is not None
    [call] = writer.world.calls
    sent = json.dumps(call.args)  # everything the model was sent
    system, prompt = call.args["system"], call.args["messages"][0]["content"]
    assert "PERSONA-MARKER-4411" in system and "Priya Nair" in system and "Financial Analyst" in system
    assert "Omar Haddad (Finance Director)" in system  # her manager, by name
    assert "OLD-OWN-DM-7001" in prompt and "ASK-7005" in prompt  # her own DM with the agent, in order
    assert prompt.index("OLD-OWN-DM-7001") < prompt.index("ASK-7005")
    assert "[Priya Nair (you)]" in prompt and "[Ida Admin]" in prompt
    assert "What to say, in your own words: finance-reports please" in prompt
    for hidden in ("OTHER-CONVERSATION-7002", "NOT-HER-DM-7003", "REF-MARKER-7004", "CHECK-MARKER-7006",
                   "CHECK-VALUE-7007", "wait_for", "checks"):
        assert hidden not in sent, hidden


def test_a_thread_is_the_conversation_of_a_reply_in_it(tmp_path: Path) -> None:
    from dtu.twins.core import Event

    f = tmp_path / "probe.yaml"
    f.write_text(PROBE.replace("seed:\n  slack:\n    channels:\n", """seed:
  slack:
    channels:
      - {id: C0FINANCE1, name: finance, members: [itadmin, priya, omar],
         messages: [{user: omar, text: "TOP-LEVEL-1 quarter closes Friday"},
                    {user: priya, text: "THREAD-ROOT-2 who owns the reports?", ts: "1717990000.000100",
                     replies: [{user: omar, text: "THREAD-REPLY-3 I do"}]}]}
""", 1))
    p = _prepared(f)
    world = p.world(1)
    person = next(x for x in p.scenario.people if x.persona)
    thread = Event("slack", "message", world.env.now, "U0OMAR0001",
                   {"channel": "C0FINANCE1", "ts": "1717990100.000200", "thread_ts": "1717990000.000100",
                    "channel_type": "channel", "text": "THREAD-REPLY-3 I do"})
    where, convo = persona.view_of(world, person, thread)
    assert where == "the channel #finance (a thread)"
    assert [text for _, text in convo] == ["THREAD-ROOT-2 who owns the reports?", "THREAD-REPLY-3 I do"]
    top = Event("slack", "message", world.env.now, "U0OMAR0001",
                {"channel": "C0FINANCE1", "ts": "1717990200.000300", "channel_type": "channel", "text": "x"})
    assert [text for _, text in persona.view_of(world, person, top)[1]] == [
        "TOP-LEVEL-1 quarter closes Friday", "THREAD-ROOT-2 who owns the reports?"]
    # a conversation she is not in shows nothing
    other = Event("slack", "message", world.env.now, "U0OMAR0001",
                  {"channel": "D0IDAOMAR1", "ts": "1.0", "channel_type": "im", "text": "x"})
    assert persona.view_of(world, person, other) == ("", [])


def test_a_key_picks_the_real_api_and_its_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-used")
    w = persona.Writer()
    assert (w.kind, w.model) == ("api", persona.DEFAULT_MODEL)
    monkeypatch.setenv(persona.MODEL_ENV, "claude-sonnet-4-5")
    assert persona.Writer().model == "claude-sonnet-4-5"
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    assert (persona.Writer().kind, persona.Writer().model) == ("twin", "dtu-twin")


def test_a_model_that_fails_costs_nothing_but_the_text(tmp_path: Path) -> None:
    class Broken(persona.Writer):
        async def write(self, system: str, prompt: str) -> str:
            raise ConnectionError("no route")

    p = _prepared(force=ANSWERS)
    p.composer = persona.Persona(p.scenario.id, p.scenario.people, persona.Cache(tmp_path / "c.jsonl"), Broken())
    t = _trial(p)
    assert t.satisfied and _replies(t, "priya.nair@acme.test") == [SAY]
    assert t.info["persona"]["errors"] == 1 and not (tmp_path / "c.jsonl").exists()  # a failure is not cached


def test_scenarios_without_personas_get_no_composer() -> None:
    p = Prepared(load_file(BUNDLED / "people" / "access-approval.yaml"), 0, TWINS)
    assert persona.attach([p], None) is None and p.composer is None


def test_dtu_run_writes_the_cache_and_records_where_replies_came_from(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    proc = subprocess.run([sys.executable, "-m", "dtu.runner", "run", str(SCENARIO), "--trials", "4", "--out", str(out),
                           "--quiet"], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in __import__("os").environ.items() if not k.startswith("ANTHROPIC")})
    assert proc.returncode == 0, proc.stderr
    [run] = [d for d in out.iterdir() if d.is_dir() and not d.is_symlink()]
    lines = (run / persona.CACHE_FILE).read_text().splitlines()
    from dtu.runner.results import RunDir

    trajectories = list(RunDir(run).trajectories())
    said: Any = [t.info.get("persona") for t in trajectories]
    answered = [s for s in said if s]
    assert len(lines) == len(answered) and all(s["model"] == "dtu-twin" and s["cached"] == 0 for s in answered)
    assert all(t.satisfied for t in trajectories)


def test_a_served_worlds_personas_write_too() -> None:
    """`dtu serve` (a Hub) gives a persona scenario a composer, and closes its model client."""
    from dtu.runner.hub import Hub

    hub = Hub(TWINS)
    p = hub.add_scenario(load_file(BUNDLED / "people" / "persona-clarifying-question.yaml"))
    assert isinstance(p.composer, persona.Persona) and len(hub.writers) == 1
    plain = hub.add_scenario(load_file(BUNDLED / "people" / "access-approval.yaml"))
    assert plain.composer is None and len(hub.writers) == 1

    async def serve_and_stop() -> None:
        async for _ in hub.ticking():
            break

    asyncio.run(serve_and_stop())
