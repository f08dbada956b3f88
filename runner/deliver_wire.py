"""Deliveries' HTTP/1.1 client: connections to the agent's endpoints kept alive and reused, one
request at a time on each, and nothing else. Deliveries go to http:// URLs on this machine's
loopback only, so there are no cookies, redirects, proxies, TLS or compression to handle (no
Accept-Encoding is sent). aiohttp's client did the same with several times the CPU per request,
most of what a delivery cost; its request headers and error texts are kept.

    client = Client(socket_factory)   # or Client() for sockets made the ordinary way
    status, headers, text = await client.request("POST", url, headers, body, timeout=3.0)
    await client.close()

A socket factory (aiohttp's `socket_factory` signature: it gets the address info) makes the
sockets of an agent in a network namespace of its own. At most LIMIT connections are open at
once per client (aiohttp's connector limit); more requests wait for one. The framing headers
(Host, Content-Length, Transfer-Encoding, Connection) are always this client's own."""

from __future__ import annotations

import asyncio
import functools
import re
import socket
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from aiohttp.http import SERVER_SOFTWARE
from yarl import URL

LIMIT = 100
IDLE = 15.0  # seconds an idle connection is kept (aiohttp's keepalive_timeout)
MAX_HEAD = 65536
MAX_CHUNK_LINE = 4096  # a chunk's size line (with extensions); a longer one is refused
FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # aiohttp's header check (RFC 9110 5.5, 9112 4)
FRAMING = frozenset(("host", "content-length", "transfer-encoding", "connection"))
AUTO = {"accept": "Accept: */*", "user-agent": f"User-Agent: {SERVER_SOFTWARE}",
        "content-type": "Content-Type: application/octet-stream"}  # aiohttp's, when a request has none
SocketFactory = Callable[[Any], socket.socket]


class WireError(Exception):
    """A request that got no complete answer; str() is what aiohttp's client said in that case."""


class Target(NamedTuple):
    host: str
    port: int
    path: str  # the request target, encoded as aiohttp encodes it
    authority: str  # the Host header
    numeric: bool  # host is an IP address (no lookup)


@functools.lru_cache(maxsize=1024)
def target(url: str) -> Target:
    u = URL(url)
    host, port = u.raw_host or "", u.port or 80
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        numeric = True
    except OSError:
        numeric = False
    return Target(host, port, u.raw_path_qs, u.host_port_subcomponent or host, numeric)


def encode(method: str, t: Target, headers: Mapping[str, str], body: bytes | None) -> bytes:
    """The request's bytes: its headers as given, then aiohttp's automatic ones it lacks."""
    if FORBIDDEN.search("".join(k + v for k, v in headers.items())) is not None:
        raise ValueError("Forbidden control character detected in headers. Potential header injection attack.")
    lines = [f"{method} {t.path} HTTP/1.1\r\nHost: {t.authority}"]
    auto = AUTO.copy()
    for k, v in headers.items():
        low = k.lower()
        if low not in FRAMING:
            lines.append(f"{k}: {v}")
            auto.pop(low, None)
    if body is None:
        auto.pop("content-type")
    else:
        auto["content-length"] = f"Content-Length: {len(body)}"
    lines += auto.values()
    lines.append("\r\n")
    return "\r\n".join(lines).encode() + (body or b"")


