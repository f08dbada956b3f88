"""Worlds: one isolated universe per trajectory, restored cheaply from a seed image."""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol, cast

import msgspec
import xxhash

from . import answers
from .env import Env
from .errors import TwinError
from .events import Event, Listener
from .ops import Ctx, Operation, Reply
from .twin import Meter, Twin

DEFAULT_MAX_STEPS = 10_000


class Call(msgspec.Struct, omit_defaults=True, gc=False):
    """One entry of a world's call log."""

    twin: str
    op: str
    args: Any
    status: int
    body: Any
    t: float
    fault: str | None = None
    actor: str | None = None
    """Who made the call: None for the agent, a person's email for people (runner/life.py)."""

    @property
    def answer(self) -> Any:
        """The body as the caller got it: `body`, decoded when the HTTP door logged the JSON it sent
        (a `msgspec.Raw`, runner/server.py) instead of the objects it was made from. Encoders take
        either as it is; code that reads a body's contents reads this."""
        body = self.body
        return msgspec.json.decode(body) if type(body) is msgspec.Raw else body


class FaultHook(Protocol):
    """A world's fault plan: decides, before dispatch, whether a call fails or takes longer."""

    def before(self, env: Env, twin: Twin[Any], op: Operation, index: int) -> TwinError | None:
        """Return the error this call should fail with, or None; may advance `env.now`."""
        ...


class Clockwork(Protocol):
    """What makes a world live (runner/life.py): people's scheduled and reactive actions."""

    next_due: float
    """World time of the next action that can fire without waiting (inf when none)."""

    def fire(self, world: World, until: float) -> None:
        """Run every action due at or before `until`, each at its own time (synchronous)."""
        ...

    async def run(self, world: World, until: float) -> None:
        """The same while the agent waits: may await work such as a persona's reply."""
        ...


class SeedImage:
    """A scenario's seed state, built once and kept as one snapshot per twin.

    Worlds restore from the snapshots; a twin's state is decoded only when a world first
    touches it, and an untouched twin's view is computed once and shared."""

    __slots__ = ("actors", "base", "meters", "n", "now", "seed", "seeded", "snapshots", "twins", "views")

    def __init__(self, twins: Mapping[str, Twin[Any]], seed_data: Mapping[str, Any], seed: int,
                 now: float) -> None:
        self.twins = twins
        self.seed = seed
        self.now = now
        env = Env(seed, now)
        self.snapshots: dict[str, bytes] = {}
        self.actors: dict[str, str] = {}
        for name, data in seed_data.items():
            twin = twins[name]
            state = twin.build(data, env)
            self.snapshots[name] = twin.snapshot(state)
            self.actors[name] = twin.actor(state)
        self.n = env.n
        self.seeded: tuple[str, ...] = tuple(self.snapshots)
        """The twins the seed names; empty twins built later on first use are not among them."""
        self.views: dict[str, Any] = {}
        self.meters: dict[str, Any] = {}
        self.base: SeedImage | None = None
        """An image this one was copied from: the views of the snapshots they share are its."""

    def snapshot(self, name: str) -> bytes:
        snap = self.snapshots.get(name)
        if snap is None:
            twin = self.twins[name]
            state = twin.build(None, Env(self.seed, self.now))
            snap = self.snapshots[name] = twin.snapshot(state)
            self.actors[name] = twin.actor(state)
        return snap

    def meter(self, name: str) -> Any:
        """The seed state's meter (`Twin.meter`), decoded once: copy it before counting in it."""
        m = self.meters.get(name)
        if m is None:
            twin = self.twins[name]
            m = self.meters[name] = cast(Meter[Any, Any], twin.meter).of(twin.restore(self.snapshot(name)))
        return m

    def view(self, name: str) -> Any:
        v = self.views.get(name)
        if v is None:
            base = self.base
            if base is not None and base.snapshots.get(name) is self.snapshot(name):
                v = self.views[name] = base.view(name)
            else:
                twin = self.twins[name]
                v = self.views[name] = twin.view(twin.restore(self.snapshot(name)))
        return v


