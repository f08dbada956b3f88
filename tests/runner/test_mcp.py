"""The MCP door, driven by the official `mcp` Python client, unmodified: Streamable HTTP at /mcp
on a real `dtu serve`, and stdio through `dtu mcp`."""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from ..conftest import Server, start_server

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = ROOT / "scenarios" / "slack" / "launch-channel.yaml"
SLACK = {"slack": {"me": "dana", "users": [{"id": "U0DANA0001", "name": "dana", "real_name": "Dana Scully"}],
                   "channels": [{"id": "C0GENERAL1", "name": "general", "general": True, "members": ["dana"]}]}}
JIRA = {"jira": {"me": "dana@acme.test", "projects": [{"key": "OPS", "name": "Operations", "lead": "dana@acme.test"}],
                 "users": [{"account_id": "9f00000000000000000000d1", "name": "Dana Scully",
                            "email": "dana@acme.test", "admin": True}]}}
OKTA = {"okta": {"org": "acme", "users": [{"id": "00uadmin000000000001", "login": "ada@acme.test", "firstName": "Ada",
                                           "lastName": "Admin", "admin": True}]}}


@asynccontextmanager
async def session(url: str, token: str | None) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers) as http, \
            streamable_http_client(f"{url}/mcp", http_client=http) as streams, \
            ClientSession(streams[0], streams[1]) as s:
        await s.initialize()
        yield s


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_a_world_offers_the_tools_of_its_twins(server: Server) -> None:
    async def go() -> tuple[list[str], list[str]]:
        slack_only = server.world(seed_state=SLACK)
        both = server.world(seed_state={**JIRA, **OKTA})
        async with session(server.url, slack_only["token"]) as s:
            a = [t.name for t in (await s.list_tools()).tools]
        async with session(server.url, both["token"]) as s:
            b = [t.name for t in (await s.list_tools()).tools]
        return a, b

    a, b = run(go())
    # every world offers dtu__wait first (runner/wait.py), then its twins' operations
    assert a[0] == b[0] == "dtu__wait"
    assert all(n.startswith("slack__") for n in a[1:]) and "slack__chat_postMessage" in a
    assert {n.split("__")[0] for n in b[1:]} == {"jira", "okta"}


def test_tools_carry_schema_and_description(server: Server) -> None:
    async def go() -> Any:
        w = server.world(seed_state=SLACK)
        async with session(server.url, w["token"]) as s:
            return {t.name: t for t in (await s.list_tools()).tools}

    tools = run(go())
    post = tools["slack__chat_postMessage"]
    assert post.input_schema["type"] == "object" and "channel" in post.input_schema["properties"]
    assert post.description and "message" in post.description.lower()
    assert all(len(n) <= 64 and n.replace("_", "").replace("-", "").isalnum() for n in tools)


def test_a_call_is_dispatched_logged_and_structured(server: Server) -> None:
    w = server.world(seed_state=SLACK)

    async def go() -> Any:
        async with session(server.url, w["token"]) as s:
            return await s.call_tool("slack__chat_postMessage", {"channel": "C0GENERAL1", "text": "hello from MCP"})

    res = run(go())
    assert res.is_error is False
    assert res.structured_content["ok"] is True and res.structured_content["message"]["text"] == "hello from MCP"
    assert json.loads(res.content[0].text)["ok"] is True
    calls = server.admin("GET", f"/_dtu/worlds/{w['id']}/calls")
    assert [(c["twin"], c["op"]) for c in calls] == [("slack", "chat.postMessage")]
    state = server.state(w["id"])
    assert [m["text"] for m in state["slack"]["channels"]["C0GENERAL1"]["messages"]] == ["hello from MCP"]


