"""What the twins' incremental-view tests share: a world's view built from the seed's and its
changes (`Twin.view_delta`) must be the full view, and must leave the seed's shared view as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.core import twin as twin_module
from dtu.twins.registry import TWINS

LAZY_OR_WHOLE = pytest.mark.parametrize("lazy", [False, True], ids=["whole", "lazy"])
"""Run a view test on worlds restored lazily and decoded whole (`restore_as`)."""


def restore_as(lazy: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lazy: every seed's entities stay encoded until read (twins/core/lazy.py), as a generated
    organisation's do, so a view reusing the seed's view of an entity nothing read, or a read-only
    scan, must still agree with the full view."""
    if lazy:
        monkeypatch.setattr(twin_module, "LAZY_FROM", 0)


def assert_view_is_full(world: World, name: str) -> None:
    """The twin's incremental view of `world` is its full view, byte for byte."""
    delta = world.view((name,))[name]
    assert msgspec.json.encode(delta) == msgspec.json.encode(TWINS[name].view(world.ctx(name).state))


def assert_play_keeps_the_seed(name: str, seed_state: Any, start: float,
                               play: Callable[[], tuple[World, Any]]) -> None:
    """A world `play` made (from `seed_state` at `start`) has the full view, and the seed's
    shared view is what a fresh image of the same seed builds."""
    before = msgspec.json.encode(SeedImage(TWINS, seed_state, 1, start).view(name))
    world, _ = play()
    assert_view_is_full(world, name)
    assert msgspec.json.encode(world.image.view(name)) == before, "a world changed the seed's shared view"
