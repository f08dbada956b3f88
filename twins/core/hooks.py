"""What twins share for pushing events to an agent: where a webhook may point, and which entries of
an append-only log (the Okta System Log, Drive's change log) the call in progress just added.

A webhook, event hook or watch channel may only name this machine (`http://127.0.0.1`,
`http://localhost`, `http://[::1]`, any port): a twin refuses anything else when it is registered,
in its vendor's error shape, and the deliverer (runner/deliver.py) checks again before it sends,
so a hostile agent cannot make dtu send requests to the internet or anywhere else."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from .ops import Ctx

T = TypeVar("T")

LOOPBACK = frozenset(("127.0.0.1", "localhost", "::1"))
LOOPBACK_HINT = "http://127.0.0.1:<port>/..., http://localhost:<port>/... or http://[::1]:<port>/..."


def loopback(url: str) -> bool:
    """Whether `url` is a plain-HTTP URL on this machine's loopback (no credentials in it)."""
    if not isinstance(url, str) or len(url) > 2048 or any(c in url for c in "\r\n\t\\ "):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError:
        return False
    if parts.scheme != "http" or parts.username is not None or parts.password is not None:
        return False
    host = (parts.hostname or "").lower()
    return host in LOOPBACK and (port is None or 0 < port < 65536)


def added(ctx: Ctx[Any], log: Sequence[T], stamp: object, stamp_of: Callable[[T], object],
          key: Callable[[T], Hashable]) -> list[T]:
    """The entries at the end of `log` stamped `stamp` (the call's world time) that no earlier call
    to this function in this world returned: what the call in progress appended, oldest first.

    A twin's events function runs right after the handler, so what the handler appended is the
    log's tail; an entry of an earlier call at the same world time (two people acting at once) is
    told apart by having been returned already. The keys are remembered in the world's context of
    the twin (`Ctx.seen`), so they must be unique within the world (an entry's own id, qualified
    by its parent's when ids repeat across parents), and nothing is shared between worlds."""
    seen = ctx.seen
    if seen is None:
        seen = ctx.seen = set()
    out: list[T] = []
    for item in reversed(log):
        if stamp_of(item) != stamp or key(item) in seen:
            break
        out.append(item)
    out.reverse()
    seen.update(key(item) for item in out)
    return out
