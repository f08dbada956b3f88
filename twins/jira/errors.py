"""Jira's error shape: `{"errorMessages": [...], "errors": {field: message}}` with an HTTP status.

Where each wording comes from (spec example, a quoted real answer, or the twin's own) is the
"Error wordings" table in twins/jira/README.md."""

from __future__ import annotations

import math
from typing import Any

from ..core.errors import TwinError

ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."  # spec: GET /issue 404 example


class JiraError(TwinError):
    """A Jira REST error, e.g. `JiraError(404, ISSUE_NOT_FOUND)` or `JiraError(400, errors={...})`."""

    def __init__(self, status: int, *messages: str, errors: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        first = messages[0] if messages else "; ".join((errors or {}).values())
        super().__init__(f"http_{status}", first or f"HTTP {status}", status=status, headers=headers)
        self.messages = list(messages)
        self.errors = dict(errors or {})

    def body(self) -> Any:
        return {"errorMessages": list(self.messages), "errors": dict(self.errors)}


def bad_request(*messages: str, **errors: str) -> JiraError:
    return JiraError(400, *messages, errors=errors)


def not_found(message: str = ISSUE_NOT_FOUND) -> JiraError:
    return JiraError(404, message)


def forbidden(message: str) -> JiraError:
    return JiraError(403, message)


class JiraErrors:
    """The core's errors, said the way Jira Cloud says them."""

    def invalid_arguments(self, detail: str) -> TwinError:
        return JiraError(400, f"Invalid request payload. {detail}")

    def malformed(self, detail: str) -> TwinError:
        return JiraError(400, f"Invalid request payload. Refer to the REST API documentation and try again. ({detail})")

    def unauthorized(self, token_given: bool) -> TwinError:
        return JiraError(401, "Client must be authenticated to access this resource." if not token_given
                         else "You are not authenticated. Authentication required to perform this operation.")

    def forbidden(self, detail: str) -> TwinError:
        return JiraError(403, detail or "You do not have permission to perform this operation.")

    def not_found_route(self, method: str, path: str) -> TwinError:
        return JiraError(404, f"null for uri: {path}")

    def too_large(self, limit: int) -> TwinError:
        return JiraError(413, f"The request is larger than {limit} bytes.")

    def rate_limited(self, retry_after: float, *, op: str = "", reset: float | None = None,
                     limit: int | None = None) -> TwinError:
        """429 with `Retry-After` (whole seconds), as Jira Cloud sends it."""
        return JiraError(429, "Rate limit exceeded.", headers={"Retry-After": str(max(1, math.ceil(retry_after)))})

    def unavailable(self) -> TwinError:
        """503 with `Retry-After`: Jira Cloud says when to come back (clients only retry a 503 that does)."""
        return JiraError(503, "Service unavailable. Try again later.", headers={"Retry-After": "1"})

    def internal(self) -> TwinError:
        return JiraError(500, "Internal server error.")


ERRORS = JiraErrors()
