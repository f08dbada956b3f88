"""LLM personas: a person with `persona:` (a short description) has their replies written by a model.

    people:
      - name: Tom Reed
        email: tom.reed@acme.test
        persona: An analyst who needs the finance-reports group, not finance-admin. Brief, friendly.
        acts:
          - when: {event: dm, from: agent}
            after: 10m
            do: [{reply: {say: "finance-reports (read-only), not finance-admin"}}]

`Persona` is runner/life.py's `Composer`: Life calls it, only while the agent waits, for a
`post` or `reply` without literal text. It writes through the anthropic SDK's `AsyncAnthropic`:
- with ANTHROPIC_API_KEY set, the real API (model `DTU_PERSONA_MODEL`, default `claude-haiku-4-5`);
- otherwise the Anthropic twin in-process, through the same httpx transport the anthropic agent
  uses (agents/transport.py), on a private world of its own: nothing the persona writes through
  is logged in the trial's world. The twin's plan-less model cannot write prose (it answers
  `Done.`), so with the twin the reply is the act's `say:` instruction, verbatim: a scenario
  whose checks need a fact in the reply puts the fact in `say:`. A real model's empty answer
  falls back the same way.

The prompt holds the persona's description, who they are (name, title, manager), the
instruction, and their own view only: the messages of the conversation the trigger happened in
(a DM or a channel they are a member of; the thread, for a reply in one), read from the Slack
twin's state. Never the checks, the reference, or a conversation they are not in.

Replies are cached by (scenario id, trial seed, person, the conversation so far, instruction):
in memory for the run, and in the run folder's `persona-cache.jsonl`, which a rerun
(`dtu run --resume`) reads instead of calling the model. The trajectory's info says where the
replies came from: `info["persona"] = {"model", "kind", "replies", "cached"}`."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

from dtu.twins.core import Event, SeedImage, World

from .people import PersonSpec

__all__ = ["CACHE_FILE", "DEFAULT_MODEL", "Cache", "Persona", "Writer", "attach", "view_of"]

CACHE_FILE = "persona-cache.jsonl"
DEFAULT_MODEL = "claude-haiku-4-5"
MODEL_ENV = "DTU_PERSONA_MODEL"
MAX_MESSAGES = 40  # the conversation's last messages a persona is shown
MAX_TOKENS = 300
_ROTATE = 5_000  # model calls a private twin world keeps in its log before a fresh one serves

SYSTEM = """You play {name}, a person at work, in a simulation used to test an assistant. \
Stay in character. Write only the text of your next chat message: plain, short (one to three \
sentences), in your own voice, with no quotes around it, no name prefix, no sign-off. Never say \
that you are an AI, a model or part of a test.

Who you are: {who}
{persona}"""


# -- the cache --------------------------------------------------------------------------------------
class Cache:
    """Persona replies by key: in memory, and appended to a JSON-lines file when one is given."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path else None
        if self.path is not None and not self.path.parent.is_dir():  # a shard far from the run folder
            self.path = None
        self.entries: dict[str, str] = {}
        self._lock = threading.Lock()
        if self.path is not None and self.path.exists():
            for line in self.path.read_bytes().splitlines():
                try:
                    entry = orjson.loads(line)
                except orjson.JSONDecodeError:  # a line cut short by a crash: the rest still counts
                    continue
                if isinstance(entry, dict) and isinstance(entry.get("key"), str) and isinstance(entry.get("text"), str):
                    self.entries[entry["key"]] = entry["text"]

    def get(self, key: str) -> str | None:
        return self.entries.get(key)

    def put(self, key: str, text: str, **meta: Any) -> None:
        self.entries[key] = text
        if self.path is None:
            return
        line = orjson.dumps({"key": key, "text": text, **meta}) + b"\n"
        with self._lock, open(self.path, "ab") as f:  # one write per line: shards append side by side
            f.write(line)


def key_of(scenario: str, trial_seed: int, email: str, conversation: Sequence[tuple[str, str]],
           instruction: str) -> str:
    data = orjson.dumps([scenario, trial_seed, email.lower(), [list(m) for m in conversation], instruction])
    return hashlib.sha256(data).hexdigest()


