"""Google's view of a lazily restored world (twins/google/view_lazy.py) is the whole view after
each kind of change: where its shortcut holds (the seed's views copied, the read files put in
their places) and where it must decline (a seeded folder renamed, a file gone)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.google import view_lazy
from dtu.twins.registry import TWINS

from ..views import assert_view_is_full, restore_as

START = 1_720_000_000.0
SEED: dict[str, Any] = {"google": {
    "me": "alice@acme.test",
    "users": [{"email": "alice@acme.test", "name": "Alice"}, {"email": "bob@acme.test", "name": "Bob"}],
    "files": [{"id": "1team", "name": "Team", "kind": "folder"}, {"id": "1arch", "name": "Archive", "kind": "folder"},
              {"id": "1plan", "name": "Plan", "kind": "doc", "text": "Q3", "parents": ["Team"]},
              {"id": "1notes", "name": "notes.txt", "text": "hello", "parents": ["Team"]},
              {"id": "1solo", "name": "solo.txt", "text": "one", "owner": "bob@acme.test"}],
}}

# (calls, whether the shortcut answers): each call (op, args, actor)
CASES: dict[str, tuple[list[tuple[str, dict[str, Any], str | None]], bool]] = {
    "star": ([("drive.files.update", {"fileId": "1notes", "starred": True}, None)], True),
    "rename a leaf": ([("drive.files.update", {"fileId": "1plan", "name": "Plan v2"}, None)], True),
    "new file at the top": ([("drive.files.create", {"name": "new.txt"}, None)], True),
    "new file in a seeded folder": ([("drive.files.create", {"name": "n.txt", "parents": ["1team"]}, None)], True),
    "share with someone new": ([("drive.permissions.create", {"fileId": "1solo", "type": "user", "role": "reader",
                                                             "emailAddress": "carol@acme.test"}, "bob@acme.test")], True),
    "a new user's drive": ([("drive.files.create", {"name": "mine.txt"}, "dave@acme.test")], True),
    "rename a folder": ([("drive.files.update", {"fileId": "1team", "name": "Crew"}, None)], False),
    "move a folder's file": ([("drive.files.update", {"fileId": "1notes", "addParents": "1arch",
                                                       "removeParents": "1team"}, None)], True),
    "new folder with a file": ([("drive.files.create", {"name": "New", "mimeType": "application/vnd.google-apps.folder"},
                                 None),
                                ("drive.files.create", {"name": "in.txt", "parents": ["{made}"]}, None)], True),
    "delete a file": ([("drive.files.delete", {"fileId": "1solo"}, "bob@acme.test")], False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_lazy_view_is_the_whole_view(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    restore_as(True, monkeypatch)
    image = SeedImage(TWINS, SEED, 1, START)
    before = msgspec.json.encode(image.view("google"))
    world = World(image, 2)  # not the image's seed: the world's ids are another stream than the seed's
    calls, shortcut = CASES[case]
    made = ""
    for op, args, actor in calls:
        if args.get("parents") == ["{made}"]:
            args = {**args, "parents": [made]}
        reply = world.dispatch("google", op, args, actor)
        assert reply.status < 300, (op, reply.body)
        made = reply.body["id"] if op == "drive.files.create" else made
    assert_view_is_full(world, "google")
    answered = view_lazy.lazy_view(world.ctx("google"), image.view("google"))
    assert (answered is not None) is shortcut
    assert msgspec.json.encode(image.view("google")) == before, "a world changed the seed's shared view"
