"""@okta/okta-sdk-nodejs 8.1.0 (unmodified, pinned in tests/node/package.json) against a world of the
session's `dtu serve`, through tests/node/okta_sdk.mjs: users (Link-header paging), lifecycle,
groups, app creation, factors, group rules, user types, roles, change password and the System Log.
The Node SDK takes a plain-http orgUrl as it is (no https check in 8.x), so no --tls server is needed.

Needs `node` and tests/node/node_modules: a skip locally without them, a failure under CI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.schemas import node_or_skip, run_node

from .conftest import BOB, SALES, SEED


@pytest.mark.sdk("node", "@okta/okta-sdk-nodejs")
def test_node_sdk(make_world: Callable[..., dict[str, Any]], server: Any) -> None:
    node = node_or_skip("@okta/okta-sdk-nodejs")
    world = make_world(SEED)
    out = run_node(node, "okta_sdk.mjs", {"OKTA_URL": world["base_url"], "OKTA_TOKEN": world["token"]})
    assert out["logins"] == ["ada@acme.test", "bob@acme.test", "carol@acme.test"]  # paged 1 by 1
    assert out["created"] == {"status": "ACTIVE", "idLength": 20}
    assert out["got"] is True
    assert out["missingUser"] == {"status": 404, "errorCode": "E0000007"}
    assert out["groups"] == ["Engineering", "Everyone", "Sales"]
    assert out["app"] == {"label": "Docs", "status": "ACTIVE", "signOnMode": "BOOKMARK"}
    assert "Docs" in out["apps"]
    assert {"sms", "question", "push"} <= set(out["catalog"])
    assert (out["enrolled"], out["activated"], out["factors"]) == ("PENDING_ACTIVATION", "ACTIVE", ["ACTIVE"])
    assert out["factorGone"] == {"status": 404, "errorCode": "E0000007"}
    assert out["ruleStatus"] == "INACTIVE" and out["rules"] == ["ACTIVE"]
    assert BOB in out["salesAfterRule"]
    assert out["userTypes"] == ["user", "contractor"]
    assert out["roles"] == ["HELP_DESK_ADMIN"]
    assert out["changed"] == "OKTA"
    assert out["badOld"] == {"status": 403, "errorCode": "E0000014"}
    assert out["events"] == ["user.lifecycle.create", "user.lifecycle.activate", "group.user_membership.add",
                             "user.lifecycle.suspend", "user.lifecycle.unsuspend", "group.user_membership.add",
                             "user.account.update_password"]
    assert out["badSince"] == {"status": 400, "errorCode": "E0000001"}
    state = server.state(world["id"])["okta"]
    assert state["users"][BOB]["roles"] == [] and state["users"][BOB]["factors"] == []
    assert "bob@acme.test" in state["groups"][SALES]["member_logins"]
    assert [e["eventType"] for e in state["logs"]].count("group.rule.activate") == 1
