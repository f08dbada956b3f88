"""A scenario's `done:` query, asked of a world again and again (a service agent's trial polls it),
builds only the parts of the world it reads; what it finds is what it finds over the whole root."""

from __future__ import annotations

import jmespath
import pytest

from dtu.runner.engine import Prepared, _done, _whole
from dtu.runner.plan import found, world_root
from dtu.runner.scenario import load_text
from dtu.twins.registry import TWINS

SCENARIO = """\
id: done-query
title: Done
intent: Post.
seed:
  slack:
    users: [{id: U0DONEBOT1, name: bot, is_bot: true, bot_id: B0DONEBOT1}, {id: U0DONEME01, name: me}]
    me: me
    channels: [{id: C0DONE0001, name: general, members: [bot, me]}]
reference:
  - {twin: slack, op: chat.postMessage, args: {channel: C0DONE0001, text: hi}}
checks:
  - {query: "slack.channels.C0DONE0001.messages", op: at_least, value: 1}
"""

QUERIES = ["slack.channels.C0DONE0001.messages[?text=='hi']", "calls[?op=='chat.postMessage']", "keys(@)",
           "*.channels", "[0]", "@.slack.channels", "length(@) > `0`", "`true`", "okta.users",
           "slack.channels.* | [?name=='general'] | [0].messages"]


@pytest.mark.parametrize("query", QUERIES)
def test_done_finds_what_the_whole_root_finds(query: str) -> None:
    world = Prepared(load_text("done.yaml", SCENARIO), 0, dict(TWINS)).world(1)
    done = _done(query)
    for _ in range(2):  # before and after the call
        assert done(world) == found(jmespath.search(query, world_root(world)))
        world.dispatch("slack", "chat.postMessage", {"channel": "C0DONE0001", "text": "hi"})


def test_a_query_that_reads_the_root_itself_is_given_all_of_it() -> None:
    whole = {q: _whole(jmespath.compile(q).parsed, True) for q in QUERIES}
    assert [q for q, w in whole.items() if w] == ["keys(@)", "*.channels", "[0]", "@.slack.channels",
                                                   "length(@) > `0`"]
