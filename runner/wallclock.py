"""A served world's clock follows the wall clock; a ticker fires people's actions on time.

In process, a world's time moves only by what its calls cost (a tick each, plus any latency a
fault plan adds) and by what the caller waits (`world.sleep`, `wait_for`). A world served over
HTTP is waited on by SDKs that sleep in wall time (Retry-After, `X-Rate-Limit-Reset - Date`), so
there the wall-clock time that passes between calls counts too, times the world's speed: an SDK
that sleeps until a rate-limit window resets finds it reset, and people's scheduled actions fire
while the agent thinks.

The clock hands the world whole seconds (the fraction carries over), so a world's times stay
whole seconds as its ticks are, and the door's `Date` (second resolution) says exactly the
world's time. The wall time is added to the world's time, never compared with it: a world whose
calls ran ahead of the wall clock still sees an SDK's sleep in full."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping
from time import monotonic

from dtu.twins.core import World
from dtu.twins.core.env import http_date as core_http_date

log = logging.getLogger("dtu.serve")

MAX_SPEED = 1_000_000.0
"""World seconds per wall second at most (a wall hour is then about 114 world years)."""
TICK_EVERY = 0.2
"""Wall seconds between the ticker's looks at the worlds that have people."""


def check_speed(speed: float) -> float:
    """`speed` as a float if it is a valid speed factor (0: no wall clock), else ValueError."""
    speed = float(speed)
    if not 0.0 <= speed <= MAX_SPEED:  # also refuses NaN
        raise ValueError(f"speed {speed:g} is not a factor from 0 (no wall clock) to {MAX_SPEED:,.0f}")
    return speed


class WallClock:
    """The wall-clock side of one world's time: `speed` world seconds per wall second since
    `wall0` (time.monotonic), of which `taken` whole seconds were handed to the world so far."""

    __slots__ = ("busy", "due", "failures", "lock", "speed", "taken", "wall0")

    def __init__(self, speed: float, wall0: float) -> None:
        assert speed > 0.0
        self.speed = speed
        self.wall0 = wall0
        self.taken = 0
        self.due = wall0 + 1.0 / speed
        """Wall (monotonic) time at which the next whole world second is owed: the door's only check."""
        self.lock: asyncio.Lock | None = None  # one advance of the world's people at a time
        self.busy = False  # the ticker has an advance of this world under way
        self.failures = 0

    def pending(self, wall: float) -> int:
        """Whole world seconds owed at wall time `wall` and not yet handed over."""
        return int((wall - self.wall0) * self.speed) - self.taken

    def take(self, wall: float) -> int:
        """Hand over what is owed at `wall`: that many whole seconds (0 when none)."""
        n = self.pending(wall)
        if n > 0:
            self.taken += n
            self.due = self.wall0 + (self.taken + 1) / self.speed
        return n


def forward(world: World, seconds: float) -> None:
    """Move a world without people on by `seconds`, never past its deadline (as `World.advance`
    does, without awaiting anything)."""
    env = world.env
    until = env.now + seconds
    if world.deadline is not None and until > world.deadline:
        until = world.deadline
    if until > env.now:
        env.now = until


async def advance(world: World, clock: WallClock, seconds: float) -> None:
    """Move a world with people on by `seconds` through `World.advance` (firing what falls due,
    each at its own time), one advance of a world at a time."""
    lock = clock.lock
    if lock is None:
        lock = clock.lock = asyncio.Lock()
    async with lock:
        await world.advance(world.env.now + seconds)


async def catch_up(world: World, clock: WallClock, live: set[str]) -> None:
    """Before a call: hand the world the wall-clock seconds owed since its last call (the door
    calls this only once `clock.due` has passed)."""
    n = clock.take(monotonic())
    if n <= 0:
        return
    if world.life is None:
        forward(world, n)
        return
    live.add(world.id)  # people given after the world was served: the ticker looks after them too
    await advance(world, clock, n)


def http_date(t: float) -> str:
    """An HTTP `Date` for epoch seconds `t`, to the whole second below."""
    return core_http_date(math.floor(t))


class Ticker:
    """Fires people's scheduled actions while nobody calls: a few times a second, every served
    world that has people (`live`) and whose next action has fallen due in wall-clock terms is
    advanced to now, in a task of its own (a persona composing a reply holds up no other world)."""

    def __init__(self, worlds: Mapping[str, World], clocks: Mapping[str, WallClock], live: set[str],
                 every: float = TICK_EVERY, clock: Callable[[], float] = monotonic) -> None:
        self.worlds = worlds
        self.clocks = clocks
        self.live = live
        self.every = every
        self.clock = clock
        self.tasks: set[asyncio.Task[None]] = set()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.loop(), name="dtu-wallclock-ticker")

    async def stop(self) -> None:
        """Cancel the ticker and the advances under way, and wait for them to end."""
        pending = [t for t in (self.task, *self.tasks) if t is not None]
        self.task = None
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)  # each one's end, cancelled or not
        self.tasks.clear()

    async def loop(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                self.tick()
            except Exception:  # never out of the loop: the next tick tries again
                log.exception("dtu serve: the wall-clock ticker failed; it keeps going")

    def tick(self) -> int:
        """Start an advance for each live world that has something due; how many were started."""
        wall = self.clock()
        started = 0
        for wid in tuple(self.live):
            world = self.worlds.get(wid)
            clock = self.clocks.get(wid)
            life = world.life if world is not None else None
            if world is None or clock is None or life is None:
                self.live.discard(wid)
                continue
            if clock.busy:
                continue
            now = world.env.now
            if world.deadline is not None and now >= world.deadline:
                continue  # nobody acts after the deadline
            n = clock.pending(wall)
            if life.next_due > now + n:
                continue
            clock.take(wall)
            clock.busy = True
            task = asyncio.get_running_loop().create_task(self._advance(world, clock, max(n, 0)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            started += 1
        return started

    async def _advance(self, world: World, clock: WallClock, seconds: float) -> None:
        try:
            await advance(world, clock, seconds)
        except Exception:
            clock.failures += 1
            if clock.failures == 1:
                log.exception("dtu serve: world %s: its people failed to act (the ticker keeps going; "
                              "later failures of this world are logged at debug level)", world.id)
            else:
                log.debug("dtu serve: world %s: its people failed to act again", world.id, exc_info=True)
        finally:
            clock.busy = False
