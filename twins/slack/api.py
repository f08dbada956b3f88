"""The one operation registry of the Slack twin, and `method`: a Web API method with its scope.

Every method answers on `GET` and `POST /api/<method>` (Slack takes both) and first checks the
acting user: unknown -> `invalid_auth`, deactivated -> `account_inactive`, a `scopes` list
without the method's scope -> `missing_scope` with `needed` and `provided`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..core import Ctx, Registry
from .errors import SlackError
from .state import SlackState

ops = Registry("slack")
S = Ctx[SlackState]
BOTH = ("GET", "POST")

Handler = Callable[[S, Any], Any]


def check_actor(ctx: S, scope: str | None) -> None:
    user = ctx.state.users.get(ctx.actor)
    if user is None:
        raise SlackError("invalid_auth")
    if user.deleted:
        raise SlackError("account_inactive")
    if scope is not None and user.scopes is not None and scope not in user.scopes:
        raise SlackError("missing_scope", needed=scope, provided=",".join(user.scopes))


def method(name: str, scope: str | None, *, mutates: bool) -> Callable[[Handler], Handler]:
    """Register a Web API method at `/api/<name>`, guarded by the acting user and `scope`."""

    def register(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def guarded(ctx: S, p: Any) -> Any:
            check_actor(ctx, scope)
            if ctx.state.scheduled:
                from .ops_schedule import deliver_due  # ops_schedule imports this module

                deliver_due(ctx)
            return fn(ctx, p)

        ops.op(name, BOTH, f"/api/{name}", scopes=(scope,) if scope else (), mutates=mutates)(guarded)
        return fn

    return register
