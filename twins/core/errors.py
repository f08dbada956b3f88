"""Typed vendor errors. State and handlers raise them; a door renders them in the vendor's shape."""

from __future__ import annotations

from typing import Any, Protocol


class TwinError(Exception):
    """An error a vendor would send. Subclasses know their vendor's wire shape."""

    status: int = 400

    def __init__(self, code: str, message: str = "", *, status: int | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        if status is not None:
            self.status = status
        self.headers = headers
        self.extra = extra

    def body(self) -> Any:
        """The decoded body the vendor would send for this error."""
        return {"error": self.code, "message": self.message, **self.extra}


class ErrorKit(Protocol):
    """How a twin says the things the core needs to say, in its vendor's shape.

    The core raises these for failures that are not an operation's own: arguments that do not
    validate, a missing or unknown token, an unknown path, a body too large or malformed,
    a call past a world's step bound, an injected fault, and an unexpected handler failure."""

    def invalid_arguments(self, detail: str) -> TwinError: ...
    def malformed(self, detail: str) -> TwinError: ...
    def unauthorized(self, token_given: bool) -> TwinError: ...
    def forbidden(self, detail: str) -> TwinError: ...
    def not_found_route(self, method: str, path: str) -> TwinError: ...
    def too_large(self, limit: int) -> TwinError: ...
    def rate_limited(self, retry_after: float, *, op: str = "", reset: float | None = None,
                     limit: int | None = None) -> TwinError:
        """Too many calls: retry in `retry_after` world seconds. A fault plan also says which
        operation, the window's reset (epoch seconds, world time) and, for a published limit,
        how many calls the window allows, for vendors whose answer depends on them."""
        ...
    def unavailable(self) -> TwinError: ...
    def internal(self) -> TwinError: ...
