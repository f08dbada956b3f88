"""A living world: people who act at world times and in reaction to events (runner/life_spec.py).

`Life.attach(world)` makes a world live: the world's clock fires scheduled actions as it passes
them (each at its own time, before the agent's call that crossed it), and every event the world
emits goes through each person's rules. Draws (whether a person acts, which outcome) come from
the trial's seed, the person, the rule and how often it fired: the same trial sees the same
people, whatever the agent's speed. `force` pins outcomes (`dtu lint` walks every one).

A person's reply written by a model (`persona:`) is composed only while the agent waits
(`world.sleep`, `wait_for`, a served world's clock): a reply that is due while the agent keeps
calling is held until it waits, so a trajectory never depends on how fast a model answered."""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from dtu.twins.core import Event, World, derive

from . import life_actions
from .life_spec import Act, Outcome, seconds
from .people import PersonSpec

Composer = Callable[[World, PersonSpec, Event | None, str], Awaitable[str]]
"""(world, person, the event they answer or None, the instruction) -> the text they write."""
MAX_ACTIONS = 1_000  # people's actions per world: a loop of people answering each other stops here

_STATUS = {"user.lifecycle.suspend": "SUSPENDED", "user.lifecycle.unsuspend": "ACTIVE",
           "user.lifecycle.activate": "ACTIVE", "user.lifecycle.reactivate": "ACTIVE",
           "user.lifecycle.deactivate": "DEPROVISIONED", "user.lifecycle.delete.initiated": "DELETED",
           "user.account.lock": "LOCKED_OUT", "user.account.unlock": "ACTIVE"}


class Pending:
    """An outcome waiting for its time."""

    __slots__ = ("act", "index", "outcome", "person", "t", "text", "trigger")

    def __init__(self, t: float, person: PersonSpec, act: Act, index: int, outcome: Outcome,
                 trigger: Event | None) -> None:
        self.t = t
        self.person = person
        self.act = act
        self.index = index
        self.outcome = outcome
        self.trigger = trigger
        self.text: dict[int, str] = {}  # composed texts, by action index

    def needs_text(self) -> list[int]:
        return [i for i, a in enumerate(self.outcome.do)
                if next(iter(a)) in ("post", "reply") and not life_actions.text_of(a) and i not in self.text]


