"""Slack's error shape: HTTP 200 with `{"ok": false, "error": code}` (429 for ratelimited)."""

from __future__ import annotations

import math
from typing import Any

from ..core.errors import TwinError


class SlackError(TwinError):
    """A Slack Web API error, e.g. `SlackError("channel_not_found")`."""

    status = 200

    def body(self) -> Any:
        return {"ok": False, "error": self.code, **self.extra}


class SlackErrors:
    """The core's errors, said the way Slack says them."""

    def invalid_arguments(self, detail: str) -> TwinError:
        return SlackError("invalid_arguments", detail,
                          response_metadata={"messages": [f"[ERROR] {detail}"]})

    def malformed(self, detail: str) -> TwinError:
        return SlackError("invalid_form_data", detail)

    def unauthorized(self, token_given: bool) -> TwinError:
        return SlackError("invalid_auth" if token_given else "not_authed")

    def forbidden(self, detail: str) -> TwinError:
        return SlackError("not_allowed_token_type", detail)

    def not_found_route(self, method: str, path: str) -> TwinError:
        return SlackError("unknown_method", status=404)

    def too_large(self, limit: int) -> TwinError:
        return SlackError("request_too_large", status=413)

    def rate_limited(self, retry_after: float, *, op: str = "", reset: float | None = None,
                     limit: int | None = None) -> TwinError:
        """`ratelimited` with HTTP 429 and `Retry-After` (whole seconds, at least 1)."""
        return SlackError("ratelimited", status=429, headers={"Retry-After": str(max(1, math.ceil(retry_after)))})

    def unavailable(self) -> TwinError:
        return SlackError("service_unavailable", status=503)

    def internal(self) -> TwinError:
        return SlackError("internal_error", status=500)


ERRORS = SlackErrors()
