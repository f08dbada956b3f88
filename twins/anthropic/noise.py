"""Seeded faults of a noisy plan player: skip a step, corrupt an argument, repeat a step.

One schedule serves both the `noisy` agent (seeded by its task seed) and the twin's `dtu-noisy`
model (seeded by its world seed, which is the same trial seed): with the same rates they make
the same mistakes. Pure functions of (seed, step index); no state, no global randomness."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from ..core.env import derive

CORRUPTED = "dtu-corrupted"


class Noise(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Per-step probabilities: skip the step, corrupt one argument, play the step twice."""

    skip: float = 0.0
    corrupt: float = 0.0
    repeat: float = 0.0


DEFAULT_NOISE = Noise(skip=0.1, corrupt=0.05, repeat=0.1)


def unit(seed: int, *parts: str | int) -> float:
    """A float in [0, 1) determined by the seed and the labels."""
    return (derive(seed, *parts) >> 11) * (1.0 / (1 << 53))


def schedule(has_args: Sequence[bool], seed: int, noise: Noise) -> list[tuple[int, bool]]:
    """The actions to play: (step index, corrupted?) in order. A step is skipped with probability
    `skip`; a kept step with arguments is corrupted with probability `corrupt`; a kept step is
    played twice (the same call, corrupted or not) with probability `repeat`."""
    out: list[tuple[int, bool]] = []
    for i, args in enumerate(has_args):
        if unit(seed, "skip", i) < noise.skip:
            continue
        bad = args and unit(seed, "corrupt", i) < noise.corrupt
        out.append((i, bad))
        if unit(seed, "repeat", i) < noise.repeat:
            out.append((i, bad))
    return out


def corrupt_value(v: Any) -> Any:
    if isinstance(v, bool):
        return not v
    if isinstance(v, int | float):
        return -1 if v != -1 else -2
    if isinstance(v, list):
        return []
    if isinstance(v, dict):
        return {}
    return CORRUPTED


def corrupt(args: dict[str, Any], seed: int, step: int) -> dict[str, Any]:
    """A copy of `args` with one argument (picked by the seed) replaced by a wrong value."""
    if not args:
        return args
    keys = sorted(args)
    key = keys[derive(seed, "key", step) % len(keys)]
    out = dict(args)
    out[key] = corrupt_value(args[key])
    return out