class World:
    """One trajectory's universe: a state per twin, an env (clock, ids, randomness), a call log.

    `call` and `invoke` are door 1: they dispatch straight to the handler, with no sockets and
    no JSON, and answer exactly what the HTTP door would send, decoded."""

    __slots__ = ("_ctx", "_dirty", "_memo", "_meters", "_used", "calls", "deadline", "done", "env", "events", "faults", "id", "image",
                 "last_call", "life", "listeners", "max_steps", "on_deadline", "started", "steps", "twins", "version")

    def __init__(self, image: SeedImage, seed: int, world_id: str = "", *,
                 max_steps: int = DEFAULT_MAX_STEPS, faults: FaultHook | None = None,
                 base_url: str = "") -> None:
        self.image = image
        self.twins = image.twins
        self.id = world_id
        self.env = Env(seed, image.now, 0, world_id, base_url)
        self._ctx: dict[str, Ctx[Any]] = {}
        self._used: dict[str, None] = {}  # twins used, in order: restored, or read while still the seed's
        self._dirty: set[str] = set()  # twins a mutating operation was called on
        self.version = 0
        """Counts mutating calls: a view built at one version holds until the next."""
        self._memo: dict[Any, Any] | None = None  # views derived from this world, see `memo`
        self._meters: dict[str, Any] | None = None  # meters of twins read but not restored (`Twin.meter`)
        self.calls: list[Call] = []
        self.last_call: Call | None = None
        """The call `dispatch` or `act` logged last (a door's, to keep its answer as it sent it)."""
        self.max_steps = max_steps
        self.faults = faults
        self.steps = 0  # the agent's calls (people's are logged too, but are not the agent's steps)
        self.started = image.now
        self.deadline: float | None = None
        """World time after which the agent's calls fail and nobody acts (a scenario's `deadline:`)."""
        self.on_deadline: Callable[[], None] | None = None
        """Called once when the deadline is reached (a wait that ran into it, or a call after it):
        the engine ends the trial there."""
        self.done: Callable[[World], bool] | None = None
        """The scenario's end condition (`done:`): a trial of an agent that never says it has
        finished (a service) ends when it holds."""
        self.life: Clockwork | None = None
        self.listeners: list[Listener] = []
        """Who hears the world's events (people's rules, deliveries to an agent); with none, no
        event is derived at all."""
        self.events: list[Event] = []

    def ctx(self, name: str) -> Ctx[Any]:
        """The twin's context in this world, restoring its state on first use."""
        ctx = self._ctx.get(name)
        if ctx is None:
            image = self.image
            twin = self.twins.get(name)
            if twin is None:
                raise KeyError(f"unknown twin {name!r}; known: {', '.join(sorted(self.twins))}")
            ctx = self._ctx[name] = Ctx(twin.restore_lazily(image.snapshot(name)), self.env,
                                        image.actors.get(name, ""))
            if self._meters is not None and name in self._meters:  # counted while still the seed's
                cast(Meter[Any, Any], twin.meter).put(ctx.state, self._meters.pop(name))
            self._used[name] = None
        return ctx

    def touched(self) -> tuple[str, ...]:
        """The twins this world used, in the order it first did: called (a read answered from the
        seed's answers, or a call that failed before its handler, restores nothing) or restored."""
        return tuple(self._used)

    async def call(self, twin: str, op: str, args: Mapping[str, Any] | None = None,
                   actor: str | None = None) -> Any:
        """Run an operation and return the body the vendor would send (errors included)."""
        return self.dispatch(twin, op, args, actor).body

    async def invoke(self, twin: str, op: str, args: Mapping[str, Any] | None = None,
                     actor: str | None = None) -> Reply:
        """Run an operation and return status, body and headers."""
        return self.dispatch(twin, op, args, actor)

    def dispatch(self, twin_name: str, op_name: str, args: Mapping[str, Any] | None,
                 actor: str | None = None) -> Reply:
        """The synchronous core of both doors: one call of the agent's, one tick of the clock."""
        env = self.env
        env.now += 1.0
        life = self.life
        if life is not None and life.next_due <= env.now:
            now = env.now
            life.fire(self, now)
            env.now = max(env.now, now)
        return self._run(twin_name, op_name, args, actor, None)

    def act(self, by: str, twin_name: str, op_name: str, args: Mapping[str, Any], actor: str, at: float) -> Reply:
        """A person's call, at world time `at` (not before the clock): logged with `by`, their email."""
        env = self.env
        if at > env.now:
            env.now = at
        return self._run(twin_name, op_name, args, actor, by)

    def _run(self, twin_name: str, op_name: str, args: Mapping[str, Any] | None, actor: str | None,
             by: str | None) -> Reply:
        ctx = self._ctx.get(twin_name)
        if ctx is None:
            if twin_name not in self.twins:
                self.ctx(twin_name)  # raises, naming the known twins
            self._used[twin_name] = None  # called, so used, whether or not its state is restored
        twin = self.twins[twin_name]
        env = self.env
        if args is None:
            args = {}
        fault = None
        events: list[Event] | None = None
        try:
            op = twin.ops.ops.get(op_name)
            if op is None:
                raise twin.errors.not_found_route("POST", op_name)
            if op.mutates:
                self._dirty.add(twin_name)
                self.version += 1
                if ctx is None:
                    ctx = self.ctx(twin_name)
            if by is None:
                if self.steps >= self.max_steps:
                    fault = "max_steps"
                    raise twin.errors.rate_limited(3600.0)
                if self.deadline is not None and env.now > self.deadline:
                    fault = "deadline"
                    self._deadline_reached()
                    raise twin.errors.rate_limited(3600.0)
                self.steps += 1
                if self.faults is not None:
                    err = self.faults.before(env, twin, op, self.steps - 1)
                    if err is not None:
                        fault = err.code
                        raise err
            if ctx is not None:
                reply, events = self._handle(ctx, twin, op, args, actor)
            elif by is None and not op.mutates and twin_name in self.image.snapshots:
                reply = self._read_seed(twin, op, args, actor)
            else:
                reply, events = self._handle(self.ctx(twin_name), twin, op, args, actor)
        except TwinError as e:
            reply = Reply(e.status, e.body(), e.headers)
        except msgspec.ValidationError as e:
            err = twin.errors.invalid_arguments(str(e))
            reply = Reply(err.status, err.body(), err.headers)
        except Exception:  # a handler bug: answer in the vendor's shape, keep the world serving
            err = twin.errors.internal()
            reply = Reply(err.status, err.body(), err.headers)
            fault = "internal"
            events = None
        call = self.last_call = Call(twin_name, op_name, args, reply.status, reply.body, env.now, fault, by)
        self.calls.append(call)
        if events:
            self.emit(events, by)
        return reply

    def _handle(self, ctx: Ctx[Any], twin: Twin[Any], op: Operation, args: Mapping[str, Any],
                actor: str | None) -> tuple[Reply, list[Event] | None]:
        """The operation's handler on the twin's state, as `actor`: its reply, and the events it
        caused when someone listens (raises what the handler raises)."""
        params = msgspec.convert(args, op.params, strict=False)
        meter = twin.meter
        if meter is not None:
            err = meter.tick(meter.of(ctx.state), self.env.now)
            if err is not None:
                raise err
        saved = ctx.actor
        if actor is not None:
            ctx.actor = actor
        try:
            body = op.handler(ctx, params)
            reply = body if type(body) is Reply else Reply(op.status if body is not None else 204, body)
            events = None
            if self.listeners and op.mutates and twin.events is not None and reply.status < 400:
                events = twin.events(ctx, op.name, args, reply)  # while the acting user is still set
            return reply, events
        finally:
            ctx.actor = saved

    def _read_seed(self, twin: Twin[Any], op: Operation, args: Mapping[str, Any], actor: str | None) -> Reply:
        """An agent's read of a twin whose state this world has not restored, so is still the seed's:
        the answer every world of that seed got to the same read (twins/core/answers.py), else the
        one computed on the restored state, kept for them when it used nothing of this world's env."""
        name = twin.name
        image = self.image
        k = answers.key(image.snapshots[name], name, op.name, args,
                        actor if actor is not None else image.actors.get(name, ""), self.env.base_url)
        got = answers.recall(k, self.env.now) if k is not None else False
        meter = twin.meter
        if isinstance(got, Reply):
            if meter is not None:  # counted in this world's copy of the seed's meter
                meters = self._meters if self._meters is not None else {}
                self._meters = meters
                m = meters.get(name)
                if m is None:
                    m = meters[name] = msgspec.structs.replace(image.meter(name))
                err = meter.tick(m, self.env.now)
                if err is not None:
                    raise err
            return got
        ctx = self.ctx(name)
        if got is False:
            return self._handle(ctx, twin, op, args, actor)[0]
        tracing = answers.Tracing(self.env)
        ctx.env = cast(Env, tracing)
        try:
            reply = self._handle(ctx, twin, op, args, actor)[0]
        finally:
            ctx.env = self.env
        # a read that changed the state is never kept; what its meter counted is not a change
        if meter is not None:
            counted = meter.of(ctx.state)
            meter.put(ctx.state, image.meter(name))
            try:
                unchanged = twin.snapshot(ctx.state) == image.snapshots[name]
            finally:
                meter.put(ctx.state, counted)
        else:
            unchanged = twin.snapshot(ctx.state) == image.snapshots[name]
        answers.keep(cast(answers.Key, k), reply, tracing, unchanged)
        return reply

    def emit(self, events: list[Event], by: str | None = None) -> None:
        """Hand events to the world's listeners (in order; a listener may act, causing more)."""
        for ev in events:
            if by is not None:
                ev.by = by
            self.events.append(ev)
            for listener in self.listeners:
                listener(self, ev)

    # -- time ---------------------------------------------------------------------------------
    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of world time: people act and scheduled actions fire meanwhile."""
        await self.advance(self.env.now + max(0.0, seconds))

    async def advance(self, until: float) -> None:
        """Move the clock to `until` (never back, never past the deadline), firing what falls due."""
        reached = False
        if self.deadline is not None and until >= self.deadline:
            until, reached = self.deadline, True
        if self.life is not None:
            await self.life.run(self, until)
        if until > self.env.now:
            self.env.now = until
        if reached:
            self._deadline_reached()
        await asyncio.sleep(0)

    def _deadline_reached(self) -> None:
        cb, self.on_deadline = self.on_deadline, None
        if cb is not None:
            cb()

    async def wait_for(self, predicate: Callable[[World], bool], timeout: float) -> bool:
        """Wait (in world time) until `predicate(world)` holds, at most `timeout` seconds; whether
        it did. The clock jumps from one scheduled action to the next, so waiting costs no wall time."""
        end = self.env.now + max(0.0, timeout)
        if self.deadline is not None:
            end = min(end, self.deadline)
        stuck = False
        while not predicate(self):
            now = self.env.now
            if now >= end:
                return False
            due = self.life.next_due if self.life is not None else math.inf
            if due <= now:  # something due now (a reply being written): let it land once
                due, stuck = (end if stuck else now), True
            else:
                stuck = False
            await self.advance(min(end, due))
        return True

    @property
    def elapsed(self) -> float:
        """World seconds since the world began."""
        return self.env.now - self.started

    # -- reading ------------------------------------------------------------------------------
    def polled_view(self, names: tuple[str, ...]) -> dict[str, Any]:
        """`view(names)` for readers that poll during a trial (a plan's `wait_for`, then the
        checks): unchanged since the last mutating call, the same views are answered again."""
        key = ("view", names)
        hit = self.memo(key)
        if hit is not None and hit[0] == self.version:
            return dict(hit[1])
        out = self.view(names)
        self.keep(key, (self.version, out))
        return dict(out)

    def view(self, names: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The state as plain data, per twin (seeded twins by default)."""
        out: dict[str, Any] = {}
        dirty = self._dirty
        for name in names if names is not None else self.image.seeded:
            # a twin only read from is still its seed: its view is the image's, built once
            if name not in dirty:
                out[name] = self.image.view(name)
                continue
            twin = self.twins[name]
            if twin.view_delta is not None:
                out[name] = twin.view_delta(self._ctx[name], self.image.view(name))
            else:
                out[name] = twin.view(self._ctx[name].state)
        return out

    def memo(self, key: Any) -> Any:
        """What was kept under `key` for this world (None at first): readers that poll the world
        (a plan's `wait_for`, checks) keep what they derived and extend it as the world grows."""
        return self._memo.get(key) if self._memo is not None else None

    def keep(self, key: Any, value: Any) -> None:
        if self._memo is None:
            self._memo = {}
        self._memo[key] = value

    def digest(self, like: str = "") -> str:
        """A digest of the final state of every seeded or touched twin: `x3:` and the xxh3-128 of
        their names and snapshots. `like` is a recorded digest to compare with: one recorded before
        the `x3:` digests (blake2b, no prefix) is computed that way."""
        legacy = bool(like) and not like.startswith("x3:")
        h: Any = hashlib.blake2b(digest_size=16) if legacy else xxhash.xxh3_128()
        names = sorted(set(self.image.seeded) | set(self._used))
        for name in names:
            snap = (self.twins[name].snapshot(self._ctx[name].state) if name in self._dirty
                    else self.image.snapshot(name))
            h.update(name.encode())
            h.update(snap)
        return h.hexdigest() if legacy else "x3:" + h.hexdigest()
