"""The Jira view built incrementally (`view_delta`) equals the full view after each of the operations that
mark precisely (get_issue, new issues, links, sprint membership), including those no bundled scenario plays."""

from __future__ import annotations

from typing import Any

import msgspec

from dtu.twins.core.world import SeedImage, World
from dtu.twins.jira import TWIN
from dtu.twins.jira.view import ALL, PRECISE
from dtu.twins.registry import TWINS

from .data import BOB, SEED

CALLS: list[tuple[str, dict[str, Any]]] = [
    ("issue.create", {"fields": {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"}, "summary": "New"}}),
    ("issue.create", {"fields": {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"}, "summary": "Child",
                                 "parent": {"key": "PROJ-1"}}}),
    ("issue.edit", {"issueIdOrKey": "PROJ-3", "fields": {"summary": "Renamed", "parent": {"key": "PROJ-2"}}}),
    ("issue.edit", {"issueIdOrKey": "PROJ-3", "fields": {"parent": None}}),
    ("issue.assign", {"issueIdOrKey": "PROJ-4", "accountId": BOB}),
    ("issue.transition", {"issueIdOrKey": "PROJ-4", "transition": {"name": "Done"}}),
    ("issueLink.create", {"type": {"name": "Blocks"}, "inwardIssue": {"key": "PROJ-5"},
                          "outwardIssue": {"key": "PROJ-6"}}),
    ("attachment.add", {"issueIdOrKey": "PROJ-5", "filename": "a.txt", "content": "hello"}),
    ("comment.add", {"issueIdOrKey": "PROJ-6", "body": "first"}),
    ("watchers.add", {"issueIdOrKey": "PROJ-6", "accountId": BOB}),
    ("watchers.remove", {"issueIdOrKey": "PROJ-6", "accountId": BOB}),
    ("worklog.add", {"issueIdOrKey": "PROJ-6", "timeSpentSeconds": 3600, "comment": "work"}),
    ("remotelink.create", {"issueIdOrKey": "PROJ-7", "object": {"url": "https://x.test", "title": "X"}}),
    ("votes.add", {"issueIdOrKey": "PROJ-2"}),
    ("votes.remove", {"issueIdOrKey": "PROJ-2"}),
    ("issue.bulkCreate", {"issueUpdates": [{"fields": {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"},
                                                       "summary": "Bulk"}}]}),
]


def _encode(v: Any) -> bytes:
    return msgspec.json.encode(v)


def test_each_precise_operation_keeps_the_incremental_view_equal_to_the_full_view() -> None:
    image = SeedImage(TWINS, SEED, 1, 1709294400.0)
    seed_view = image.view("jira")
    before = _encode(seed_view)
    world = World(image, 2)
    for op, args in CALLS:
        reply = world.dispatch("jira", op, args, BOB if op.startswith("votes.") else None)  # not the reporter
        assert reply.status < 300, (op, reply.body)
        ctx = world.ctx("jira")
        assert ALL not in ctx.changed, op
        assert _encode(TWIN.view_delta(ctx, seed_view)) == _encode(TWIN.view(ctx.state)), op  # type: ignore[misc]
    s = world.ctx("jira").state
    link = next(iter(s.links))
    comment = s.issues[s.keys["PROJ-6"]].comments[0].id
    attachment = next(iter(s.attachments))
    remote = s.issues[s.keys["PROJ-7"]].remote_links[0].id
    for op, args in [("comment.update", {"issueIdOrKey": "PROJ-6", "id": comment, "body": "second"}),
                     ("comment.delete", {"issueIdOrKey": "PROJ-6", "id": comment}),
                     ("remotelink.update", {"issueIdOrKey": "PROJ-7", "linkId": remote,
                                            "object": {"url": "https://y.test", "title": "Y"}}),
                     ("remotelink.delete", {"issueIdOrKey": "PROJ-7", "linkId": remote}),
                     ("attachment.delete", {"id": attachment}),
                     ("issueLink.delete", {"linkId": link})]:
        reply = world.dispatch("jira", op, args)
        assert reply.status < 300, (op, reply.body)
        ctx = world.ctx("jira")
        assert _encode(TWIN.view_delta(ctx, seed_view)) == _encode(TWIN.view(ctx.state)), op  # type: ignore[misc]
    assert _encode(seed_view) == before


def test_other_mutating_operations_rebuild_the_whole_view() -> None:
    world = World(SeedImage(TWINS, SEED, 1, 1709294400.0), 2)
    world.dispatch("jira", "version.create", {"project": "PROJ", "name": "1.0"})
    assert ALL in world.ctx("jira").changed
    assert all(hasattr(op.handler, "__wrapped__") for op in TWIN.ops if op.mutates and op.name not in PRECISE)