# -- the model --------------------------------------------------------------------------------------
class Writer:
    """The model personas write with: the real API with a key, else the Anthropic twin in-process
    (on a private world, so no trial's log holds the persona's model calls)."""

    def __init__(self, model: str | None = None) -> None:
        self.key = os.environ.get("ANTHROPIC_API_KEY") or ""
        self.kind = "api" if self.key else "twin"
        if self.kind == "api":
            self.model = model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
        else:
            from dtu.twins.anthropic.catalog import TWIN_MODEL

            self.model = model or TWIN_MODEL
        self.client: Any = None
        self._loop: Any = None  # the event loop the client was made on (a real client's pool is bound to it)
        self.world: World | None = None  # the twin's private world (tests read its log)
        self._transport: Any = None
        self._token = ""

    def _twin_world(self) -> World:
        from dtu.twins.registry import TWINS

        image = SeedImage({"anthropic": TWINS["anthropic"]}, {"anthropic": {}}, 0, 0.0)
        return World(image, 0, "persona", max_steps=10**9)

    def _open(self) -> Any:
        import asyncio

        import anthropic

        self._loop = asyncio.get_running_loop()
        if self.kind == "api":
            self.client = anthropic.AsyncAnthropic(api_key=self.key)
            return self.client
        from dtu.agents.transport import WorldTransport
        from dtu.twins.registry import TWINS

        self._transport = WorldTransport({"anthropic": TWINS["anthropic"]})
        self.world = self._twin_world()
        self._token = self._transport.add(self.world)
        self.client = anthropic.AsyncAnthropic(api_key=self._token, base_url="http://anthropic.dtu.invalid",
                                               http_client=self._transport.client(), max_retries=0)
        return self.client

    async def write(self, system: str, prompt: str) -> str:
        """The model's text for one prompt (empty when it wrote none)."""
        import asyncio

        client = self.client
        if client is None or (self.kind == "api" and self._loop is not asyncio.get_running_loop()):
            client = self._open()
        if self.world is not None and len(self.world.calls) >= _ROTATE:  # keep the private log bounded
            self._transport.remove(self._token)
            self.world = self._twin_world()
            self._token = self._transport.add(self.world)
        msg = await client.messages.create(model=self.model, max_tokens=MAX_TOKENS, system=system,
                                           messages=[{"role": "user", "content": prompt}])
        return "".join(getattr(b, "text", "") for b in msg.content if getattr(b, "type", "") == "text").strip()

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None


# -- what a persona sees ----------------------------------------------------------------------------
def _slack_id(world: World, person: PersonSpec) -> str:
    from .life_actions import find_user

    return find_user(world, "slack", person)


def view_of(world: World, person: PersonSpec, trigger: Event | None) -> tuple[str, list[tuple[str, str]]]:
    """(where, [(who, text), ...]): the conversation the trigger happened in, as the person sees it
    in Slack (a DM or channel they are a member of; the thread for a threaded message). Empty
    for a conversation they are not in, and for a trigger elsewhere than Slack (its own text only)."""
    if trigger is None:
        return "", []
    if trigger.twin != "slack":
        from .life_actions import text_in

        text = text_in(trigger).strip()
        return trigger.twin, [("someone", text)] if text else []
    me = _slack_id(world, person)
    state = world.ctx("slack").state
    channel = str(trigger.data.get("channel", "") if not isinstance(trigger.data.get("channel"), dict)
                  else trigger.data["channel"].get("id", ""))
    ch = state.channels.get(channel)
    if ch is None or not me or (me not in ch.members and ch.user != me):
        return "", []
    users = state.users

    def name(uid: str) -> str:
        if uid == me:
            return f"{person.name} (you)"
        u = users.get(uid)
        return (u.real_name or u.name) if u is not None else uid

    if ch.is_im:
        other = next((m for m in ch.members if m != me), ch.user or "")
        where = f"a direct message with {name(other)}" if other and other != me else "a direct message"
    elif ch.is_mpim:
        where = "a group direct message with " + ", ".join(name(m) for m in ch.members if m != me)
    else:
        where = f"the channel #{ch.name}"
    root = trigger.data.get("thread_ts")
    if root:
        where += " (a thread)"
        msgs = [m for m in ch.messages if m.ts == root or m.thread_ts == root]
    else:
        msgs = [m for m in ch.messages if not m.thread_ts or m.thread_ts == m.ts]
    return where, [(name(m.user), m.text) for m in msgs[-MAX_MESSAGES:] if m.text]


