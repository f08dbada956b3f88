"""The living world, through the public API: people's scheduled and reactive acts (runner/life.py)
as a world built by `Prepared` runs them, seeded draws across trials, forced outcomes, deadlines,
button clicks, and checks with `when:` and `within`."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from dtu.runner.checks import calls_view, events_view, people_view
from dtu.runner.engine import Prepared, RunOptions, run_trial, trial_seed
from dtu.runner.scenario import load_text
from dtu.twins.core import World
from dtu.twins.registry import TWINS

ME = "U0ME000001"
MARCUS = "U0MARCUS01"
BOB = "U0BOB00001"
DM_FROM_AGENT = "events[?type=='message' && by=='agent' && data.channel_type=='im']"


def prepared(acts: str, *, extra: str = "", checks: str = "", seed: int = 0) -> Prepared:
    """A scenario whose person Marcus has `acts` (YAML, indented as a list under `acts:`)."""
    text = textwrap.dedent("""\
        id: life-test
        title: life
        intent: x
        now: "2024-06-03T09:00:00Z"
        {extra}
        people:
          - {{name: Ida Admin, email: ida@acme.test, handle: ida, me: true, ids: {{slack: {me}}}}}
          - {{name: Bob Stone, email: bob@acme.test, handle: bob, ids: {{slack: {bob}}}}}
          - name: Marcus Chen
            email: marcus@acme.test
            handle: marcus
            ids: {{slack: {marcus}}}
            acts:
        {acts}
        seed:
          slack:
            channels:
              - {{id: C0ENG00001, name: eng, members: [ida, bob, marcus]}}
              - {{id: C0RANDOM01, name: random, members: [ida, bob, marcus]}}
        checks:
          - {{id: something, query: "calls", op: exists}}
        {checks}
        """).format(me=ME, bob=BOB, marcus=MARCUS, extra=extra, checks=checks,
                    acts=textwrap.indent(textwrap.dedent(acts).strip(), " " * 6))
    return Prepared(load_text("life-test.yaml", text), seed, dict(TWINS))


def person_calls(world: World, email: str = "marcus@acme.test") -> list[dict[str, Any]]:
    return [c for c in calls_view(world) if c["actor"] == email]


def dm(world: World, user: str, text: str, by: str | None = None) -> Any:
    """A DM to `user`: from the agent, or (by=email) from a person."""
    if by is None:
        ch = world.dispatch("slack", "conversations.open", {"users": user}).body["channel"]["id"]
        return world.dispatch("slack", "chat.postMessage", {"channel": ch, "text": text}).body
    sender = {"bob@acme.test": BOB}[by]
    body = world.act(by, "slack", "conversations.open", {"users": user}, sender, world.env.now).body
    return world.act(by, "slack", "chat.postMessage", {"channel": body["channel"]["id"], "text": text}, sender,
                     world.env.now).body


def post(world: World, channel: str, text: str, **more: Any) -> Any:
    return world.dispatch("slack", "chat.postMessage", {"channel": channel, "text": text, **more}).body


# -- scheduled acts ---------------------------------------------------------------------------------

async def test_a_scheduled_act_fires_at_its_world_time_with_its_actor() -> None:
    p = prepared("""
        - {at: "+15m", do: [{post: {channel: "#eng", text: "Standup in 5"}}]}
    """)
    world = p.world(1)
    await world.sleep(14 * 60)
    assert person_calls(world) == []
    await world.sleep(10 * 60)
    [call] = person_calls(world)
    assert (call["op"], call["t"], call["ok"]) == ("chat.postMessage", 900.0, True)
    [ev] = [e for e in events_view(world) if e["by"] == "marcus@acme.test"]
    assert (ev["type"], ev["t"], ev["actor"], ev["data"]["text"]) == ("message", 900.0, MARCUS, "Standup in 5")
    assert people_view(world) == {"marcus@acme.test": {"0": ["do"]}}


async def test_a_scheduled_act_lands_before_the_agent_call_that_crosses_it() -> None:
    p = prepared("""
        - {at: "+3s", do: [{post: {channel: "#eng", text: "early bird"}}]}
    """)
    world = p.world(1)
    for _ in range(5):
        world.dispatch("slack", "auth.test", {})
    order = [(c.actor, c.t - world.started) for c in world.calls]
    assert order == [(None, 1.0), (None, 2.0), ("marcus@acme.test", 3.0), (None, 3.0), (None, 4.0), (None, 5.0)]


# -- reactive rules ---------------------------------------------------------------------------------

async def test_a_reactive_rule_answers_after_its_delay() -> None:
    p = prepared("""
        - id: answer
          when: {event: dm, from: agent}
          after: 10m
          do: [{reply: "Approved"}]
    """)
    world = p.world(1)
    dm(world, MARCUS, "May Tom have access?")
    sent = world.elapsed
    assert await world.wait_for(lambda w: bool(person_calls(w)), 3600)
    [call] = person_calls(world)
    assert call["t"] == sent + 600
    reply = next(e for e in events_view(world) if e["by"] == "marcus@acme.test")
    assert reply["data"]["channel_type"] == "im" and reply["data"]["text"] == "Approved"
    assert ME in reply["to"]


@pytest.mark.parametrize(("when", "fires"), [
    ("{event: dm, from: agent}", True),
    ("{event: dm, from: bob@acme.test}", False),
    ("{event: message, channel: '#random'}", False),
    ("{event: message, channel: '#eng'}", True),
    ("{event: message, contains: 'deploy|release'}", True),
    ("{event: message, contains: 'outage'}", False),
    ("{event: mention}", False),
])
async def test_a_rule_fires_only_on_a_matching_event(when: str, fires: bool) -> None:
    p = prepared(f"""
        - {{id: r, when: {when}, after: 1m, do: [{{post: {{channel: "#random", text: "seen"}}}}]}}
    """)
    world = p.world(1)
    post(world, "C0ENG00001", "Release 4.2 DEPLOY tonight")
    dm(world, MARCUS, "the release is tonight")
    await world.sleep(3600)
    assert bool(person_calls(world)) is fires


async def test_from_names_a_person_and_mention_needs_an_at_mention() -> None:
    p = prepared("""
        - {id: from-bob, when: {event: dm, from: bob@acme.test}, do: [{reply: "hi Bob"}]}
        - {id: mentioned, when: {event: mention, channel: "#eng"}, after: 2m, do: [{reply: "on it"}]}
    """)
    world = p.world(1)
    post(world, "C0ENG00001", "Marcus, are you there?")  # his name, not a mention
    dm(world, MARCUS, "hello", by="bob@acme.test")
    await world.sleep(600)
    assert [c["args"]["text"] for c in person_calls(world) if c["op"] == "chat.postMessage"] == ["hi Bob"]
    msg = post(world, "C0ENG00001", f"<@{MARCUS}> can you look?")
    await world.sleep(600)
    replies = [c for c in person_calls(world) if c["op"] == "chat.postMessage"]
    assert replies[-1]["args"] == {"channel": "C0ENG00001", "text": "on it", "thread_ts": msg["ts"]}


async def test_nth_2_answers_only_the_reminder() -> None:
    p = prepared("""
        - {id: answer, when: {event: dm, from: agent, nth: 2}, after: 5m, do: [{reply: "Sorry, yes"}]}
    """)
    world = p.world(1)
    dm(world, MARCUS, "Could you approve?")
    assert not await world.wait_for(lambda w: bool(person_calls(w)), 7200)
    assert people_view(world) == {}
    dm(world, MARCUS, "Reminder: could you approve?")
    assert await world.wait_for(lambda w: bool(person_calls(w)), 7200)
    await world.sleep(3600)
    dm(world, MARCUS, "Thanks!")  # a third DM: nth fired once, no repeat
    await world.sleep(3600)
    assert len([c for c in person_calls(world) if c["op"] == "chat.postMessage"]) == 1
    assert people_view(world) == {"marcus@acme.test": {"answer": ["do"]}}


async def test_repeat_acts_on_every_event_from_the_nth_on() -> None:
    p = prepared("""
        - {id: ack, when: {event: dm, from: agent, nth: 2, repeat: true}, do: [{reply: "ack"}]}
    """)
    world = p.world(1)
    for i in range(4):
        dm(world, MARCUS, f"message {i}")
        await world.sleep(60)
    assert len([c for c in person_calls(world) if c["op"] == "chat.postMessage"]) == 3
    assert people_view(world)["marcus@acme.test"]["ack"] == ["do", "do", "do"]


async def test_people_do_not_react_to_themselves() -> None:
    p = prepared("""
        - {id: echo, when: {event: message, channel: "#eng", repeat: true}, do: [{post: {channel: "#eng", text: "echo"}}]}
    """)
    world = p.world(1)
    post(world, "C0ENG00001", "hello")
    await world.sleep(60)
    assert len(person_calls(world)) == 1


# -- draws --------------------------------------------------------------------------------------------

CHOOSE = """
    - id: decision
      at: "+1m"
      choose:
        - {id: approve, weight: 70, do: [{post: {channel: "#eng", text: "approve"}}]}
        - {id: deny, weight: 30, do: [{post: {channel: "#eng", text: "deny"}}]}
