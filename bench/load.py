"""A raw keep-alive HTTP/1.1 load generator, run as its own process:
`python -m bench.load URL METHOD PATH BODY AUTH_HEADER AUTH_VALUE CONNECTIONS SECONDS ["Name: value" ...]`.
The auth header is sent as given (`Authorization` `Bearer t`, `Authorization` `SSWS t`, `x-api-key` `t`);
further `Name: value` arguments are extra headers (`anthropic-version: 2023-06-01`). Prints requests/s
and the status counts as JSON: `12345 {"200": 36000}`."""

from __future__ import annotations

import asyncio
import json
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


def build_request(host: str, port: int, method: str, path: str, body: str, headers: dict[str, str]) -> bytes:
    """The raw request every connection repeats: the given headers, a JSON body and its length."""
    data = body.encode()
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head = (f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode()
    return head + data


async def main(url: str, method: str, path: str, body: str, headers: dict[str, str], conns: int,
               seconds: float) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = build_request(host, port, method, path, body, headers)
    stats: Counter[int] = Counter()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    await asyncio.gather(*(worker(host, port, request, deadline, stats) for _ in range(conns)))
    dt = time.perf_counter() - t0
    print(f"{sum(stats.values()) / dt:.0f} {json.dumps({str(k): v for k, v in sorted(stats.items())})}")


def parse_headers(auth_name: str, auth_value: str, extra: list[str]) -> dict[str, str]:
    headers = {auth_name: auth_value}
    for h in extra:
        name, sep, value = h.partition(":")
        if not sep or not name.strip():
            raise SystemExit(f"bench.load: header {h!r} is not 'Name: value'")
        headers[name.strip()] = value.strip()
    return headers


if __name__ == "__main__":
    import uvloop

    a = sys.argv[1:]
    if len(a) < 8:
        raise SystemExit(__doc__)
    uvloop.run(main(a[0], a[1], a[2], a[3], parse_headers(a[4], a[5], a[8:]), int(a[6]), float(a[7])))
