"""LLM-shaped load: many concurrent anthropic-agent trajectories, each model turn taking a second.

`python -m bench llm [--trials N] [--concurrency C] [--max-lag S]`: N trials (default 10,000) of the
bundled `slack-launch-channel` scenario, with `--concurrency` N (or C) and admission as `dtu run`
has it (`--max-lag`, default 0.05 s: fewer in flight while the loop cannot keep up; 0: all N at
once), by
`--agent anthropic:oracle=true`: the Claude tool loop on
the official anthropic SDK, against the Anthropic twin in-process, whose `dtu-scripted` model
plays the scenario's plan. Every `messages.create` is held `LATENCY` seconds of real time before
the twin answers (a model thinking), so the run is shaped like real agents: thousands of
trajectories waiting on the network at once, each waking briefly to parse an answer, call a tool
and send the next request.

Printed, measured in the one run:
- **dtu's own time per agent step**: CPU time inside dtu (world dispatch, the twins' handlers
  including the model twin's, tool validation and dispatch, world creation, checks, digests, the
  trajectory record), divided by the steps (model turns plus tool calls); the SDK's request
  building and response parsing and httpx are not dtu's. Measured by timing dtu's entry points
  (`World.dispatch`, `Catalog.call`, `Prepared.world`, `CompiledChecks.evaluate`, `World.digest`)
  with `time.thread_time` around each call. The in-process transport (the wire: routing, JSON
  decoding of the request, the httpx response) is dtu's too, and timed apart.
- **GC**: the time the cyclic collector paused the process, and its longest pause. A pause that
  begins inside one of dtu's timed calls counts in dtu's time (it collects what the SDK allocated
  too); how much of dtu's time per step such pauses were is printed beside it;
- **peak memory** (the process's max RSS) and its growth over the run; a finished trial's
  trajectory is dropped (as `dtu run` writes it out), so this is the trials in flight;
- **event-loop lag**: a probe that asks to wake every 10 ms records how late it woke; max and p99.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import resource
import time
from collections.abc import Callable
from typing import Any

LATENCY = 1.0
TRIALS = 10_000
PROBE = 0.01


class Meter:
    """CPU time spent inside wrapped functions (not counting nested wrapped calls twice)."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.depth = 0

    def time(self, fn: Callable[..., Any], *args: Any) -> Any:
        t0 = time.thread_time()
        try:
            return fn(*args)
        finally:
            self.cpu += time.thread_time() - t0

    def wrap_sync(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kw: Any) -> Any:
            if self.depth:
                return fn(*args, **kw)
            self.depth += 1
            t0 = time.thread_time()
            try:
                return fn(*args, **kw)
            finally:
                self.cpu += time.thread_time() - t0
                self.depth -= 1

        return timed

    def wrap_async(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """An async function whose awaited body runs synchronously (door 1 dispatch never suspends)."""
        meter = self

        @functools.wraps(fn)
        async def timed(*args: Any, **kw: Any) -> Any:
            if meter.depth:
                return await fn(*args, **kw)
            meter.depth += 1
            t0 = time.thread_time()
            try:
                return await fn(*args, **kw)
            finally:
                meter.cpu += time.thread_time() - t0
                meter.depth -= 1

        return timed


class GcClock:
    """The cyclic collector's pauses: their total and the longest (gc.callbacks)."""

    def __init__(self, meter: Meter | None = None) -> None:
        self.total = self.longest = 0.0
        self.count = 0
        self._t0 = 0.0
        self.meter = meter
        self.in_meter = 0.0  # the pauses that fell inside the meter's timed calls (they count in its CPU)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
            return
        dt = time.perf_counter() - self._t0
        if self.meter is not None and self.meter.depth:
            self.in_meter += dt
        self.total += dt
        self.count += 1
        self.longest = max(self.longest, dt)


async def _lag(stop: asyncio.Event, lags: list[float]) -> None:
    # perf_counter, not loop.time(): uvloop's is the time its turn began (in ms), so a probe that
    # waited behind that turn's other callbacks would not see the wait
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(PROBE)
        lags.append(time.perf_counter() - t0 - PROBE)


def bench_llm(trials: int = TRIALS, latency: float = LATENCY, concurrency: int | None = None,
              max_lag: float = 0.0) -> dict[str, Any]:
    from dtu.agents import transport
    from dtu.agents.anthropic_agent import AnthropicAgent
    from dtu.runner import checks, engine, tools
    from dtu.runner.scenario import BUNDLED, load_file
    from dtu.twins.core import world as world_mod
    from dtu.twins.registry import TWINS

    meter = Meter()
    world_mod.World.dispatch = meter.wrap_sync(world_mod.World.dispatch)
    world_mod.World.digest = meter.wrap_sync(world_mod.World.digest)
    checks.CompiledChecks.evaluate = meter.wrap_sync(checks.CompiledChecks.evaluate)
    engine.Prepared.world = meter.wrap_sync(engine.Prepared.world)
    tools.Catalog.call = meter.wrap_async(tools.Catalog.call)
    handle = transport.WorldTransport.handle
    wire = Meter()  # the transport's own time: its handle minus the (metered) dispatch inside it

    async def thinking(self: Any, request: Any) -> Any:
        if request.url.path.endswith("/v1/messages"):
            await asyncio.sleep(latency)  # the model thinks; the twin then answers at once
        before = meter.cpu
        coro = handle(self, request)
        try:  # the transport never suspends once the model has thought: one send runs it to the end
            wire.time(coro.send, None)
        except StopIteration as done:
            wire.cpu -= meter.cpu - before
            return done.value
        raise RuntimeError("the in-process transport suspended")

    transport.WorldTransport.handle = thinking
    p = engine.Prepared(load_file(BUNDLED / "slack" / "launch-channel.yaml"), 0, dict(TWINS))
    agent = AnthropicAgent("oracle=true,max_turns=30")
    out: list[tuple[bool, int]] = []  # (satisfied, steps) a trial: a run writes its trajectories out, not keeps them

    def sink(t: Any) -> None:
        out.append((t.satisfied, t.info.get("turns", 0) + t.info.get("tool_calls", 0)))
    lags: list[float] = []
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conc = concurrency or trials
    gcs = GcClock(meter)
    admitted: dict[str, Any] = {}

    async def main() -> float:
        stop = asyncio.Event()
        probe = asyncio.create_task(_lag(stop, lags))
        t0 = time.perf_counter()
        opts = engine.RunOptions(trials=trials, concurrency=conc, timeout=3600, max_lag=max_lag)
        await engine.run_all([agent], [p], opts, sink, admitted=admitted)
        dt = time.perf_counter() - t0
        stop.set()
        await probe
        return dt

    gc.collect()
    gc.callbacks.append(gcs)
    cpu0 = time.process_time()
    try:
        wall = engine.run_async(main())
    finally:
        gc.callbacks.remove(gcs)
    cpu = time.process_time() - cpu0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    bad = [ok for ok, _ in out if not ok]
    steps = sum(n for _, n in out)
    lags.sort()
    row = {"trials": len(out), "concurrency": conc, "unsatisfied": len(bad), "steps": steps, "wall_s": wall,
           "cpu_s": cpu, "dtu_us_per_step": meter.cpu / steps * 1e6,
           "dtu_gc_us_per_step": gcs.in_meter / steps * 1e6, "wire_us_per_step": wire.cpu / steps * 1e6,
           "all_us_per_step": cpu / steps * 1e6, "gc_s": gcs.total, "gc_count": gcs.count,
           "gc_max_ms": gcs.longest * 1000,
           "peak_rss_mb": rss / 1024, "rss_growth_mb": (rss - rss0) / 1024,
           "lag_max_ms": lags[-1] * 1000 if lags else 0.0,
           "lag_p99_ms": lags[int(len(lags) * 0.99)] * 1000 if lags else 0.0}
    print(f"trials {row['trials']:,} (--concurrency {conc:,}, {row['unsatisfied']} unsatisfied), {row['steps']:,} "
          f"steps, model latency {latency:g}s a turn: wall {wall:.1f}s, CPU {cpu:.1f}s")
    print(f"dtu's own time per step {row['dtu_us_per_step']:.0f} µs (goal < 100; {row['dtu_gc_us_per_step']:.0f} µs "
          f"of it the collector's pauses for the whole process, begun inside dtu), its in-process transport "
          f"{row['wire_us_per_step']:.0f} µs more; everything in the process {row['all_us_per_step']:.0f} µs per "
          f"step; GC {gcs.total:.1f}s in {gcs.count:,} collections (longest {row['gc_max_ms']:.0f} ms)")
    print(f"peak RSS {row['peak_rss_mb']:,.0f} MB (+{row['rss_growth_mb']:,.0f} MB over the run); event-loop lag "
          f"max {row['lag_max_ms']:.0f} ms, p99 {row['lag_p99_ms']:.0f} ms (goal < 50)", flush=True)
    if admitted:
        row.update({f"admission_{k}": v for k, v in admitted.items()})
        print(f"admission (--max-lag {max_lag:g}s): at most {admitted['peak_in_flight']:,} trials in flight, "
              f"{admitted['cuts']} cuts, window at the end {admitted['window']:,}", flush=True)
    else:
        print("admission off (--max-lag 0): every trial in flight at once", flush=True)
    return row
