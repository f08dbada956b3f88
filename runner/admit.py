"""Admission by the event loop's lag: how many of `--concurrency` trials may be in flight now.

Trials share one event loop. When the trials in flight want more CPU than the core has (thousands
of model-driven agents, each waking every second to parse an answer and send the next request),
every wake-up waits its turn: the loop lags by seconds, each trial's wall time (and its timeout)
stretches by as much, and all of them hold their memory meanwhile. Nothing runs faster for it.

`Admission` keeps the loop near its capacity instead. A timer asks to wake every `TICK` seconds
and records how late it woke. Every `EPOCH`, the epoch's lag (its third-latest wake-up, so that one
collector pause is not taken for a trend) decides:
- above `max_lag`: the window of trials allowed in flight shrinks to 85% of those in flight. A
  trial already running cannot be paused (its load goes only when it ends), so the next cut waits
  for about one trial's length, at most `HOLD`;
- under half of `max_lag`, while trials wait for a slot: the window grows a little every tick
  (by 0.2%, and one trial more).

The window starts at `START` (or `--concurrency`, if smaller) and never exceeds `--concurrency`;
it grows smoothly, so trials started together do not stay in step. In-process agents that never
wait (scripted, noisy) hold the loop at most `engine.BREATH` at a time, under half the default
`max_lag`, so admission does not hold them back for long; a program agent's trial waits on its
process and leaves the loop idle.

What it does not promise: a tail lag under `max_lag`. Near its capacity the loop serves bursts (a
model turn's answer arriving for many trials at once), and the 99th percentile of the lag sits
several times above the epochs' typical one; bench/README.md ("LLM-shaped load") has the figures."""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any

MAX_LAG = 0.05  # `dtu run --max-lag`'s default (seconds)
TICK = 0.01  # seconds between the lag probe's wake-ups
EPOCH = 0.25  # seconds between decisions
START = 64  # trials in flight at first, and the fewest a cut leaves: agents that never wait for
# anything (scripted, noisy) hold the loop for `engine.BREATH` however few are in flight
CUT = 0.85  # the window after a cut, as a fraction of the trials in flight
GROW = 0.002  # the window's growth a tick while the loop keeps up (x1.22 a second, and 1 more)
HOLD = 2.0  # seconds at most between cuts: the trials in flight end meanwhile, and their load with them
BINS = 10_000  # the lag histogram's 1 ms bins
SPIKES = 2  # an epoch's lag is its third-latest wake-up: one collector pause is not a trend


class Admission:
    """A window of trials in flight, moved by the loop's lag (see the module)."""

    def __init__(self, limit: int, max_lag: float) -> None:
        self.limit = max(1, limit)
        self.max_lag = max_lag
        self.floor = float(min(self.limit, START))
        self.window = self.floor
        self.in_flight = 0
        self.peak = 0  # the most trials in flight at once
        self.lags = [0] * (BINS + 1)  # wake-ups by lag, in whole ms (the last: BINS or more)
        self.lag_max = 0.0
        self.cuts = 0
        self._growing = False
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self._epoch: list[float] = []
        self._epoch_end = 0.0
        self._hold_until = 0.0
        self._trial = EPOCH  # a trial's wall time, smoothed: how long a cut takes to show
        self._due = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- the trials' side --------------------------------------------------------------------
    def try_enter(self) -> bool:
        """Take a slot if one is free now."""
        if self.in_flight < self.window and not self._waiting:
            self._take()
            return True
        return False

    async def enter(self) -> None:
        """Wait for a slot (in turn)."""
        if self.try_enter():
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():  # given a slot, then cancelled before taking it
                self.leave()
            raise

    def ended(self, seconds: float) -> bool:
        """A trial that took `seconds` of wall time ended; whether its worker may keep the slot
        for its next trial (the window has not shrunk below the trials in flight)."""
        self._trial += (seconds - self._trial) * 0.1
        if self.in_flight > self.window:
            self.leave()
            return False
        return True

    def leave(self) -> None:
        """Give a slot back."""
        self.in_flight -= 1
        self._admit()

    def _take(self) -> None:
        self.in_flight += 1
        if self.in_flight > self.peak:
            self.peak = self.in_flight

    def _admit(self) -> None:
        waiting = self._waiting
        while waiting and self.in_flight < self.window:
            fut = waiting.popleft()
            if not fut.done():
                self._take()
                fut.set_result(None)

    # -- the probe ---------------------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        now = time.perf_counter()  # not loop.time(): uvloop's is the time its turn began, in ms
        self._epoch_end = now + EPOCH
        self._due = now + TICK
        self._timer = self._loop.call_later(TICK, self._tick)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        loop = self._loop
        assert loop is not None
        now = time.perf_counter()
        lag = max(0.0, now - self._due)
        self.lags[min(BINS, int(lag * 1000))] += 1
        if lag > self.lag_max:
            self.lag_max = lag
        self._epoch.append(lag)
        if now >= self._epoch_end:
            epoch = sorted(self._epoch)
            self._decide(now, epoch[max(0, len(epoch) - 1 - SPIKES)])
            self._epoch.clear()
            self._epoch_end = now + EPOCH
        if self._growing and self._waiting and self.window < self.limit:
            self.window = min(float(self.limit), self.window * (1 + GROW) + 1)
            self._admit()
        self._due = now + TICK
        self._timer = loop.call_later(TICK, self._tick)

    def _decide(self, now: float, lag: float) -> None:
        self._growing = False
        if now < self._hold_until:  # the last cut has not shown yet
            return
        if lag > self.max_lag:
            self.window = max(self.floor, min(self.window, self.in_flight) * CUT)
            self._hold_until = now + min(HOLD, max(EPOCH, self._trial))
            self.cuts += 1
        elif lag < self.max_lag / 2:
            self._growing = True

    def summary(self) -> dict[str, Any]:
        """The run's figures: the most trials in flight, the cuts, the lag's p99 and max (ms)."""
        return {"peak_in_flight": self.peak, "window": round(self.window), "cuts": self.cuts,
                "lag_p99_ms": self.lag_p99_ms(), "lag_max_ms": round(self.lag_max * 1000, 1)}

    def lag_p99_ms(self) -> int:
        """The 99th percentile of the probe's lag, in whole ms."""
        need = sum(self.lags) * 0.99
        seen = 0
        for ms, n in enumerate(self.lags):
            seen += n
            if seen >= need and n:
                return ms
        return 0
