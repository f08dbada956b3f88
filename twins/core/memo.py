"""Remembering pure functions of texts (a query, a formula, a `fields` list) across worlds.

The same texts come back in every world of a scenario, so twins parse each once. But an agent
chooses the texts, and a cache shared by every world must not let one agent fill the memory: a
text longer than `longest` characters is computed and not kept, and at most `maxsize` are kept."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


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
