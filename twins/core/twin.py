"""A twin: the state type, operations, seed builder and wire conventions of one service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

from .env import Env
from .errors import ErrorKit, TwinError
from .events import EventsFn
from .lazy import Restorer, loaded
from .ops import Ctx, Operation, Registry, Reply

if TYPE_CHECKING:
    from .faults import RateLimit

S = TypeVar("S", bound=msgspec.Struct)
M = TypeVar("M", bound=msgspec.Struct)

# Picks the token out of an HTTP request: (headers, args) -> token or None. `args` holds the
# query, form and JSON parameters; a twin whose token can travel as a parameter pops it.
AuthFn = Callable[[Mapping[str, str], dict[str, Any]], "str | None"]


def bearer(headers: Mapping[str, str], args: dict[str, Any]) -> str | None:
    """`Authorization: Bearer <token>`."""
    value = headers.get("Authorization", "")
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    return None


@dataclass(frozen=True, eq=False)
class Meter(Generic[S, M]):
    """What every call of a twin changes in its state before the handler runs, such as Okta's
    org-wide rate window: a small flat Struct inside the state, counted by the world rather than by
    the handlers. So a read of a state a world has not restored is still answered from the seed's
    answers (twins/core/answers.py) and counted in the world's copy of the seed's meter, which the
    state takes when it is restored."""

    of: Callable[[S], M]
    """The meter inside a state."""
    put: Callable[[S, M], None]
    """Make `m` the state's meter."""
    tick: Callable[[M, float], TwinError | None]
    """Count one call at world time `now` (after its arguments were read, before its handler):
    the error it fails with instead (a 429 past the limit), or None."""


@dataclass(eq=False)
class Twin(Generic[S]):
    """Everything the core and the doors need to know about one service."""

    name: str
    state_type: type[S]
    ops: Registry
    errors: ErrorKit
    build: Callable[[Any, Env], S]
    """Build the state from a scenario's seed data (None for an empty twin)."""
    auth: AuthFn = bearer
    prefixes: tuple[str, ...] = ()
    """Path prefixes the twin owns on the HTTP door, for answering unknown paths in its shape."""
    actor: Callable[[S], str] = field(default=lambda state: "")
    """The acting user a world's default token stands for."""
    view: Callable[[S], Any] = field(default=msgspec.to_builtins)
    """The state as plain data, for checks (JMESPath) and the admin door."""
    view_delta: Callable[[Ctx[S], Any], Any] | None = None
    """The same view built incrementally: from a world's context and the seed image's view (shared
    by every world: never mutate it), rebuilding only what `ctx.changed` names. Must equal
    `view(ctx.state)`; handlers `ctx.mark` what they change."""
    headers: Callable[[S, Env, Reply], dict[str, str] | None] | None = None
    """Headers every response carries (rate-limit headers)."""
    env_vars: Callable[[str, str], dict[str, str]] | None = None
    """(base_url, token) -> environment variables a command agent's SDK reads."""
    actors: Callable[[S, str], bool] | None = None
    """Whether a name is a valid acting user of this state."""
    limits: Callable[[Operation], RateLimit | None] | None = None
    """The vendor's published rate limit for an operation (used when a fault plan asks for them)."""
    events: EventsFn | None = None
    """The events a successful mutating call causes, in the vendor's shapes (twins/<twin>/events.py)."""
    meter: Meter[S, Any] | None = None
    """What every call counts in the state before its handler runs (see `Meter`)."""

    lazy: bool = False
    """Worlds restore the state lazily (twins/core/lazy.py): its collections of entities decode
    an entity when something first reads it. For twins whose handlers read state only through
    dict methods and call `lazy.loaded` before `msgspec.to_builtins`."""

    def __post_init__(self) -> None:
        self.decoder = msgspec.msgpack.Decoder(self.state_type)
        self._restorer = Restorer(self.state_type) if self.lazy else None
        if self.lazy:  # a whole view reads every entity: decode them all first
            whole = self.view
            self.view = lambda state: whole(loaded(state))

    def snapshot(self, state: S) -> bytes:
        r = self._restorer
        return _ENCODER.encode(state if r is None else r.encodable(state))

    def restore(self, snapshot: bytes) -> S:
        return self.decoder.decode(snapshot)

    def restore_lazily(self, snapshot: bytes) -> S:
        """The same state as `restore`; with `lazy`, its entities are decoded when first read."""
        r = self._restorer
        return r.restore(snapshot) if r is not None and len(snapshot) >= LAZY_FROM else self.decoder.decode(snapshot)


_ENCODER = msgspec.msgpack.Encoder()
LAZY_FROM = 16 << 10
"""Snapshot bytes from which a lazy twin restores lazily: a hand-written scenario's seed is a few
KB, read almost whole by a trajectory, and decodes faster at once; a generated organisation's is
25-80 KB, of which a trajectory reads a few entities."""