def test_vendor_errors_are_tool_results_with_the_vendors_body(server: Server) -> None:
    w = server.world(seed_state={**SLACK, **JIRA})

    async def go() -> tuple[Any, Any, Any, Any]:
        async with session(server.url, w["token"]) as s:
            slack = await s.call_tool("slack__conversations_info", {"channel": "CNOPE"})
            jira = await s.call_tool("jira__get_issue", {"issueIdOrKey": "OPS-999"})
            bad = await s.call_tool("slack__chat_postMessage", {"channel": 5})
            unknown = await s.call_tool("okta__list_users", {})
            return slack, jira, bad, unknown

    slack, jira, bad, unknown = run(go())
    assert slack.is_error and slack.structured_content == {"ok": False, "error": "channel_not_found"}
    assert jira.is_error and jira.structured_content["status"] == 404
    assert jira.content[0].text.startswith("HTTP 404") and "errorMessages" in jira.content[0].text
    assert bad.is_error and "invalid_arguments" in bad.content[0].text
    assert unknown.is_error and "unknown_tool" in unknown.content[0].text  # a twin this world does not have


def test_no_token_or_an_unknown_token_is_401(server: Server) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    with httpx2.Client() as http:
        none = http.post(f"{server.url}/mcp", json=body, headers=headers)
        wrong = http.post(f"{server.url}/mcp", json=body,
                          headers={**headers, "Authorization": f"Bearer dtu-w1-{secrets.token_hex(12)}"})
    assert none.status_code == wrong.status_code == 401
    assert none.headers["WWW-Authenticate"].startswith("Bearer")
    assert wrong.json()["error"]["message"].startswith("unknown token")


@pytest.fixture
def planted(tmp_path: Path) -> Iterator[tuple[Server, str, list[str]]]:
    """A server holding a scenario whose checks, reference and judge rubric carry fresh markers."""
    markers = [f"MCPMK{secrets.token_hex(8)}" for _ in range(4)]
    text = LAUNCH.read_text().replace("id: kickoff", f"id: kickoff-{markers[0]}")
    text = text.replace("Kickoff: Atlas launches March 4!", f"Kickoff {markers[1]}")
    text = text.replace("value: U0CAROL001", f"value: {markers[2]}")
    text = text.replace("reference:", f"judge: {{rubric: 'Pass only if {markers[3]} is said'}}\nreference:", 1)
    assert all(m in text for m in markers)  # every marker was planted
    path = tmp_path / "planted.yaml"
    path.write_text(text)
    srv = start_server("--scenario", str(path))
    yield srv, "slack-launch-channel", markers
    srv.stop()


def test_nothing_of_the_checks_reference_or_rubric_reaches_the_mcp_client(planted: tuple[Server, str, list[str]]) -> None:
    srv, scenario, markers = planted
    w = srv.world(scenario=scenario)

    async def go() -> str:
        headers = {"Authorization": f"Bearer {w['token']}"}
        async with httpx2.AsyncClient(headers=headers) as http, \
                streamable_http_client(f"{srv.url}/mcp", http_client=http) as streams, \
                ClientSession(streams[0], streams[1]) as s:
            init = await s.initialize()
            tools = await s.list_tools()
            listed = await s.call_tool("slack__conversations_list", {})
            return init.model_dump_json() + tools.model_dump_json() + listed.model_dump_json()

    seen = run(go())
    assert "slack__chat_postMessage" in seen  # the search sees what the client was handed
    assert [m for m in markers if m in seen] == []


