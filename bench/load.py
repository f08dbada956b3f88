"""A raw keep-alive HTTP/1.1 load generator, run as its own process: `python -m bench.load
URL METHOD PATH BODY TOKEN CONNECTIONS SECONDS`. Prints requests/s and the status counts."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from urllib.parse import urlsplit


async def worker(host: str, port: int, request: bytes, deadline: float, stats: Counter[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
            status_line = await reader.readline()
            status = int(status_line.split(b" ", 2)[1])
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            stats[status] += 1
    finally:
        writer.close()


async def main(url: str, method: str, path: str, body: str, token: str, conns: int, seconds: float) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    data = body.encode()
    head = (f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode()
    request = head + data
    stats: Counter[int] = Counter()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    await asyncio.gather(*(worker(host, port, request, deadline, stats) for _ in range(conns)))
    dt = time.perf_counter() - t0
    print(f"{sum(stats.values()) / dt:.0f} {dict(stats)}")


if __name__ == "__main__":
    import uvloop

    a = sys.argv[1:]
    uvloop.run(main(a[0], a[1], a[2], a[3], a[4], int(a[5]), float(a[6])))
