"""The official SDKs' own retry handlers work against the twins' injected faults."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from ..conftest import Server

SLACK = {"slack": {"users": [{"id": "U0DANA0001", "name": "dana"}],
                   "channels": [{"id": "C0GENERAL1", "name": "general", "members": ["dana"]}]}}


def statuses(server: Server, world: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    return [(c["op"], c["status"], c.get("fault")) for c in server.admin("GET", f"/_dtu/worlds/{world['id']}/calls")]


def test_slack_rate_limit_retry_handler(server: Server) -> None:
    w = server.world(SLACK, faults=[{"twin": "slack", "op": "chat.postMessage", "outage": [1, 1],
                                     "error": "rate_limited", "retry_after": 1}])
    client = WebClient(token=w["token"], base_url=w["env"]["SLACK_API_URL"],
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert client.chat_postMessage(channel="C0GENERAL1", text="hello")["ok"]
    assert statuses(server, w) == [("chat.postMessage", 429, "ratelimited"), ("chat.postMessage", 200, None)]
    history = server.state(w["id"])["slack"]["channels"]["C0GENERAL1"]["messages"]
    assert [m["text"] for m in history] == ["hello"]


def test_slack_server_error_retry_handler(server: Server) -> None:
    w = server.world(SLACK, faults=[{"twin": "slack", "op": "auth.test", "outage": [1, 2], "error": "unavailable"}])
    client = WebClient(token=w["token"], base_url=w["env"]["SLACK_API_URL"],
                       retry_handlers=[ServerErrorRetryHandler(max_retry_count=2)])
    assert client.auth_test()["user_id"] == "U0DANA0001"
    assert [s for _, s, _ in statuses(server, w)] == [503, 503, 200]
