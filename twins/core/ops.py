"""The operation registry: every twin operation is one handler, reachable through both doors."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec

from .env import Env

S = TypeVar("S")


class Reply(msgspec.Struct, array_like=True, gc=False):
    """What an operation answers: an HTTP status, the decoded body and extra headers.

    A body of None is an empty response (204); a `Raw` body is sent as bytes."""

    status: int
    body: Any
    headers: dict[str, str] | None = None


class Raw(msgspec.Struct, frozen=True, gc=False):
    """A non-JSON body: a download, an export, a CSV."""

    data: bytes
    content_type: str = "application/octet-stream"


class Ctx(Generic[S]):
    """What a handler sees: its twin's state in this world, the world's env, the acting user.

    One per twin per world; it references no world, so worlds have no reference cycles."""

    __slots__ = ("actor", "changed", "env", "seen", "state")

    def __init__(self, state: S, env: Env, actor: str) -> None:
        self.state = state
        self.env = env
        self.actor = actor
        self.seen: set[Any] | None = None  # log entries already turned into events (core/hooks.py `added`)
        self.changed: set[Any] = set()
        """Keys of the entities this world's calls changed (`mark`), for a twin whose view is
        incremental (`Twin.view_delta`): every other entity's view is the seed image's."""

    def mark(self, key: Any) -> None:
        """Note that the entity `key` (the twin's own naming, e.g. ("issue", "PROJ-1")) changed."""
        self.changed.add(key)


Handler = Callable[[Ctx[Any], Any], Any]


class NoParams(msgspec.Struct):
    """An operation without parameters."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of one twin: its name, HTTP route, parameter type and handler."""

    twin: str
    name: str
    methods: tuple[str, ...]
    path: str
    params: type[msgspec.Struct]
    handler: Handler
    doc: str
    status: int = 200
    body_key: str | None = None
    raw_body: bool = False
    tool: bool = True
    scopes: tuple[str, ...] = ()
    mutates: bool = True
    capability: str | None = None
    """The parameter that carries a capability (see `Env.grant`): over HTTP it must be a
    secret the door handed out for this operation, and the request needs no token."""


@dataclass
class Registry:
    """The operations of one twin, by name and in registration order (routes match in that order)."""

    twin: str
    ops: dict[str, Operation] = field(default_factory=dict)

    def op(self, name: str, method: str | tuple[str, ...], path: str, *, status: int = 200,
           body_key: str | None = None, raw_body: bool = False, tool: bool = True,
           scopes: tuple[str, ...] = (), mutates: bool | None = None,
           capability: str | None = None) -> Callable[[Handler], Handler]:
        """Register a handler `def h(ctx: Ctx[State], p: Params) -> body | Reply`.

        The parameter type is the annotation of the handler's second argument; the handler's
        docstring is the operation's description (and the agent tool's description)."""
        methods = (method,) if isinstance(method, str) else method

        def register(fn: Handler) -> Handler:
            if name in self.ops:
                raise ValueError(f"{self.twin}: operation {name} registered twice")
            hints = typing.get_type_hints(fn)
            names = list(inspect.signature(fn).parameters)
            params = hints.get(names[1], NoParams) if len(names) > 1 else NoParams
            self.ops[name] = Operation(
                twin=self.twin, name=name, methods=methods, path=path, params=params,
                handler=fn, doc=inspect.getdoc(fn) or name, status=status, body_key=body_key,
                raw_body=raw_body, tool=tool, scopes=scopes,
                mutates=("GET" not in methods) if mutates is None else mutates,
                capability=capability,
            )
            return fn

        return register

    def __getitem__(self, name: str) -> Operation:
        return self.ops[name]

    def __contains__(self, name: object) -> bool:
        return name in self.ops

    def __iter__(self) -> typing.Iterator[Operation]:
        return iter(self.ops.values())
