"""The MCP door, driven by the official TypeScript client (`@modelcontextprotocol/sdk`, unmodified,
pinned in tests/node/package.json): `Client` + `StreamableHTTPClientTransport` against /mcp on a
real `dtu serve`, through tests/node/mcp_client.mjs.

Needs `node` and tests/node/node_modules (`cd tests/node && npm ci`). Without them these tests skip
locally, but fail under CI (the `CI` env var set), where .ci/run installs them: a skip must never
hide a failure there."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from typing import Any

import pytest

from tests.schemas import NODE_DIR, node_or_skip

from ..conftest import Server

SCRIPT = NODE_DIR / "mcp_client.mjs"
TIMEOUT = 60  # seconds for one run of the script: connect, list, every call

SLACK = {"slack": {"me": "dana", "users": [{"id": "U0DANA0001", "name": "dana", "real_name": "Dana Scully"}],
                   "channels": [{"id": "C0GENERAL1", "name": "general", "general": True, "members": ["dana"]}]}}


@pytest.fixture
def node() -> str:
    """The `node` binary, once the SDK is installed; a skip (locally) or a failure (CI) if not."""
    return node_or_skip("@modelcontextprotocol/sdk")


def drive(node: str, server: Server, token: str, steps: list[dict[str, Any]]) -> tuple[int, dict[str, Any], str]:
    """Run mcp_client.mjs: (exit code, its JSON line, its stderr)."""
    env = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    proc = subprocess.run([node, str(SCRIPT), f"{server.url}/mcp", token, json.dumps(steps)],
                          cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    lines = proc.stdout.strip().splitlines()
    assert lines, f"mcp_client.mjs printed nothing (exit {proc.returncode}); stderr:\n{proc.stderr}"
    try:
        out = json.loads(lines[-1])
    except json.JSONDecodeError:
        pytest.fail(f"mcp_client.mjs printed no JSON (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.returncode, out, proc.stderr


def test_ts_client_lists_the_worlds_tools_and_a_post_lands(node: str, server: Server) -> None:
    w = server.world(seed_state=SLACK)
    text = f"hello from the TypeScript SDK {secrets.token_hex(4)}"
    code, out, err = drive(node, server, w["token"], [
        {"tool": "slack__chat_postMessage", "arguments": {"channel": "C0GENERAL1", "text": text}}])
    assert code == 0 and out["ok"] is True, f"{out}\n{err}"
    assert out["server"]["name"] == "dtu"

    tools = out["tools"]
    assert tools[0] == "dtu__wait" and all(n.startswith("slack__") for n in tools[1:]), tools
    assert "slack__chat_postMessage" in tools

    [post] = out["calls"]
    assert post["isError"] is False, post
    assert post["structuredContent"]["ok"] is True and post["structuredContent"]["message"]["text"] == text
    assert json.loads(post["text"])["ok"] is True

    calls = server.admin("GET", f"/_dtu/worlds/{w['id']}/calls")
    assert [(c["twin"], c["op"]) for c in calls] == [("slack", "chat.postMessage")]
    state = server.state(w["id"])
    assert [m["text"] for m in state["slack"]["channels"]["C0GENERAL1"]["messages"]] == [text]


def test_ts_client_sees_a_vendor_error_as_a_tool_error(node: str, server: Server) -> None:
    w = server.world(seed_state=SLACK)
    code, out, err = drive(node, server, w["token"], [
        {"tool": "slack__conversations_info", "arguments": {"channel": "CNOPE"}}])
    assert code == 0 and out["ok"] is True, f"{out}\n{err}"
    [info] = out["calls"]
    assert info["isError"] is True, info
    assert info["structuredContent"] == {"ok": False, "error": "channel_not_found"}


def test_ts_client_with_an_unknown_token_is_refused_with_401(node: str, server: Server) -> None:
    server.world(seed_state=SLACK)  # a world exists; this token is not its
    code, out, err = drive(node, server, f"dtu-w1-{secrets.token_hex(12)}", [
        {"tool": "slack__chat_postMessage", "arguments": {"channel": "C0GENERAL1", "text": "never"}}])
    assert code != 0, out
    assert out["ok"] is False and out["stage"] == "connect" and out["status"] == 401, out
    assert "unknown token" in out["error"]
    assert "HTTP 401" in err
