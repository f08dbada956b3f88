"""Remembering, across worlds, what depends only on what it is keyed on: pure functions of texts
(a query, a formula, a `fields` list: `text_cache`) and of content (`Bounded`).

The same texts and contents come back in every world of a scenario, so twins compute each once.
But an agent chooses them, and a memo shared by every world must not let one agent fill the
memory: a text longer than `longest` characters is computed and not kept, and a memo keeps at
most `maxsize` entries."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])
K = TypeVar("K")
V = TypeVar("V")


class Bounded(dict[K, V]):
    """A memo shared by every world (of a pure function of its key, or of content the key encodes)
    that holds at most `maxsize` entries: when full it forgets them all, so neither an agent's
    stream of new keys nor a long sweep makes it grow. Read it as a dict; `keep` to add."""

    __slots__ = ("maxsize",)

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def keep(self, key: K, value: V) -> V:
        """Remember `value` under `key` (forgetting all first when full); returns `value`."""
        if len(self) >= self.maxsize:
            self.clear()
        self[key] = value
        return value


_DERIVED: Bounded[tuple[int, str], tuple[Any, Any]] = Bounded(1024)


def derived(obj: Any, name: str, build: Callable[[Any], V]) -> V:
    """`build(obj)`, computed once while `obj` lives: for what is derived from an object shared by
    every world and never changed (a seed image's view). Keyed by the object's identity, and the
    entry holds the object, so its id cannot pass to another while the entry is kept."""
    key = (id(obj), name)
    got = _DERIVED.get(key)
    if got is None or got[0] is not obj:
        got = _DERIVED.keep(key, (obj, build(obj)))
    return cast(V, got[1])


def _size(x: Any) -> int:
    if type(x) is str:
        return len(x)
    if type(x) is tuple:
        n = 0
        for v in x:
            if type(v) is str:
                n += len(v)
            elif type(v) is tuple:
                n += _size(v)
        return n
    return 0


def text_cache(maxsize: int, longest: int = 2048) -> Callable[[F], F]:
    """`functools.lru_cache(maxsize)` for a function whose first argument is a text (or a tuple of
    texts) and whose result depends on its arguments alone; callers only read what it returns."""

    def wrap(fn: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(fn)

        @functools.wraps(fn)
        def call(text: Any, *args: Any) -> Any:
            if _size(text) > longest:
                return fn(text, *args)
            return cached(text, *args)

        return cast(F, call)

    return wrap