class Conn(asyncio.Protocol):
    """One connection; `answer` parses what arrives into (status, headers, body) for the request
    in flight. `reusable` says whether another request may follow on it."""

    def __init__(self, client: Client, key: tuple[str, int]) -> None:
        self.client, self.key = client, key
        self.limit = 0  # the bytes of body the request in flight wants
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, dict[str, str], bytes]] | None = None
        self.head: tuple[int, dict[str, str], str, int] | None = None  # status, headers, framing, length
        self.body = bytearray()
        self.pos = 0  # chunked: where the next chunk's size line starts in buf
        self.reusable = True
        self.dead = False
        self.used = 0
        self.idle_since = 0.0
        self.received = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self.received = True
        if self.waiter is not None and not self.waiter.done():
            self._parse(False)
        else:  # nothing asked: a connection that talks out of turn is not reused
            self.reusable = False
            if self.waiter is None:
                self.client.drop(self)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self._parse(True)
        self.client.drop(self)

    def send(self, data: bytes, limit: int) -> asyncio.Future[tuple[int, dict[str, str], bytes]]:
        assert self.transport is not None
        self.limit = limit
        self.waiter = asyncio.get_running_loop().create_future()
        self.used += 1
        self.received = False
        self.transport.write(data)
        return self.waiter

    def _done(self, reusable: bool = True) -> None:
        assert self.head is not None and self.waiter is not None
        if reusable and len(self.buf) > 0:
            reusable = False  # bytes nobody asked for
        self.reusable = self.reusable and reusable
        status, headers, _, _ = self.head
        self.waiter.set_result((status, headers, bytes(self.body[:self.limit])))

    def _fail(self, text: str) -> None:
        assert self.waiter is not None
        self.reusable = False
        self.waiter.set_exception(WireError(text))

    def _parse(self, eof: bool) -> None:
        if self.head is None and not self._read_head(eof):
            return
        assert self.head is not None
        _, _, framing, length = self.head
        if framing == "length":
            if len(self.buf) >= length:
                self.body += self.buf[:length]
                del self.buf[:length]
                self._done()
            elif len(self.buf) >= self.limit:  # enough to answer: the rest is not read
                self.body += self.buf
                self._done(False)
            elif eof:
                self._fail("ClientPayloadError: Response payload is not completed")
        elif framing == "chunked":
            self._chunks(eof)
        elif eof or len(self.buf) >= self.limit:  # the body ends when the connection does
            self.body += self.buf
            self.buf.clear()
            self._done(False)

    def _read_head(self, eof: bool) -> bool:
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if eof:
                    self._fail("ServerDisconnectedError: Server disconnected")
                elif len(self.buf) > MAX_HEAD:
                    self._fail("ClientResponseError: 400, message='Got more than 65536 bytes when reading "
                               "Status line is too long.'")
                return False
            lines = self.buf[:end].decode("latin-1").split("\r\n")
            del self.buf[:end + 4]
            version, _, rest = lines[0].partition(" ")
            code = rest[:3]
            if not version.startswith("HTTP/1.") or not code.isdigit():
                self._fail(f"ClientResponseError: 400, message='Bad status line {lines[0][:100]!r}'")
                return False
            status = int(code)
            headers: dict[str, str] = {}
            lower: dict[str, str] = {}  # the framing headers, by lower-case name
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    name, value = name.strip(), value.strip()
                    headers[name] = value
                    if name[:1] in "CcTtHh" and name.lower() in FRAMING:
                        lower[name.lower()] = value.lower()
            if 100 <= status < 200:  # an interim answer: the real one follows
                continue
            if "connection" in lower:
                tokens = {t.strip() for t in lower["connection"].split(",")}
                self.reusable = "close" not in tokens if version == "HTTP/1.1" else "keep-alive" in tokens
            else:
                self.reusable = version == "HTTP/1.1"
            if status in (204, 304):
                framing, length = "length", 0
            elif "chunked" in lower.get("transfer-encoding", ""):
                framing, length = "chunked", 0
            elif "content-length" in lower:
                if not lower["content-length"].isdigit():
                    self._fail("ClientResponseError: 400, message='Invalid Content-Length'")
                    return False
                framing, length = "length", int(lower["content-length"])
            else:
                framing, length = "close", 0
            self.head = (status, headers, framing, length)
            return True

    def _chunks(self, eof: bool) -> None:
        buf = self.buf
        while True:
            line = buf.find(b"\r\n", self.pos)
            if line < 0:
                if len(buf) - self.pos > MAX_CHUNK_LINE:  # a size line that never ends: not read on
                    self._fail("ClientPayloadError: Response payload is not completed")
                    return
                break
            try:
                size = int(bytes(buf[self.pos:line]).split(b";")[0].strip(), 16)
            except ValueError:
                self._fail("ClientPayloadError: Response payload is not completed")
                return
            if size == 0:  # the last chunk, then trailers up to an empty line
                end = buf.find(b"\r\n\r\n", line)
                if end < 0:
                    break
                del buf[:end + 4]
                self.pos = 0
                self._done()
                return
            avail = len(buf) - line - 2
            if avail < size + 2:
                if len(self.body) + avail >= self.limit:  # enough to answer: the rest is not read
                    self.body += buf[line + 2:line + 2 + min(avail, size)]
                    self._done(False)
                    return
                break
            self.body += buf[line + 2:line + 2 + size]
            self.pos = line + 2 + size + 2
            if len(self.body) >= self.limit:
                self._done(False)
                return
        if eof:
            self._fail("ClientPayloadError: Response payload is not completed")

    def reset(self) -> None:
        self.waiter = None
        self.head = None
        self.body = bytearray()
        self.pos = 0


