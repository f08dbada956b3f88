"""An agent's webhook endpoint for the event delivery tests: a plain HTTP server on 127.0.0.1 (a
thread) that records every request it gets and answers what `respond` says (200 by default)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Callable[[Received], tuple[int, dict[str, str], bytes]]


def ok(req: Received) -> tuple[int, dict[str, str], bytes]:
    return 200, {}, b""


class Receiver:
    def __init__(self, respond: Responder = ok) -> None:
        self.requests: list[Received] = []
        self.respond = respond
        lock = self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                req = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                               self.rfile.read(n) if n else b"")
                with lock:
                    outer.requests.append(req)
                status, headers, body = outer.respond(req)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def wait(self, n: int, timeout: float = 10.0, method: str = "POST") -> list[Received]:
        """The first `n` requests with `method`, once they have arrived (AssertionError after `timeout`)."""
        end = time.monotonic() + timeout
        while True:
            with self.lock:
                got = [r for r in self.requests if r.method == method]
            if len(got) >= n or time.monotonic() > end:
                assert len(got) >= n, f"{len(got)} {method} requests arrived, wanted {n}: {got}"
                return got[:n]
            time.sleep(0.02)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def shape(value: Any) -> Any:
    """A JSON value's key structure and types, values left out (lists: the shape of their first item)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def missing(example: Any, got: Any, path: str = "$", nullable: bool = True) -> list[str]:
    """Where `got` lacks a key the vendor's `example` has, or holds another type there (null on either
    side matches anything: examples show null for what is often set, and the other way round)."""
    out: list[str] = []
    if example is None or got is None:
        return out
    if isinstance(example, dict):
        if not isinstance(got, dict):
            return [f"{path}: an object in the example, {type(got).__name__} here"]
        for k, v in example.items():
            if k not in got:
                out.append(f"{path}.{k}: missing")
            else:
                out += missing(v, got[k], f"{path}.{k}")
        return out
    if isinstance(example, list):
        if not isinstance(got, list):
            return [f"{path}: a list in the example, {type(got).__name__} here"]
        if example and got:
            out += missing(example[0], got[0], f"{path}[0]")
        return out
    if isinstance(example, bool) or isinstance(got, bool):
        return [] if type(example) is type(got) else [f"{path}: {type(example).__name__} in the example, "
                                                      f"{type(got).__name__} here"]
    kinds = (int, float) if isinstance(example, int | float) else (type(example),)
    if not isinstance(got, kinds):
        out.append(f"{path}: {type(example).__name__} in the example, {type(got).__name__} here")
    return out
