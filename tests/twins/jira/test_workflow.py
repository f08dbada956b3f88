"""Seeded workflows, enforced on transition, through door 1."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.jira import TWIN

SEED: dict[str, Any] = {"jira": {
    "users": [{"name": "Dana Scully", "email": "dana@acme.test", "admin": True}],
    "statuses": [{"name": "Blocked", "category": "indeterminate"}],
    "workflows": [{"name": "Ops", "statuses": ["To Do", "Blocked", "Done"], "transitions": [
        {"id": "5", "name": "Block", "from": ["To Do"], "to": "Blocked"},
        {"id": "6", "name": "Unblock", "from": ["Blocked"], "to": "To Do"},
        {"id": "7", "name": "Close", "to": "Done"},
    ]}],
    "projects": [{"key": "OPS", "workflow": "Ops"}],
    "issues": [{"project": "OPS", "summary": "Rotate keys"}],
}}


def call(w: World, op: str, **args: Any) -> Any:
    return asyncio.run(w.invoke("jira", op, args))


@pytest.fixture
def world() -> World:
    return World(SeedImage({"jira": TWIN}, SEED, 1, 1709294400.0), 1)


def test_custom_workflow_moves(world: World) -> None:
    names = [t["name"] for t in call(world, "issue.transitions", issueIdOrKey="OPS-1").body["transitions"]]
    assert names == ["Block", "Close"]  # Close is global
    assert call(world, "issue.transition", issueIdOrKey="OPS-1", transition={"id": "6"}).status == 400
    assert call(world, "issue.transition", issueIdOrKey="OPS-1", transition={"id": "5"}).status == 204
    assert [t["id"] for t in call(world, "issue.transitions", issueIdOrKey="OPS-1").body["transitions"]] == ["6", "7"]
    done = call(world, "issue.transition", issueIdOrKey="OPS-1", transition={"name": "close"},
                fields={"resolution": {"name": "Won't Do"}})
    assert done.status == 204
    fields = call(world, "issue.get", issueIdOrKey="OPS-1", fields="status,resolution").body["fields"]
    assert (fields["status"]["name"], fields["resolution"]["name"]) == ("Done", "Won't Do")
    view = TWIN.view(world.ctx("jira").state)
    assert [h["to"] for h in view["issues"]["OPS-1"]["history"] if h["field"] == "status"] == ["Blocked", "Done"]


def test_edit_is_atomic_on_error(world: World) -> None:
    r = call(world, "issue.edit", issueIdOrKey="OPS-1", fields={"summary": "New name", "priority": {"name": "Urgent"}})
    assert r.status == 400
    assert r.body["errors"] == {"priority": "Specify a valid 'id' or 'name' for Priority"}
    assert TWIN.view(world.ctx("jira").state)["issues"]["OPS-1"]["summary"] == "Rotate keys"


def test_v3_door_one_writes_adf(world: World) -> None:
    doc = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Line one"}]},
        {"type": "bulletList", "content": [{"type": "listItem", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "item"}]}]}]}]}
    r = call(world, "issue.create", v="3", fields={"project": {"key": "OPS"}, "issuetype": {"name": "Task"},
                                                   "summary": "With ADF", "description": doc})
    assert r.status == 201
    assert call(world, "issue.get", v="3", issueIdOrKey=r.body["key"]).body["fields"]["description"] == doc
    assert call(world, "issue.get", issueIdOrKey=r.body["key"]).body["fields"]["description"] == "Line one\n\n- item"


def test_default_is_the_simplified_workflow_and_classic_is_one_seed_word() -> None:
    seed = {"jira": {"users": [{"name": "Dana Scully", "email": "dana@acme.test", "admin": True}],
                     "projects": [{"key": "NEW"}, {"key": "OLD", "workflow": "classic"}],
                     "issues": [{"project": "NEW", "summary": "a"}, {"project": "OLD", "summary": "b"}]}}
    w = World(SeedImage({"jira": TWIN}, seed, 1, 1709294400.0), 1)
    moves = call(w, "issue.transitions", issueIdOrKey="NEW-1").body["transitions"]
    assert [(t["id"], t["name"], t["to"]["name"], t["isGlobal"]) for t in moves] == [
        ("21", "In Progress", "In Progress", True), ("31", "Done", "Done", True)]
    assert call(w, "issue.transition", issueIdOrKey="NEW-1", transition={"id": "31"}).status == 204  # skip ahead
    assert [t["name"] for t in call(w, "issue.transitions", issueIdOrKey="NEW-1").body["transitions"]] == [
        "To Do", "In Progress"]
    assert [t["name"] for t in call(w, "issue.transitions", issueIdOrKey="OLD-1").body["transitions"]] == [
        "Start Progress"]
    assert call(w, "issue.transition", issueIdOrKey="OLD-1", transition={"id": "41"}).status == 400
    view = TWIN.view(w.ctx("jira").state)
    assert view["projects"]["NEW"]["statuses"] == ["To Do", "In Progress", "Done"]
    assert view["projects"]["OLD"]["statuses"] == ["To Do", "In Progress", "In Review", "Done"]
    assert view["issues"]["NEW-1"]["resolution"] == "Done"
