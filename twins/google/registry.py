"""The Google twin's one operation registry: Drive, Docs and Sheets register on it.

Every mutating handler is wrapped to mark ("file", id) for the file ids its parameters name, so
the incremental view (state.view_delta) rebuilds those files without each handler remembering."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..core import Ctx, Registry
from ..core.ops import Handler
from .state import GoogleState

G = Ctx[GoogleState]
"""The context type every Google handler takes."""

Body = dict[str, Any]

FILE_PARAMS = frozenset({"fileId", "documentId", "spreadsheetId", "destinationSpreadsheetId", "driveId", "id"})
"""Parameters that name a Drive file (a shared drive's id is its root folder's)."""


class _Marking(Registry):
    def op(self, name: str, *args: Any, **kw: Any) -> Callable[[Handler], Handler]:
        register = super().op(name, *args, **kw)

        def wrap(fn: Handler) -> Handler:
            register(fn)
            op = self.ops[name]
            keys = tuple(k for k in op.params.__struct_fields__ if k in FILE_PARAMS)
            if op.mutates and keys:
                self.ops[name] = dataclasses.replace(op, handler=_marking(fn, keys))
            return fn

        return wrap


def _marking(fn: Handler, keys: tuple[str, ...]) -> Handler:
    def handler(ctx: G, p: Any) -> Any:
        try:
            return fn(ctx, p)
        finally:  # a handler that failed half-way may have changed its file too
            for k in keys:
                v = getattr(p, k)
                if v and isinstance(v, str):
                    ctx.mark(("file", v))

    return handler


ops = _Marking("google")

__all__ = ["Body", "G", "ops"]