def test_dtu_mcp_serves_one_world_over_stdio(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    params = StdioServerParameters(command=sys.executable, args=[
        "-m", "dtu.runner", "mcp", "--scenario", str(LAUNCH), "--record", str(record)])

    async def go() -> tuple[list[str], Any]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            names = [t.name for t in (await s.list_tools()).tools]
            made = await s.call_tool("slack__conversations_create", {"name": "atlas-launch"})
            return names, made

    names, made = run(go())
    assert names[0] == "dtu__wait" and all(n.startswith("slack__") for n in names[1:])
    assert made.is_error is False and made.structured_content["channel"]["name"] == "atlas-launch"
    kept = json.loads(record.read_text())
    assert [c["op"] for c in kept["calls"]] == ["conversations.create"]
    assert any(c["name"] == "atlas-launch" for c in kept["state"]["slack"]["channels"].values())


def test_dtu_mcp_wants_exactly_one_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    from dtu.runner import cli

    assert cli.main(["mcp", "--scenario", str(ROOT / "scenarios" / "slack")]) == 2
    assert "name one file" in capsys.readouterr().err
    assert cli.main(["mcp", "--scenario", str(LAUNCH), "--trial", "-1"]) == 2
    assert "a trial is a number from 0" in capsys.readouterr().err


def only_some(tmp_path: Path) -> Path:
    text = LAUNCH.read_text().replace("reference:", "tools: [slack__conversations_create, slack__chat_*]\nreference:", 1)
    path = tmp_path / "some-tools.yaml"
    path.write_text(text)
    return path


def test_a_scenario_offers_only_its_tools(tmp_path: Path) -> None:
    srv = start_server("--scenario", str(only_some(tmp_path)))
    try:
        w = srv.world(scenario="slack-launch-channel")

        async def go() -> tuple[list[str], Any]:
            async with session(srv.url, w["token"]) as s:
                names = sorted(t.name for t in (await s.list_tools()).tools)
                return names, await s.call_tool("slack__users_list", {})

        names, refused = run(go())
    finally:
        srv.stop()
    assert "slack__conversations_create" in names and "slack__chat_postMessage" in names
    assert all(n in ("slack__conversations_create", "dtu__wait") or n.startswith("slack__chat_") for n in names)
    assert refused.is_error and "unknown_method" in refused.content[0].text  # as Slack answers an unknown method


def test_the_anthropic_agent_is_offered_the_same_tools(tmp_path: Path) -> None:
    from dtu.runner.engine import Prepared
    from dtu.runner.scenario import load_file
    from dtu.runner.tools import catalog
    from dtu.twins.registry import TWINS

    p = Prepared(load_file(only_some(tmp_path)), 0, TWINS)
    task = p.task(0, 1)
    assert task.tools == ("slack__conversations_create", "slack__chat_*")
    names = [t["name"] for t in catalog(TWINS, task.twins, task.tools).tools]
    assert "slack__chat_postMessage" in names and "slack__users_list" not in names


def test_a_tool_that_does_not_exist_is_a_load_error(tmp_path: Path) -> None:
    from dtu.runner.errors import ScenarioError
    from dtu.runner.scenario import load_file

    path = tmp_path / "bad-tools.yaml"
    path.write_text(LAUNCH.read_text().replace("reference:", "tools: [slack__chat_postMessage, slack__nope]\nreference:", 1))
    with pytest.raises(ScenarioError) as e:
        load_file(path)
    text = str(e.value)
    assert "bad-tools.yaml" in text and "tools[1]" in text and "slack__nope" in text


@pytest.mark.parametrize(("body", "headers", "status"), [
    (b"\x00\xffnot json", {}, 400),
    (b"[]", {}, 400),
    (b"xxxx", {"Content-Encoding": "gzip"}, 400),
    (b"xxxx", {"Content-Encoding": "deflate"}, 400),
    (b"{}", {"Content-Type": "text/plain"}, 400),
])
def test_broken_requests_are_4xx_never_500(server: Server, body: bytes, headers: dict[str, str], status: int) -> None:
    w = server.world(seed_state=SLACK)
    base = {"Authorization": f"Bearer {w['token']}", "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json"}
    with httpx2.Client() as http:
        r = http.post(f"{server.url}/mcp", content=body, headers={**base, **headers})
        stream = http.get(f"{server.url}/mcp", headers=base)
    assert r.status_code == status, r.text
    assert stream.status_code == 405  # stateless: no server-initiated stream


def test_dtu_mcp_refuses_a_record_path_it_cannot_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dtu.runner import cli

    assert cli.main(["mcp", "--scenario", str(LAUNCH), "--record", str(tmp_path / "no" / "such" / "x.json")]) == 2
    assert "no folder" in capsys.readouterr().err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_dtu_mcp_stopped_by_a_signal_still_keeps_its_record(tmp_path: Path, sig: signal.Signals) -> None:
    record = tmp_path / "record.json"
    proc = subprocess.Popen([sys.executable, "-m", "dtu.runner", "mcp", "--scenario", str(LAUNCH),
                             "--record", str(record)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    assert "on stdio" in proc.stderr.readline()  # serving
    proc.send_signal(sig)
    proc.wait(timeout=30)  # stdin still open: the signal alone stops it (closing stdin first would race it)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert json.loads(record.read_text())["calls"] == []


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=12)
TOOL_NAMES = ["slack__chat_postMessage", "slack__conversations_info", "slack__users_list",
              "slack__conversations_create", "slack__files_getUploadURLExternal", "slack__nope", "x", ""]


def test_fuzz_tool_calls_are_never_a_500(server: Server) -> None:
    """Hostile JSON-RPC to /mcp: arbitrary methods, params and tool arguments get a JSON-RPC
    answer or a 4xx, never a 5xx, and the server still serves afterwards."""
    w = server.world(seed_state=SLACK)
    headers = {"Authorization": f"Bearer {w['token']}", "Accept": "application/json, text/event-stream",
               "Content-Type": "application/json"}
    seen: list[int] = []
    call = st.fixed_dictionaries({"name": st.sampled_from(TOOL_NAMES) | st.text(max_size=30),
                                  "arguments": st.dictionaries(st.sampled_from(["channel", "text", "name", "users",
                                                                                "limit", "cursor", "x"]), JSON,
                                                               max_size=4) | JSON})
    message = st.fixed_dictionaries(
        {"jsonrpc": st.just("2.0") | st.text(max_size=4),
         "id": st.integers() | st.text(max_size=8) | st.none(),
         "method": st.sampled_from(["tools/call", "tools/list", "initialize", "ping", "resources/list"])
         | st.text(max_size=12),
         "params": call | JSON})

    with httpx2.Client(timeout=30) as http:
        @settings(max_examples=300, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(message)
        def one(msg: dict[str, Any]) -> None:
            r = http.post(f"{server.url}/mcp", content=json.dumps(msg).encode(), headers=headers)
            seen.append(r.status_code)
            assert r.status_code < 500, (msg, r.status_code, r.text[:300])

        one()
        alive = http.post(f"{server.url}/mcp", headers=headers, json={
            "jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "slack__conversations_list", "arguments": {}}})
    assert len(seen) == 300 and alive.status_code == 200 and alive.json()["result"]["isError"] is False
    assert server.log is not None
    server.log.seek(0)
    assert "Traceback" not in server.log.read()  # nothing was swallowed into the server's log either


@pytest.mark.parametrize("mode", ["auto", "2026-07-28", "legacy"])
def test_the_high_level_client_in_every_protocol_era(server: Server, mode: str) -> None:
    """mcp.Client: the current specification's per-request protocol (2026-07-28, which `auto`
    finds through server/discover) and the initialize handshake (legacy) both work."""
    from mcp import Client

    w = server.world(seed_state=SLACK)

    async def go() -> tuple[str, int, Any]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {w['token']}"}) as http, \
                Client(streamable_http_client(f"{server.url}/mcp", http_client=http), mode=mode) as c:
            tools = await c.list_tools()
            posted = await c.call_tool("slack__chat_postMessage", {"channel": "C0GENERAL1", "text": f"era {mode}"})
            return c.protocol_version, len(tools.tools), posted

    version, n, posted = run(go())
    assert version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
    assert n > 10 and posted.is_error is False and posted.structured_content["ok"] is True
    assert [m["text"] for m in server.state(w["id"])["slack"]["channels"]["C0GENERAL1"]["messages"]] == [f"era {mode}"]
