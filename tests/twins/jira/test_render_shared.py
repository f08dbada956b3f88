"""Catalog shapes (users, statuses, issue types, priorities, projects) are built once and shared by every
answer and every world: what a caller may change is a copy, and changing it changes no later answer."""

from __future__ import annotations

from typing import Any

import msgspec

from dtu.twins.core.world import SeedImage, World
from dtu.twins.jira import render
from dtu.twins.registry import TWINS

from .data import DANA, SEED

NOW = 1709294400.0


def _world(seed: int = 2) -> World:
    return World(SeedImage(TWINS, SEED, 1, NOW), seed)


def _get(world: World, key: str, **args: Any) -> Any:
    reply = world.dispatch("jira", "issue.get", {"issueIdOrKey": key, **args})
    assert reply.status == 200, reply.body
    return reply.body


def test_answers_that_add_to_a_user_change_no_other_answer() -> None:
    world = _world()
    before = msgspec.json.encode(_get(world, "PROJ-8"))
    me = world.dispatch("jira", "myself", {}).body
    assert me["locale"] == "en_US"  # myself adds to its user
    after = _get(world, "PROJ-8")
    assert "locale" not in after["fields"]["reporter"]
    assert msgspec.json.encode(after) == before
    ctx = world.ctx("jira")
    w = render.View(ctx, "2")
    mine = render.user(w, DANA)
    assert mine is not None and mine is not render.user(w, DANA)  # a fresh copy each time
    mine.pop("emailAddress")  # as a webhook's user does
    assert (render.user(w, DANA) or {})["emailAddress"] == "dana@acme.test"


def _restored(seed: int) -> World:
    """A world that has restored Jira's state, so it renders its answers (a world that has not may
    get the one another world of the seed rendered, decoded afresh: twins/core/answers.py)."""
    world = _world(seed)
    world.ctx("jira")
    return world


def test_catalog_shapes_are_shared_by_worlds_and_equal_to_fresh_ones() -> None:
    a, b = _get(_restored(2), "PROJ-8"), _get(_restored(3), "PROJ-8")
    for name in ("status", "issuetype", "priority", "project", "reporter"):
        assert a["fields"][name] is b["fields"][name], name
    ctx = _world().ctx("jira")
    w = render.View(ctx, "2")
    s = ctx.state
    st = next(iter(s.statuses.values()))
    assert render.status(w, st) == render._status(w.api, w.base, st.id, st.description, st.name, st.category)
    p = next(iter(s.projects.values()))
    full = render.project(w, p, True)
    assert "lead" in full and "lead" not in render.project_ref(w, p)  # a full project is a copy


def test_long_texts_are_rendered_but_not_kept() -> None:
    ctx = _world().ctx("jira")
    w = render.View(ctx, "2")
    p = msgspec.structs.replace(next(iter(ctx.state.projects.values())), name="x" * (render.SHORT + 1))
    first, second = render.project_ref(w, p), render.project_ref(w, p)
    assert first == second and first is not second


def test_picked_fields_keep_their_order_and_parent_only_when_there_is_one() -> None:
    world = _world()
    made = world.dispatch("jira", "issue.create", {"fields": {
        "project": {"key": "PROJ"}, "issuetype": {"name": "Task"}, "summary": "Child", "parent": {"key": "PROJ-1"}}})
    assert made.status == 201, made.body
    spec = "parent,nonexistent,summary,-summary,status"
    child = _get(world, made.body["key"], fields=spec)
    assert list(child["fields"]) == ["status", "parent"]
    assert child["fields"]["parent"]["key"] == "PROJ-1"
    assert list(_get(world, "PROJ-1", fields=spec)["fields"]) == ["status"]
    assert [x["key"] for x in _get(world, "PROJ-1", fields="subtasks")["fields"]["subtasks"]] == [made.body["key"]]
    assert _get(world, "PROJ-1", fields="id,key")["fields"] == {}
