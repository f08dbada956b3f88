"""Okta's rate window is counted by the world before each handler (`Twin.meter`): reads a world
answers from the seed's answers, without restoring its state, count as every other call does."""

from __future__ import annotations

from typing import Any

import pytest

from dtu.twins.core import World, answers
from dtu.twins.core.world import SeedImage
from dtu.twins.okta.wire import headers
from dtu.twins.registry import TWINS

from .conftest import SEED


def _image(limit: int) -> SeedImage:
    return SeedImage(TWINS, {"okta": {**SEED["okta"], "rateLimit": limit}}, 7, 1_700_000_000.0)


def _reads(image: SeedImage, n: int) -> tuple[World, list[Any]]:
    w = World(image, 2)
    return w, [w.dispatch("okta", "list_groups", {}) for _ in range(n)]


def test_reads_from_the_seed_count_in_the_window_as_computed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    answers.forget()
    image = _image(3)
    World(image, 1).dispatch("okta", "list_groups", {})  # computed once, kept for the other worlds
    w, got = _reads(image, 4)
    assert "okta" not in w._ctx  # answered without restoring the state
    assert [r.status for r in got] == [200, 200, 200, 429]
    assert got[-1].body["errorCode"] == "E0000047"
    rate = w.ctx("okta").state.rate
    assert (rate.used, rate.limit) == (4, 3)
    assert headers(w.ctx("okta").state, w.env, got[0])["X-Rate-Limit-Remaining"] == "0"
    with monkeypatch.context() as m:  # every read computed on the restored state: the same answers and count
        m.setattr(answers, "recall", lambda k, now: False)
        w2, computed = _reads(image, 4)
    assert [(r.status, r.body) for r in computed] == [(r.status, r.body) for r in got]
    assert w2.ctx("okta").state.rate == rate


def test_a_new_window_starts_a_minute_later_for_reads_from_the_seed() -> None:
    answers.forget()
    image = _image(2)
    World(image, 1).dispatch("okta", "list_groups", {})
    w, got = _reads(image, 2)
    assert [r.status for r in got] == [200, 200]  # the window is full: one more now would be a 429
    w.env.now += 60
    assert w.dispatch("okta", "list_groups", {}).status == 200 and "okta" not in w._ctx
    assert w.ctx("okta").state.rate.used == 1