def _who(person: PersonSpec, people: Iterable[PersonSpec]) -> str:
    parts = [person.name]
    if person.title:
        parts.append(person.title)
    if person.department:
        parts.append(f"in {person.department}")
    who = ", ".join(parts)
    if person.manager:
        boss = next((p for p in people if p.email.lower() == person.manager.lower()), None)
        if boss is not None:
            who += f"; your manager is {boss.name}" + (f" ({boss.title})" if boss.title else "")
    return who + "."


def prompt_of(where: str, conversation: Sequence[tuple[str, str]], instruction: str) -> str:
    lines = []
    if conversation:
        lines.append(f"The conversation so far, in {where}, oldest first:")
        lines.append("<conversation>")
        lines += [f"[{who}]: {text}" for who, text in conversation]
        lines.append("</conversation>")
    else:
        lines.append("You are starting a new message.")
    lines.append("")
    lines.append(f"What to say, in your own words: {instruction}" if instruction else
                 "Answer the last message as you would.")
    lines.append("Write your message now.")
    return "\n".join(lines)


# -- the composer -----------------------------------------------------------------------------------
class Persona:
    """runner/life.py's Composer for one scenario's people, on a run's shared cache and writer."""

    def __init__(self, scenario_id: str, people: Sequence[PersonSpec], cache: Cache | None = None,
                 writer: Writer | None = None) -> None:
        self.scenario_id = scenario_id
        self.people = list(people)
        self.cache = cache if cache is not None else Cache()
        self.writer = writer if writer is not None else Writer()
        self.prompts: list[tuple[str, str]] = []  # (system, prompt) of the last model calls (for tests)

    def system_of(self, person: PersonSpec) -> str:
        return SYSTEM.format(name=person.name, who=_who(person, self.people),
                             persona=person.persona.strip()).strip()

    async def __call__(self, world: World, person: PersonSpec, trigger: Event | None, instruction: str) -> str:
        stats = _stats(world, self.writer)
        where, conversation = view_of(world, person, trigger)
        key = key_of(self.scenario_id, world.env.seed, person.email, conversation, instruction)
        hit = self.cache.get(key)
        stats["replies"] += 1
        if hit is not None:
            stats["cached"] += 1
            return hit
        system, prompt = self.system_of(person), prompt_of(where, conversation, instruction)
        self.prompts = [*self.prompts[-9:], (system, prompt)]
        try:
            text = await self.writer.write(system, prompt)
        except Exception as e:  # the model failed: the person says what they were to say, uncached
            stats["errors"] = stats.get("errors", 0) + 1
            stats["error"] = f"{type(e).__name__}: {e}"[:300]
            return instruction or "OK"
        if self.writer.kind == "twin" or not text:
            # the twin's plan-less model writes no prose: the instruction is the reply, verbatim
            text = instruction or text or "OK"
        self.cache.put(key, text, scenario=self.scenario_id, seed=world.env.seed, person=person.email,
                       model=self.writer.model, kind=self.writer.kind)
        return text

    def info(self, world: World) -> dict[str, Any] | None:
        """What the trajectory's info records: the model, and how many replies came from the cache."""
        stats = getattr(world.life, "persona_stats", None)
        return dict(stats) if stats else None


def _stats(world: World, writer: Writer) -> dict[str, Any]:
    life = world.life
    stats: dict[str, Any] | None = getattr(life, "persona_stats", None)
    if stats is None:
        stats = {"model": writer.model, "kind": writer.kind, "replies": 0, "cached": 0}
        setattr(life, "persona_stats", stats)  # noqa: B010 - kept with the world's people, dies with it
    return stats


def has_personas(people: Iterable[PersonSpec]) -> bool:
    return any(p.persona and p.acts for p in people)


def attach(prepared: Iterable[Any], run_dir: str | os.PathLike[str] | None = None, *,
           model: str | None = None) -> Writer | None:
    """Give every prepared scenario with personas a composer (`Prepared.composer`), on one cache
    (`<run_dir>/persona-cache.jsonl`, or in memory) and one writer for the run; the writer, or
    None when no scenario has a persona."""
    todo = [p for p in prepared if p.composer is None and has_personas(p.scenario.people)]
    if not todo:
        return None
    cache = Cache(Path(run_dir) / CACHE_FILE if run_dir else None)
    writer = Writer(model)
    for p in todo:
        p.composer = Persona(p.scenario.id, p.scenario.people, cache, writer)
    return writer
