"""The twin core's public surface is exactly its curated `__all__`."""

from __future__ import annotations

import inspect

import dtu.twins.core as core


def test_all_matches_exports() -> None:
    exported = {n for n, v in vars(core).items() if not n.startswith("_") and not inspect.ismodule(v)}
    exported.discard("annotations")
    assert set(core.__all__) == exported
    for name in core.__all__:
        assert getattr(core, name) is not None
