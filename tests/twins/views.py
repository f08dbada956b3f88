"""What the twins' incremental-view tests share: a world's view built from the seed's and its
changes (`Twin.view_delta`) must be the full view, and must leave the seed's shared view as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from dtu.twins.core import SeedImage, World
from dtu.twins.registry import TWINS


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
