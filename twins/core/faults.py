"""Fault plans: the failures real services make, on demand, deterministic from the world's seed.

A plan is a list of rules, each matching a twin and an operation (globs). A rule can fail a
share of the calls it matches with the vendor's own error (`rate`), fail every call in a window
of its matches (`outage`), add latency in world time (`latency`), or make calls time out. With
`rate_limits: true`, each twin's own published limits apply too, counted in world time, so they
cost no wall time when nothing waits. Every injected failure is recorded on its call."""

from __future__ import annotations

import fnmatch
import math
from typing import Any, Literal

import msgspec

from .env import MASK, Env, mix
from .errors import TwinError
from .ops import Operation
from .twin import Twin

ErrorKind = Literal["rate_limited", "unavailable", "internal", "timeout"]


class Latency(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Extra world seconds a call takes: fixed `seconds`, uniform in [low, high], or lognormal(mu, sigma)."""

    kind: Literal["fixed", "uniform", "lognormal"] = "fixed"
    seconds: float = 0.0
    low: float = 0.0
    high: float = 0.0
    mu: float = 0.0
    sigma: float = 1.0


class FaultRule(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One rule. `outage: [N, M]` fails the N-th to M-th matching calls (1-based, inclusive)."""

    twin: str = "*"
    op: str = "*"
    rate: float = 0.0
    error: ErrorKind = "unavailable"
    retry_after: float = 1.0
    latency: Latency | None = None
    outage: tuple[int, int] | None = None
    timeout_seconds: float = 30.0


class FaultPlan(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    rules: list[FaultRule] = []
    rate_limits: bool = False

    def __post_init__(self) -> None:
        for r in self.rules:
            if not 0.0 <= r.rate <= 1.0:
                raise ValueError(f"faults: rate {r.rate} is not a probability in [0, 1]")
            if r.outage is not None and not 1 <= r.outage[0] <= r.outage[1]:
                raise ValueError(f"faults: outage {list(r.outage)} must be [N, M] with 1 <= N <= M")

    def world_faults(self, seed: int) -> WorldFaults:
        return WorldFaults(self, seed)


def parse_plan(data: Any) -> FaultPlan:
    """A plan from scenario or `--faults` data: a list of rules, or {rules, rate_limits}."""
    if isinstance(data, list):
        data = {"rules": data}
    return msgspec.convert(data or {}, FaultPlan)


class RateLimit(msgspec.Struct, frozen=True):
    """`limit` calls per `window` world seconds, shared by every operation in `bucket`."""

    bucket: str
    limit: int
    window: float = 60.0


def _error(twin: Twin[Any], kind: ErrorKind, retry_after: float, op: str = "",
           now: float | None = None) -> TwinError:
    kit = twin.errors
    if kind == "rate_limited":
        return kit.rate_limited(retry_after, op=op, reset=None if now is None else now + retry_after)
    if kind == "internal":
        return kit.internal()
    return kit.unavailable()


class WorldFaults:
    """A plan's state in one world: its own random stream, per-rule match counts, rate windows."""

    __slots__ = ("_matches", "_n", "_rules", "_seed", "_windows", "plan")

    def __init__(self, plan: FaultPlan, seed: int) -> None:
        self.plan = plan
        self._seed = mix(seed ^ 0xFA17)
        self._n = 0
        self._matches = [0] * len(plan.rules)
        self._rules: dict[tuple[str, str], list[int]] = {}
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}

    def _random(self) -> float:
        self._n += 1
        return (mix((self._seed + self._n * 0xD1B54A32D192ED03) & MASK) >> 11) * (1.0 / (1 << 53))

    def _rules_for(self, twin: str, op: str) -> list[int]:
        key = (twin, op)
        hit = self._rules.get(key)
        if hit is None:
            hit = self._rules[key] = [i for i, r in enumerate(self.plan.rules)
                                      if fnmatch.fnmatchcase(twin, r.twin) and fnmatchcase_op(op, r.op)]
        return hit

    def before(self, env: Env, twin: Twin[Any], op: Operation, index: int) -> TwinError | None:
        for i in self._rules_for(twin.name, op.name):
            rule = self.plan.rules[i]
            self._matches[i] += 1
            if rule.latency is not None:
                env.now += self._latency(rule.latency)
            if rule.outage is not None and rule.outage[0] <= self._matches[i] <= rule.outage[1]:
                return self._fail(env, twin, rule, op)
            if rule.rate > 0.0 and self._random() < rule.rate:
                return self._fail(env, twin, rule, op)
        if self.plan.rate_limits and twin.limits is not None:
            return self._limit(env, twin, op)
        return None

    def _fail(self, env: Env, twin: Twin[Any], rule: FaultRule, op: Operation) -> TwinError:
        if rule.error == "timeout":
            env.now += rule.timeout_seconds
            err = twin.errors.unavailable()
            err.code = "timeout"
            return err
        return _error(twin, rule.error, rule.retry_after, op.name, env.now)

    def _latency(self, lat: Latency) -> float:
        if lat.kind == "fixed":
            return lat.seconds
        if lat.kind == "uniform":
            return lat.low + (lat.high - lat.low) * self._random()
        # lognormal by Box-Muller from two uniforms of this world's stream
        u1, u2 = max(self._random(), 1e-12), self._random()
        z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2 * math.pi * u2)
        return math.exp(lat.mu + lat.sigma * z)

    def _limit(self, env: Env, twin: Twin[Any], op: Operation) -> TwinError | None:
        assert twin.limits is not None
        rl = twin.limits(op)
        if rl is None:
            return None
        key = (twin.name, rl.bucket)
        start, count = self._windows.get(key, (env.now, 0))
        if env.now - start >= rl.window:
            start, count = env.now, 0
        if count >= rl.limit:
            self._windows[key] = (start, count)
            return twin.errors.rate_limited(start + rl.window - env.now, op=op.name, reset=start + rl.window,
                                            limit=rl.limit)
        self._windows[key] = (start, count + 1)
        return None


def fnmatchcase_op(op: str, pattern: str) -> bool:
    return pattern == "*" or fnmatch.fnmatchcase(op, pattern)
