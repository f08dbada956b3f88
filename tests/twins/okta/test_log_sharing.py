"""System Log entries share their constant parts (syslog.py): whatever a caller does to what it was
handed (a GET /logs answer, a hook event) never reaches the log or another world. (Views are read
only, as the seed's view every world shares is: the view lists log entries uncopied.)"""

from __future__ import annotations

from typing import Any

import msgspec

from dtu.twins.core import SeedImage, World
from dtu.twins.okta import TWIN

from .conftest import BOB, CAROL, ENG, SEED


def world() -> World:
    w = World(SeedImage({"okta": TWIN}, SEED, 1, 1709294400.0), 1)
    w.listeners.append(lambda world, ev: None)  # so that events are derived
    return w


def scribble(node: Any) -> None:
    """Change everything reachable in place."""
    if isinstance(node, dict):
        for k in list(node):
            scribble(node[k])
            node[k] = "scribbled"
        node["extra"] = 1
    elif isinstance(node, list):
        for x in node:
            scribble(x)
        node.append("extra")


def logs(w: World) -> bytes:
    return msgspec.json.encode(w.dispatch("okta", "list_log_events", {}).body)


def test_what_callers_are_handed_is_their_own() -> None:
    a, b = world(), world()  # the same calls in both; only `a`'s caller scribbles on what it gets
    for w in (a, b):
        w.dispatch("okta", "assign_user_to_group", {"groupId": ENG, "userId": CAROL})
        w.dispatch("okta", "deactivate_user", {"id": BOB})
        answer = w.dispatch("okta", "list_log_events", {}).body
        if w is a:
            scribble(answer)
            for ev in w.events:
                scribble(ev.data)
        w.dispatch("okta", "unassign_user_from_group", {"groupId": ENG, "userId": CAROL})
    assert logs(a) == logs(b)
    assert msgspec.json.encode(a.view(("okta",))) == msgspec.json.encode(b.view(("okta",)))
    entry = msgspec.json.decode(logs(a))[-1]
    assert entry["client"]["userAgent"]["rawUserAgent"] == "okta-sdk"
    assert entry["outcome"] == {"result": "SUCCESS", "reason": None}
    assert entry["transaction"]["detail"] == {}
    assert [t["id"] for t in entry["target"]] == [CAROL, ENG]
