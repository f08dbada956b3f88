"""runner/deliver_wire.py, the deliveries' HTTP/1.1 client, against a raw server: the answer's
framings, kept-alive connections, the connection limit, and what it refuses or reports."""

from __future__ import annotations

import asyncio

import pytest

from dtu.runner.deliver_wire import Client, WireError, encode, target

ANSWERS = {
    "/len": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Slack-No-Retry: 1\r\n\r\nhello",
    "/chunked": b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nT: 1\r\n\r\n",
    "/http10": b"HTTP/1.0 200 OK\r\n\r\nuntil close",
    "/interim": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    "/big": b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000,
    "/bigchunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n186a0\r\n" + b"y" * 100000 + b"\r\n0\r\n\r\n",
    "/garbage": b"garbage\r\n\r\n",
    "/endless": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 100000,
}
CLOSES = ("/http10", "/garbage", "/big", "/bigchunk")


class Server:
    """Answers each request with ANSWERS[path]; `/hangup` closes without answering, `/slow`
    answers after a second. Counts connections and keeps the requests' heads."""

    def __init__(self) -> None:
        self.connections = 0
        self.heads: list[bytes] = []

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    async def serve(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await r.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                path = head.split(b" ")[1].decode()
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await r.readexactly(length)
                if path == "/hangup":
                    break
                if path == "/slow":
                    await asyncio.sleep(1)
                w.write(ANSWERS.get(path, ANSWERS["/len"]))
                await w.drain()
                if path in CLOSES:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        w.close()


async def test_framings_and_kept_alive_connections() -> None:
    server = Server()
    client = Client()
    try:
        async with server as url:
            got = [await client.request("POST", url + p, {"Content-Type": "application/json"}, b"{}", 5)
                   for p in ("/len", "/len", "/chunked", "/interim", "/http10", "/big", "/bigchunk", "/len")]
    finally:
        await client.close()
    assert got[0] == (200, {"Content-Length": "5", "X-Slack-No-Retry": "1"}, b"hello") == got[1]
    assert got[2][0] == 201 and got[2][2] == b"abcdefg"
    assert got[3] == (204, {}, b"")
    assert got[4][2] == b"until close"
    assert got[5][2] == b"x" * 4096 and got[6][2] == b"y" * 4096  # the first 4 KB of a long answer
    # one connection until the HTTP/1.0 answer ends it, then a new one after each answer read in part
    assert server.connections == 4


async def test_request_headers_are_aiohttps_and_framing_is_its_own() -> None:
    data = encode("POST", target("http://127.0.0.1:81/a b?x=é"),
                  {"Content-Type": "application/json", "X-A": "1", "Content-Length": "999", "Host": "evil"}, b"{}")
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /a%20b?x=%C3%A9 HTTP/1.1" and body == b"{}"
    assert "Host: 127.0.0.1:81" in lines and "Content-Length: 2" in lines and "Accept: */*" in lines
    assert not any("999" in line or "evil" in line for line in lines)
    assert any(line.startswith("User-Agent: Python/") for line in lines)
    get = encode("GET", target("http://localhost/x"), {}, None).decode()
    assert "Content-Length" not in get and "Content-Type" not in get and "Host: localhost\r\n" in get
    with pytest.raises(ValueError):
        encode("POST", target("http://127.0.0.1/"), {"X": "a\r\nInjected: 1"}, b"")


async def test_failures_say_what_aiohttp_said() -> None:
    client = Client()
    try:
        async with Server() as url:
            with pytest.raises(WireError, match=r"^ServerDisconnectedError: Server disconnected$"):
                await client.request("POST", url + "/hangup", {}, b"", 5)
            with pytest.raises(WireError, match=r"^ClientResponseError: 400"):
                await client.request("POST", url + "/garbage", {}, b"", 5)
            with pytest.raises(WireError, match=r"^ClientPayloadError"):  # a chunk size that never ends
                await client.request("POST", url + "/endless", {}, b"", 5)
            with pytest.raises(TimeoutError):
                await client.request("POST", url + "/slow", {}, b"", 0.05)
            assert (await client.request("POST", url + "/len", {}, b"", 5))[0] == 200  # still usable
        with pytest.raises(WireError, match=r"^ClientConnectorError: Cannot connect to host 127\.0\.0\.1:9 "
                                            r"ssl:default \[Connect call failed \('127\.0\.0\.1', 9\)\]$"):
            await client.request("POST", "http://127.0.0.1:9/x", {}, b"", 5)
    finally:
        await client.close()
    assert client.open == 0


async def test_at_most_limit_connections_and_the_rest_wait() -> None:
    server = Server()
    client = Client(limit=3)
    try:
        async with server as url:
            got = await asyncio.gather(*(client.request("POST", url + "/len", {}, b"", 5) for _ in range(20)))
            assert client.open <= 3
    finally:
        await client.close()
    assert {g[0] for g in got} == {200} and server.connections <= 3


async def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    server = Server()
    client = Client()
    try:
        async with server as url:
            await client.request("POST", url + "/len", {}, b"", 5)
            for conn in [c for stack in client.idle.values() for c in stack]:
                assert conn.transport is not None
                conn.transport.abort()  # as if the server had dropped it
            await asyncio.sleep(0.05)
            assert (await client.request("POST", url + "/len", {}, b"", 5))[2] == b"hello"
    finally:
        await client.close()
    assert server.connections == 2
