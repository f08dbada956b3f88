"""Anthropic's error shape: `{"type": "error", "error": {"type": ..., "message": ...}}`."""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from ..core.errors import TwinError

STATUS = {
    "invalid_request_error": 400, "authentication_error": 401, "permission_error": 403,
    "not_found_error": 404, "request_too_large": 413, "rate_limit_error": 429, "api_error": 500,
    "overloaded_error": 529,
}


RATE_LIMITED = "Number of requests has exceeded your rate limit"


class AnthropicError(TwinError):
    """An API error, e.g. `AnthropicError("invalid_request_error", "max_tokens: ...")`."""

    def __init__(self, code: str, message: str = "", **kw: Any) -> None:
        kw.setdefault("status", STATUS.get(code, 400))
        super().__init__(code, message, **kw)

    def body(self) -> Any:
        return {"type": "error", "error": {"type": self.code, "message": self.message}}


class AnthropicErrors:
    """The core's errors, said the way the Messages API says them."""

    def invalid_arguments(self, detail: str) -> TwinError:
        return AnthropicError("invalid_request_error", _field_message(detail))

    def malformed(self, detail: str) -> TwinError:
        return AnthropicError("invalid_request_error", detail)

    def unauthorized(self, token_given: bool) -> TwinError:
        return AnthropicError("authentication_error",
                              "invalid x-api-key" if token_given else "x-api-key header is required")

    def forbidden(self, detail: str) -> TwinError:
        return AnthropicError("permission_error", detail)

    def not_found_route(self, method: str, path: str) -> TwinError:
        return AnthropicError("not_found_error", f"Not found: {method} {path}")

    def too_large(self, limit: int) -> TwinError:
        return AnthropicError("request_too_large", f"Request exceeds the maximum size of {limit} bytes")

    def rate_limited(self, retry_after: float, *, op: str = "", reset: float | None = None,
                     limit: int | None = None) -> TwinError:
        """429 `rate_limit_error` with `retry-after`, and the `anthropic-ratelimit-requests-*`
        headers when a published limit tripped."""
        headers = {"retry-after": _seconds(max(0.0, retry_after))}
        if limit is not None:
            headers["anthropic-ratelimit-requests-limit"] = str(limit)
            headers["anthropic-ratelimit-requests-remaining"] = "0"
        if reset is not None:
            headers["anthropic-ratelimit-requests-reset"] = _dt.datetime.fromtimestamp(
                math.ceil(reset), _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return AnthropicError("rate_limit_error", RATE_LIMITED, headers=headers)

    def unavailable(self) -> TwinError:
        return AnthropicError("overloaded_error", "Overloaded")

    def internal(self) -> TwinError:
        return AnthropicError("api_error", "Internal server error")


def _seconds(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _field_message(detail: str) -> str:
    """msgspec's "Object missing required field `x` - at `$`" as the API says it: "x: Field required"."""
    msg, _, where = detail.partition(" - at `")
    path = where.rstrip("`").removeprefix("$").lstrip(".")
    if msg.startswith("Object missing required field"):
        name = msg.split("`")[1]
        return f"{path + '.' if path else ''}{name}: Field required"
    return f"{path}: {msg}" if path else msg


ERRORS = AnthropicErrors()