class Life:
    """The people of one world."""

    def __init__(self, people: Sequence[PersonSpec], seed: int, *, force: Mapping[str, str] | None = None,
                 composer: Composer | None = None, aliases: Mapping[str, str] | None = None) -> None:
        self.everyone = list(people)
        self.people = [p for p in people if p.acts]
        self.seed = seed
        self.force = dict(force or {})
        self.aliases = dict(aliases or {})
        """A generated person's email -> how the scenario names them (`${boss.email}`), so `force`
        and lint can name their acts before the draw."""
        self.composer = composer
        self._heap: list[tuple[float, int, Pending]] = []
        self._held: list[Pending] = []  # due, waiting for a persona's text
        self._seq = 0
        self._seen: dict[tuple[int, int], int] = {}  # (person, act) -> matching events so far
        self.fired: dict[str, list[str]] = {}  # act key -> outcome ids drawn (for lint and reports)
        self.actions = 0
        self.next_due = math.inf
        self.ids: dict[tuple[str, str], str] = {}  # (email, twin) -> the person's id there
        self._rx: dict[str, re.Pattern[str]] = {}

    # -- wiring -------------------------------------------------------------------------------
    def attach(self, world: World) -> Life:
        world.life = self
        world.listeners.append(self.on_event)
        for person in self.people:
            for i, act in enumerate(person.acts):
                if act.at is not None:
                    self._decide(world, person, i, act, None, world.started + seconds(act.at))
        return self

    @staticmethod
    def key(person: PersonSpec, index: int) -> str:
        """How lint, reports and `force` name a person's act: `email#id` (or `email#<index>`)."""
        act = person.acts[index]
        return f"{person.email}#{act.id or index}"

    # -- deciding -----------------------------------------------------------------------------
    def _decide(self, world: World, person: PersonSpec, index: int, act: Act, trigger: Event | None,
                t: float) -> None:
        if world.deadline is not None and t > world.deadline:
            return  # they would act after the trial is over: nothing happens, nothing is drawn
        key = self.key(person, index)
        n = len(self.fired.get(key, ()))
        draw = derive(self.seed, "life", person.email, index, n)
        forced = self.force.get(key)
        if forced is None and person.email in self.aliases:
            forced = self.force.get(f"{self.aliases[person.email]}#{key.partition('#')[2]}")
        if forced == "(none)" or (act.chance < 1.0 and forced is None and (draw & 0xFFFFFFFF) / 2**32 >= act.chance):
            self.fired.setdefault(key, []).append("(none)")
            return
        outcomes = act.outcomes()
        chosen = self._choose(outcomes, draw >> 32, forced)
        self.fired.setdefault(key, []).append(chosen.id or str(outcomes.index(chosen)))
        if chosen.do:
            self._push(Pending(t, person, act, index, chosen, trigger))

    @staticmethod
    def _choose(outcomes: list[Outcome], bits: int, forced: str | None) -> Outcome:
        if forced is not None:
            for i, o in enumerate(outcomes):
                if forced in (o.id, str(i)):
                    return o
        total = sum(o.weight for o in outcomes)
        x = (bits & 0xFFFFFFFF) / 2**32 * total
        for o in outcomes:
            x -= o.weight
            if x < 0:
                return o
        return outcomes[-1]

    def _push(self, p: Pending) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (p.t, self._seq, p))
        self.next_due = self._heap[0][0]

    def on_event(self, world: World, ev: Event) -> None:
        for person in self.people:
            if ev.by == person.email:
                continue  # nobody reacts to what they did themselves
            for i, act in enumerate(person.acts):
                when = act.when
                if when is None or not self.matches(world, person, when, ev):
                    continue
                k = (id(person), i)
                n = self._seen[k] = self._seen.get(k, 0) + 1
                if n == when.nth or (when.repeat and n > when.nth):
                    self._decide(world, person, i, act, ev, ev.t + seconds(act.after))

    # -- matching -----------------------------------------------------------------------------
    def id_in(self, world: World, person: PersonSpec, twin: str) -> str:
        """The person's id in a twin ("" when they are not there)."""
        key = (person.email, twin)
        hit = self.ids.get(key)
        if hit is None:
            hit = self.ids[key] = life_actions.find_user(world, twin, person)
        return hit

    def matches(self, world: World, person: PersonSpec, when: Any, ev: Event) -> bool:
        if when.sender:
            if when.sender == "agent":
                if ev.by is not None:
                    return False
            elif (ev.by or "").lower() != when.sender.lower():
                return False
        kind = when.event
        me = self.id_in(world, person, ev.twin)
        if not me or ev.actor == me:
            return False
        data = ev.data
        if ev.twin == "slack":
            if kind in ("message", "dm", "mention", "buttons"):
                if ev.type != "message":
                    return False
                if kind == "dm" and data.get("channel_type") not in ("im", "mpim"):
                    return False
                if kind == "mention" and f"<@{me}" not in str(data.get("text", "")):
                    return False
                if kind == "buttons" and not life_actions.buttons(data):
                    return False
                if when.channel and life_actions.channel_name(world, str(data.get("channel", ""))) != \
                        when.channel.lstrip("#"):
                    return False
                if me not in ev.to and not life_actions.member(world, str(data.get("channel", "")), me):
                    return False
            elif kind == "reaction":
                if ev.type != "reaction_added" or data.get("item_user") != me:
                    return False
            else:
                return False
        elif ev.twin == "jira":
            if kind == "assigned":
                if me not in ev.to or not (ev.type == "jira:issue_created" or any(
                        (it.get("field") or "").lower() == "assignee" and it.get("to") == me
                        for it in (data.get("changelog") or {}).get("items") or [])):
                    return False
            elif kind == "commented":
                if ev.type != "comment_created" or me not in ev.to:
                    return False
            else:
                return False
        elif ev.twin == "google":
            if kind != "shared" or me not in ev.to:
                return False
        elif ev.twin == "okta":
            if kind != "status" or me not in ev.to or ev.type not in _STATUS:
                return False
            if when.status and _STATUS[ev.type] != when.status.upper():
                return False
        else:
            return False
        if when.contains:
            rx = self._rx.get(when.contains)
            if rx is None:
                rx = self._rx[when.contains] = re.compile(when.contains, re.IGNORECASE)
            if rx.search(life_actions.text_in(ev)) is None:
                return False
        return True

    # -- acting -------------------------------------------------------------------------------
    def fire(self, world: World, until: float) -> None:
        """Every pending outcome due by `until`, in time order; one that needs a persona's text
        is held until the agent waits (`run`)."""
        heap = self._heap
        while heap and heap[0][0] <= until:
            _, _, p = heapq.heappop(heap)
            if p.needs_text():
                self._held.append(p)
                continue
            self._perform(world, p, p.t)
        self._due()

    def _due(self) -> None:
        """`next_due`: the next pending outcome, a held one included (so whoever drives the
        clock while the agent waits, a served world's ticker too, lets it be written)."""
        heap = self._heap
        due = heap[0][0] if heap else math.inf
        if self._held:
            due = min(due, min(p.t for p in self._held))
        self.next_due = due

    async def run(self, world: World, until: float) -> None:
        while True:
            self.fire(world, until)
            if not self._held:
                return
            held, self._held = self._held, []
            for p in held:
                await self._compose(world, p)
                self._perform(world, p, max(p.t, world.env.now))
            self._due()

    async def _compose(self, world: World, p: Pending) -> None:
        for i in p.needs_text():
            spec = p.outcome.do[i]
            instruction = life_actions.instruction_of(spec)
            if self.composer is None:
                p.text[i] = instruction or "OK"
            else:
                p.text[i] = await self.composer(world, p.person, p.trigger, instruction)

    def _perform(self, world: World, p: Pending, at: float) -> None:
        for i, action in enumerate(p.outcome.do):
            if self.actions >= MAX_ACTIONS:
                return
            self.actions += 1
            life_actions.perform(world, self, p.person, action, p.trigger, at, p.text.get(i))