def _plain(info: Any) -> socket.socket:
    return socket.socket(info[0], info[1], info[2])


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class Client:
    """Connections to the endpoints of one network (the host's, or a namespace's through its
    socket factory), kept alive between requests."""

    def __init__(self, socket_factory: SocketFactory | None = None, limit: int = LIMIT) -> None:
        self.socket_factory = socket_factory
        self.limit = limit
        self.idle: dict[tuple[str, int], list[Conn]] = {}
        self.open = 0
        self.waiters: deque[asyncio.Future[None]] = deque()
        self.closed = False

    async def request(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None,
                      timeout: float, limit: int = 4096, query: str = "") -> tuple[int, dict[str, str], bytes]:
        """(status, headers, the body's first `limit` bytes); WireError when no complete answer
        came, TimeoutError after `timeout` seconds, ValueError for a header with a line break.
        `query` (encoded) is appended to `url`, which then stays the same from call to call."""
        t = target(url)
        if query:
            t = t._replace(path=f"{t.path}?{query}")
        data = encode(method, t, headers, body)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for _ in range(2):  # a kept-alive connection the server closed meanwhile: once more on a new one
            conn = self._idle(t)
            if conn is None:  # a new connection, or a wait for room: the slow path, timed on its own
                async with asyncio.timeout_at(deadline):
                    conn = await self._acquire(t)
            waiter = conn.send(data, limit)
            timer = loop.call_at(deadline, _expire, waiter)
            try:
                return await waiter
            except WireError:
                if conn.used > 1 and not conn.received:
                    continue
                raise
            finally:
                timer.cancel()
                self._release(conn)
        raise WireError("ServerDisconnectedError: Server disconnected")

    def _idle(self, t: Target) -> Conn | None:
        """A kept-alive connection to `t`'s endpoint, if one is idle."""
        stack = self.idle.get((t.host, t.port))
        now = time.monotonic()
        while stack:
            conn = stack.pop()
            if conn.dead:
                continue
            if now - conn.idle_since > IDLE:
                self.drop(conn)
                continue
            return conn
        return None

    async def _acquire(self, t: Target) -> Conn:
        key = (t.host, t.port)
        while True:
            conn = self._idle(t)
            if conn is not None:
                return conn
            if self.open < self.limit:
                return await self._connect(t, key)
            oldest = min((c for s in self.idle.values() for c in s if not c.dead), key=lambda c: c.idle_since,
                         default=None)
            if oldest is not None:  # room for this endpoint: close another's idle connection
                self.drop(oldest)
                continue
            waiter = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self.waiters:
                    self.waiters.remove(waiter)

    async def _connect(self, t: Target, key: tuple[str, int]) -> Conn:
        loop = asyncio.get_running_loop()
        self.open += 1
        conn = Conn(self, key)
        make = self.socket_factory or _plain
        try:
            if t.numeric:
                family = socket.AF_INET6 if ":" in t.host else socket.AF_INET
                infos: list[Any] = [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (t.host, t.port))]
            else:
                infos = await loop.getaddrinfo(t.host, t.port, type=socket.SOCK_STREAM)
            error: OSError = OSError(f"no address for {t.host}")
            for info in infos:
                sock = make(info)
                try:
                    sock.setblocking(False)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    await loop.sock_connect(sock, info[4])
                except OSError as e:
                    sock.close()
                    error = e
                    continue
                except BaseException:
                    sock.close()
                    raise
                await loop.create_connection(lambda: conn, sock=sock)
                return conn
            raise error
        except OSError as e:
            self._gone(conn)
            raise WireError(f"ClientConnectorError: Cannot connect to host {t.authority} ssl:default "
                            f"[{e.strerror or e}]") from None
        except BaseException:
            self._gone(conn)
            raise

    def _release(self, conn: Conn) -> None:
        finished = conn.waiter is not None and conn.waiter.done() and not conn.waiter.cancelled() \
            and conn.waiter.exception() is None
        if not finished or not conn.reusable or conn.buf or conn.dead or self.closed:
            self.drop(conn)
            return
        conn.reset()
        conn.idle_since = time.monotonic()
        self.idle.setdefault(conn.key, []).append(conn)
        self._wake()

    def drop(self, conn: Conn) -> None:
        """Close `conn` (once) and make room for a waiting request."""
        if conn.transport is not None:
            conn.transport.close()
        self._gone(conn)

    def _gone(self, conn: Conn) -> None:
        if conn.dead:
            return
        conn.dead = True
        self.open -= 1
        self._wake()

    def _wake(self) -> None:
        while self.waiters:
            w = self.waiters.popleft()
            if not w.done():
                w.set_result(None)
                return

    async def close(self) -> None:
        self.closed = True
        for stack in self.idle.values():
            for conn in stack:
                self.drop(conn)
        self.idle.clear()
