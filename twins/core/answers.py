"""Answers to reads of a seed's own state, shared by every world of that seed.

Many worlds start from one seed image (every trial of a scenario), and most begin by reading it:
listing files, searching issues, looking up users. While a world has not restored a twin's state
(it has neither changed nor been handed to anyone), a read of it answers exactly what the same read
answered in any other world of that seed. So the first such read computes the answer, and the next
ones decode it from the bytes kept here, without restoring the state at all.

What makes this exact:
- The key is the twin's seed snapshot itself (its bytes, not an image's identity), the operation,
  the encoded arguments, the acting user and the world's base URL: the whole input of a read of
  that state, but for the rest of its world's `Env`.
- `Tracing` stands in for the env while a read is first computed. A read that looked at the clock
  is kept under the time too (the same read at another time is computed again). A read that used
  anything else of it (ids, randomness, capabilities, the world's id) is never kept. The path a
  read takes is fixed by what it has read so far, so whether it looks at the clock, or at more,
  is the same every time for one key.
- An answer is kept only when its encoding decodes to an equal status, body and headers (no
  tuples, structs, NaN...): each caller decodes fresh objects of the same types, so a world never
  holds another's objects.
- A read is kept only when it left the state as it found it (its snapshot is the seed's): Okta,
  for one, counts every call in a rate window it keeps in its state.
- Only a handler's normal answer is kept, never an error or a fault; a write, or anything that
  restores the twin in a world (`World.ctx`), ends this for that world's twin."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from .env import Env
from .ops import Reply

Key = tuple[bytes, str, str, bytes, str, str]

_ENCODE = msgspec.msgpack.Encoder().encode
_DECODE = msgspec.msgpack.Decoder().decode
_NEVER = b"never"
"""The mark of a read whose answer is not kept (it used its world's ids, randomness or
capabilities, or does not round-trip)."""
_CLOCKED = b"clocked"
"""The mark of a read whose answer depends on the world's clock: it is kept under the key and the
time it was read at."""
LONGEST = 64 << 10
"""Bytes of the longest answer kept: a longer one is recomputed."""
BUDGET = 32 << 20
"""Bytes of answers kept at most: past it (or past `MOST` answers), all are forgotten, as
`memo.Bounded` forgets: neither an agent's stream of new reads nor a long sweep makes this grow."""
_KEPT: dict[Key | tuple[Key, float], bytes] = {}
MOST = 1 << 16
"""Answers kept at most (each clock time of a clocked read counts)."""
_held = 0  # bytes of answers in _KEPT (0 again whenever it forgets)


def key(snapshot: bytes, twin: str, op: str, args: Any, actor: str, base_url: str) -> Key | None:
    """The key of a read of `snapshot`'s state, or None when its arguments do not encode."""
    try:
        return (snapshot, twin, op, _ENCODE(args), actor, base_url)
    except (TypeError, OverflowError, msgspec.EncodeError):
        return None


def recall(k: Key, now: float) -> Reply | Literal[False] | None:
    """The kept answer (fresh objects), False when this read is never kept, None when not known yet."""
    got = _KEPT.get(k)
    if got is _CLOCKED:
        got = _KEPT.get((k, now))
    if got is None:
        return None
    if got is _NEVER:
        return False
    status, body, headers = _DECODE(got)
    return Reply(status, body, headers)


def keep(k: Key, reply: Reply, tracing: Tracing, unchanged: bool) -> None:
    """Remember `reply` under `k` (and the time, when the read looked at the clock), unless the read
    changed the state (not `unchanged`), used more of its world's env, or its status, body or
    headers do not round-trip."""
    global _held
    data = _NEVER
    if unchanged and not tracing.used:
        answer = [reply.status, reply.body, reply.headers]
        try:
            encoded = _ENCODE(answer)
        except (TypeError, OverflowError, msgspec.EncodeError):
            encoded = b""
        if encoded and len(encoded) <= LONGEST and _DECODE(encoded) == answer:
            data = encoded
    if _held + len(data) > BUDGET or len(_KEPT) + 2 > MOST:
        forget()
    _held += len(data)
    if data is not _NEVER and tracing.clocked:
        _KEPT[k] = _CLOCKED
        _KEPT[(k, tracing.env.now)] = data
    else:
        _KEPT[k] = data


def forget() -> None:
    """Drop every kept answer."""
    global _held
    _KEPT.clear()
    _held = 0


_KEYED = frozenset(("base_url",))
"""What of an env the key holds, so a read may use it freely."""


class Tracing:
    """An `Env` stand-in that notes whether a read looked at the clock (`clocked`) or used anything
    else of its world's env that the key does not hold (`used`: ids, randomness, the world's id)."""

    __slots__ = ("clocked", "env", "used")

    def __init__(self, env: Env) -> None:
        object.__setattr__(self, "env", env)
        object.__setattr__(self, "used", False)
        object.__setattr__(self, "clocked", False)

    def __getattr__(self, name: str) -> Any:
        if name == "now":
            object.__setattr__(self, "clocked", True)
        elif name not in _KEYED:
            object.__setattr__(self, "used", True)
        return getattr(self.env, name)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, "used", True)
        setattr(self.env, name, value)