"""


async def drawn(p: Prepared, seed: int, act: str = "decision") -> list[str]:
    world = p.world(seed)
    await world.sleep(3600)
    return people_view(world).get("marcus@acme.test", {}).get(act, [])


async def test_choose_is_deterministic_per_trial_seed_and_weighted_across_trials() -> None:
    p = prepared(CHOOSE)
    seeds = [trial_seed(0, "life-test", k) for k in range(1000)]
    draws = [(await drawn(p, s))[0] for s in seeds]
    assert draws[:50] == [(await drawn(p, s))[0] for s in seeds[:50]]  # the same trial, the same people
    share = draws.count("approve") / len(draws)
    assert 0.65 <= share <= 0.75, share
    assert set(draws) == {"approve", "deny"}


async def test_chance_is_deterministic_and_proportional() -> None:
    p = prepared("""
        - {id: maybe, at: "+1m", chance: 0.3, do: [{post: {channel: "#eng", text: "here"}}]}
    """)
    seeds = [trial_seed(0, "life-test", k) for k in range(1000)]
    draws = [(await drawn(p, s, "maybe"))[0] for s in seeds]
    assert draws[:50] == [(await drawn(p, s, "maybe"))[0] for s in seeds[:50]]
    acted = draws.count("do") / len(draws)
    assert 0.25 <= acted <= 0.35, acted
    assert set(draws) == {"do", "(none)"}


async def test_the_draw_does_not_depend_on_the_agents_speed() -> None:
    p = prepared("""
        - id: answer
          when: {event: dm, from: agent}
          after: 5m
          choose:
            - {id: "yes", do: [{reply: "yes"}]}
            - {id: "no", do: [{reply: "no"}]}
    """)
    outcomes = []
    for busy in (0, 40):
        world = p.world(7)
        for _ in range(busy):
            world.dispatch("slack", "auth.test", {})
        dm(world, MARCUS, "well?")
        await world.sleep(3600)
        outcomes.append(people_view(world)["marcus@acme.test"]["answer"])
    assert outcomes[0] == outcomes[1]


async def test_forcing_pins_an_outcome_in_every_trial() -> None:
    p = prepared(CHOOSE)
    p.force = {"marcus@acme.test#decision": "deny"}
    assert {(await drawn(p, trial_seed(0, "life-test", k)))[0] for k in range(30)} == {"deny"}
    p.force = {"marcus@acme.test#decision": "(none)"}
    world = p.world(3)
    await world.sleep(3600)
    assert person_calls(world) == [] and people_view(world) == {"marcus@acme.test": {"decision": ["(none)"]}}
    p.force = None
    assert {(await drawn(p, trial_seed(0, "life-test", k)))[0] for k in range(30)} == {"approve", "deny"}


# -- deadline ---------------------------------------------------------------------------------------

async def test_after_the_deadline_calls_fail_and_nobody_acts() -> None:
    p = prepared("""
        - {id: early, at: "+30m", do: [{post: {channel: "#eng", text: "early"}}]}
        - {id: late, at: "+2h", do: [{post: {channel: "#eng", text: "late"}}]}
        - {id: slow, when: {event: dm, from: agent}, after: 50m, do: [{reply: "too late"}]}
    """, extra="deadline: 1h")
    world = p.world(1)
    await world.sleep(20 * 60)
    dm(world, MARCUS, "hello?")  # his answer would land at ~1h10m, past the deadline
    await world.sleep(5 * 3600)
    assert world.elapsed == 3600  # waiting stops at the deadline
    assert [c["args"]["text"] for c in person_calls(world)] == ["early"]
    world.env.now += 60
    reply = world.dispatch("slack", "auth.test", {})
    assert reply.status == 429 and world.calls[-1].fault == "deadline"
    assert not calls_view(world)[-1]["ok"]


class _Sleeper:
    """An agent that waits far past the deadline, then would keep calling forever."""

    name = "sleeper"

    async def run(self, task: Any, world: World) -> dict[str, Any]:
        await world.sleep(10 * 3600)
        while True:
            world.dispatch("slack", "auth.test", {})
            await world.sleep(1)


class _Busy:
    """An agent that never waits, and never stops calling."""

    name = "busy"

    async def run(self, task: Any, world: World) -> dict[str, Any]:
        import asyncio

        while True:
            world.dispatch("slack", "auth.test", {})
            await asyncio.sleep(0)


@pytest.mark.parametrize("agent", [_Sleeper(), _Busy()], ids=["waits-into-it", "calls-past-it"])
async def test_the_deadline_ends_the_trial_and_it_is_judged(agent: Any) -> None:
    """An agent that runs into the deadline is stopped there, not left retrying an error (a real
    SDK would sleep out the 429's Retry-After in wall time): the trial is judged as it stands."""
    p = prepared("""
        - {id: early, at: "+30m", do: [{post: {channel: "#eng", text: "early"}}]}
    """, extra="deadline: 1h")
    t = await run_trial(agent, p, 0, RunOptions(trials=1, timeout=30))
    assert t.error is None and t.info == {"deadline": "reached"}
    assert t.satisfied  # judged: its check (there are calls) holds
    assert [c.actor for c in t.calls if c.actor] == ["marcus@acme.test"]
    assert max(c.t for c in t.calls) - min(c.t for c in t.calls) <= 3600 + 1


# -- buttons ----------------------------------------------------------------------------------------

BUTTONS = [{"type": "actions", "block_id": "b1", "elements": [
    {"type": "button", "action_id": "ok", "value": "approve", "text": {"type": "plain_text", "text": "Approve"}},
    {"type": "button", "action_id": "no", "value": "reject", "text": {"type": "plain_text", "text": "Reject"}}]}]


async def test_a_click_emits_block_actions() -> None:
    p = prepared("""
        - {id: decide, when: {event: buttons, from: agent}, after: 3m, do: [{click: Reject}]}
    """)
    world = p.world(1)
    post(world, "C0ENG00001", "plain text, no buttons")
    ch = world.dispatch("slack", "conversations.open", {"users": MARCUS}).body["channel"]["id"]
    msg = post(world, ch, "Deploy?", blocks=BUTTONS)
    assert await world.wait_for(lambda w: any(e.type == "block_actions" for e in w.events), 3600)
    [ev] = [e for e in events_view(world) if e["type"] == "block_actions"]
    assert ev["by"] == "marcus@acme.test" and ev["actor"] == MARCUS and ev["to"] == [ME]
    assert ev["data"]["actions"][0]["value"] == "reject"
    assert ev["data"]["message"]["ts"] == msg["ts"]
    [click] = person_calls(world)
    assert (click["twin"], click["op"], click["ok"], click["t"]) == ("slack", "click", True, ev["t"])


async def test_a_click_on_a_missing_button_is_logged_as_failed() -> None:
    p = prepared("""
        - {id: decide, when: {event: buttons}, do: [{click: Maybe}]}
    """)
    world = p.world(1)
    post(world, "C0ENG00001", "Deploy?", blocks=BUTTONS)
    await world.sleep(60)
    [click] = person_calls(world)
    assert (click["op"], click["ok"], click["status"]) == ("click", False, 404)
    assert not [e for e in world.events if e.type == "block_actions"]


# -- checks with when and within ---------------------------------------------------------------------

class _Asker:
    """An oracle that DMs Marcus, waits for his answer, and posts the outcome in #eng."""

    name = "asker"
    oracle = True

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

    async def run(self, task: Any, world: World, plan: Any) -> None:
        dm(world, MARCUS, "Approve?")
        await world.wait_for(lambda w: any(e.by for e in w.events), 7200)
        await world.sleep(self.delay)
        answer = next(e.data["text"] for e in world.events if e.by)
        post(world, "C0ENG00001", f"Marcus said: {answer}")


CHECKS = """
  - id: approved
    when: "people.\\"marcus@acme.test\\".decision[?@=='approve']"
    query: "slack.channels.C0ENG00001.messages[?contains(text, 'approve')]"
    op: exists
  - id: denied
    when: "people.\\"marcus@acme.test\\".decision[?@=='deny']"
    query: "slack.channels.C0ENG00001.messages[?contains(text, 'deny')]"
    op: exists
  - id: quick
    query: "[events[?by=='marcus@acme.test'] | [0].t, events[?by=='agent' && data.channel=='C0ENG00001'] | [0].t]"
    op: within
    value: 10m
"""
DECISION = """
    - id: decision
      when: {event: dm, from: agent}
      after: 5m
      choose:
        - {id: approve, do: [{reply: "approve"}]}
        - {id: deny, do: [{reply: "deny"}]}
"""


@pytest.mark.parametrize("outcome", ["approve", "deny"])
async def test_a_check_for_another_outcome_is_not_applicable(outcome: str) -> None:
    p = prepared(DECISION, checks=CHECKS)
    p.force = {"marcus@acme.test#decision": outcome}
    t = await run_trial(_Asker(), p, 0, RunOptions(trials=1))
    results = {c.id: c for c in t.checks}
    assert t.satisfied, t.checks
    other = "denied" if outcome == "approve" else "approved"
    assert results[other].passed and results[other].actual == "not applicable"
    assert results["approved" if outcome == "approve" else "denied"].actual is None


async def test_within_measures_world_time_between_two_moments() -> None:
    p = prepared(DECISION, checks=CHECKS)
    fast = await run_trial(_Asker(delay=60), p, 0, RunOptions(trials=1))
    slow = await run_trial(_Asker(delay=3600), p, 0, RunOptions(trials=1))
    assert {c.id: c.passed for c in fast.checks}["quick"]
    quick = {c.id: c for c in slow.checks}["quick"]
    assert not quick.passed and not slow.satisfied
    start, end = (float(x) for x in quick.actual.strip("[]").split(","))
    assert end - start > 600


async def test_within_fails_when_the_second_moment_is_missing_or_first() -> None:
    p = prepared(DECISION, checks=CHECKS)

    class Early(_Asker):
        async def run(self, task: Any, world: World, plan: Any) -> None:
            post(world, "C0ENG00001", "Marcus will approve, surely")  # before he answered
            await super().run(task, world, plan)

    class Silent:
        name = "silent"
        oracle = True

        async def run(self, task: Any, world: World, plan: Any) -> None:
            dm(world, MARCUS, "Approve?")
            await world.sleep(3600)

    early = await run_trial(Early(), p, 0, RunOptions(trials=1))
    silent = await run_trial(Silent(), p, 0, RunOptions(trials=1))
    assert not {c.id: c.passed for c in early.checks}["quick"]
    assert not {c.id: c.passed for c in silent.checks}["quick"]


def test_generated_people_act_and_draw_per_trial() -> None:
    """A person of a generated organisation (`email: ${boss.email}`, a `vars:` draw) acts as a
    written person does: every trial draws its own manager, who answers in their own name."""
    from dtu.agents.scripted import ScriptedAgent
    from dtu.runner.engine import run_async
    from dtu.runner.scenario import BUNDLED, load_file

    p = Prepared(load_file(BUNDLED / "people" / "gen-leaver-manager-confirms.yaml"), 0, TWINS)
    opts = RunOptions(trials=1, timeout=60)
    intents, outcomes = set(), set()
    for k in range(12):
        t = run_async(run_trial(ScriptedAgent(), p, k, opts))
        assert t.satisfied, (k, t.checks)
        by = {c.actor for c in t.calls if c.actor is not None}
        assert len(by) == 1 and not next(iter(by)).startswith("${")  # the drawn manager, by their email
        variant = p.variant(t.seed)
        assert variant is not None
        assert variant.people[0].email in by
        intents.add(variant.intent)
    assert len(intents) > 1  # trials draw different leavers
    for force in ("confirmed", "denied"):
        p.force = {"${boss.email}#confirm": force}
        t = run_async(run_trial(ScriptedAgent(), p, 0, opts))
        outcomes.add(next(c.args["text"] for c in t.calls if c.actor is not None).split(" ")[0])
        assert t.satisfied
    assert outcomes == {"Yes,", "No!"}
