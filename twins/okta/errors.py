"""Okta's error shape: `{errorCode, errorSummary, errorLink, errorId, errorCauses}` with an HTTP status.

Codes, statuses and summaries follow Okta's error code list,
https://developer.okta.com/docs/reference/error-codes/. Where each summary used here was confirmed:
- Okta's own response examples, okta/okta-management-openapi-spec@fdda229
  dist/current/management-minimal.yaml: E0000001 "Api validation failed: {field}", E0000003 "The
  request body was not well-formed.", E0000006 "You do not have permission to perform the requested
  action", E0000007 "Not found: Resource not found: {id} ({Type})", E0000009 "Internal Server Error",
  E0000011 "Invalid token provided", E0000047 "API call exceeded rate limit due to too many requests.";
- the error-code table Okta published before the current page, okta/okta.github.io
  (title "Error Codes", redirect_from /reference/error_codes/): E0000008 404, E0000010 503,
  E0000014 403, E0000016 403, E0000031 400, E0000032 403 "Unlock is not allowed for this user.",
  E0000038 403 "This operation is not allowed in the user's current status.", E0000068 "Invalid
  Passcode/Answer";
- the current page's entries: E0000080 403 "The password does not meet the complexity requirements of
  the current password policy.", E0000090 409 "The role specified is already assigned to the user.",
  which Okta's own terraform provider and several connectors match on (okta/terraform-provider-okta,
  admin role targets test)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any, TypeVar

from ..core.errors import TwinError

T = TypeVar("T")

ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def error_id(code: str, summary: str) -> str:
    """A deterministic `oae…` error id (real ones are per request; ours are stable per error)."""
    x = int.from_bytes(hashlib.blake2b(f"{code}\0{summary}".encode(), digest_size=16).digest(), "big")
    out = []
    for _ in range(19):
        x, r = divmod(x, 62)
        out.append(ALNUM[r])
    return "oae" + "".join(out)


class OktaError(TwinError):
    """An Okta Management API error, e.g. `OktaError("E0000007", "Not found: ...", status=404)`."""

    status = 400

    def body(self) -> Any:
        causes = self.extra.get("causes") or []
        return {"errorCode": self.code, "errorSummary": self.message, "errorLink": self.code,
                "errorId": error_id(self.code, self.message),
                "errorCauses": [{"errorSummary": c} for c in causes]}


def not_found(what: str, ref: str) -> OktaError:
    """E0000007, as Okta says it for a missing user, group or app."""
    return OktaError("E0000007", f"Not found: Resource not found: {ref} ({what})", status=404)


def found(table: Mapping[str, T], ref: str, what: str) -> T:
    """`table[ref]`; E0000007 naming `what` (UserGroup, GroupRule, ...) when it has none."""
    got = table.get(ref)
    if got is None:
        raise not_found(what, ref)
    return got


def validation(*causes: str, field: str = "") -> OktaError:
    """E0000001 with its causes (`login: An object with this field already exists ...`)."""
    summary = f"Api validation failed: {field}" if field else "Api validation failed"
    return OktaError("E0000001", summary, status=400, causes=list(causes))


def not_allowed_status() -> OktaError:
    """E0000038: a lifecycle operation the user's current status does not allow."""
    return OktaError("E0000038", "This operation is not allowed in the user's current status.", status=403)


def forbidden() -> OktaError:
    return OktaError("E0000006", "You do not have permission to perform the requested action", status=403)


def bad_search() -> OktaError:
    return OktaError("E0000031", "Invalid search criteria.", status=400)


class OktaErrors:
    """The core's errors, said the way Okta says them."""

    def invalid_arguments(self, detail: str) -> TwinError:
        return validation(detail.split(" - at ")[0])

    def malformed(self, detail: str) -> TwinError:
        return OktaError("E0000003", "The request body was not well-formed.", status=400, causes=[detail])

    def unauthorized(self, token_given: bool) -> TwinError:
        return OktaError("E0000011", "Invalid token provided", status=401)

    def forbidden(self, detail: str) -> TwinError:
        return forbidden()

    def not_found_route(self, method: str, path: str) -> TwinError:
        return OktaError("E0000008", "The requested path was not found", status=404)

    def too_large(self, limit: int) -> TwinError:
        return OktaError("E0000003", "The request body was not well-formed.", status=413,
                         causes=[f"the body is larger than {limit} bytes"])

    def rate_limited(self, retry_after: float, *, op: str = "", reset: float | None = None,
                     limit: int | None = None) -> TwinError:
        """E0000047 with X-Rate-Limit-Limit, -Remaining (0) and -Reset (epoch seconds, world time)
        when the plan says them; the door's headers fill in the org-wide values otherwise."""
        headers = {"X-Rate-Limit-Remaining": "0"}
        if limit is not None:
            headers["X-Rate-Limit-Limit"] = str(limit)
        if reset is not None:
            headers["X-Rate-Limit-Reset"] = str(math.ceil(reset))
        return OktaError("E0000047", "API call exceeded rate limit due to too many requests.", status=429,
                         headers=headers)

    def unavailable(self) -> TwinError:
        return OktaError("E0000010", "Service is in read only mode", status=503)

    def internal(self) -> TwinError:
        return OktaError("E0000009", "Internal Server Error", status=500)


ERRORS = OktaErrors()
