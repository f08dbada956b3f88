"""Google's error shapes.

Drive v3 answers in the legacy envelope
`{"error": {"code", "message", "errors": [{"domain", "reason", "message", "location", "locationType"}]}}`;
Docs v1 and Sheets v4 answer `{"error": {"code", "message", "status"}}`. Errors the core raises
(bad arguments, auth, unknown paths) carry both `errors` and `status`, as Google's front end does."""

from __future__ import annotations

import math
from typing import Any

from ..core.errors import TwinError

# canonical status -> HTTP code (google.rpc.Code)
STATUS_HTTP: dict[str, int] = {
    "INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "OUT_OF_RANGE": 400,
    "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403, "NOT_FOUND": 404, "ALREADY_EXISTS": 409,
    "ABORTED": 409, "RESOURCE_EXHAUSTED": 429, "CANCELLED": 499, "INTERNAL": 500,
    "UNIMPLEMENTED": 501, "UNAVAILABLE": 503, "DEADLINE_EXCEEDED": 504,
}
HTTP_STATUS: dict[int, str] = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                               404: "NOT_FOUND", 409: "ABORTED", 413: "INVALID_ARGUMENT",
                               429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
# legacy reason -> HTTP code
REASON_HTTP: dict[str, int] = {
    "notFound": 404, "invalid": 400, "badRequest": 400, "required": 400, "invalidParameter": 400,
    "parseError": 400, "fileNotDownloadable": 403, "cannotDownloadAbusiveFile": 403,
    "exportSizeLimitExceeded": 403, "cannotExportFile": 403, "badContent": 400,
    "insufficientFilePermissions": 403, "forbidden": 403, "insufficientPermissions": 403,
    "cannotShareTeamDriveTopFolderWithAnyoneOrDomains": 403, "invalidSharingRequest": 400,
    "consentRequiredForOwnershipTransfer": 403, "permissionNotFound": 404,
    "cannotRemoveOwner": 403, "cannotModifyInheritedPermission": 403,
    "authError": 401, "rateLimitExceeded": 429, "userRateLimitExceeded": 429,
    "backendError": 500, "internalError": 500, "uploadTooLarge": 413, "fieldNotWritable": 403,
    "teamDrivesFolderMoveInNotSupported": 403, "cannotAddParent": 403, "invalidLinkVisibility": 400,
    "appNotAuthorizedToFile": 403, "storageQuotaExceeded": 403, "methodNotAllowed": 405,
}


class GoogleError(TwinError):
    """A Google API error.

    The newer shape (Docs, Sheets): `GoogleError("INVALID_ARGUMENT", "Unable to parse range: X")`,
    `code` being the canonical status. The legacy shape (Drive): `DriveError("notFound", "File not
    found: X.", location="fileId")`, `code` being the reason. `legacy` picks the shape; `both`
    sends `errors` and `status` together."""

    legacy: bool = False

    def __init__(self, code: str, message: str = "", *, status: int | None = None,
                 legacy: bool | None = None, both: bool = False, location: str | None = None,
                 location_type: str | None = None, domain: str = "global",
                 headers: dict[str, str] | None = None) -> None:
        if legacy is not None:
            self.legacy = legacy
        if status is None:
            status = (REASON_HTTP.get(code, 400) if self.legacy else STATUS_HTTP.get(code, 400))
        super().__init__(code, message or code, status=status, headers=headers)
        self.both = both
        self.location = location
        self.location_type = location_type or ("parameter" if location else None)
        self.domain = domain

    def body(self) -> Any:
        err: dict[str, Any] = {"code": self.status, "message": self.message}
        if self.legacy or self.both:
            item: dict[str, Any] = {"message": self.message, "domain": self.domain,
                                    "reason": self.code if self.legacy else _reason(self.status)}
            if self.location:
                item["location"] = self.location
                item["locationType"] = self.location_type
            err["errors"] = [item]
        if not self.legacy or self.both:
            err["status"] = self.code if not self.legacy else HTTP_STATUS.get(self.status, "UNKNOWN")
        return {"error": err}


class DriveError(GoogleError):
    """A Drive v3 error in the legacy envelope, e.g. `DriveError("notFound", "File not found: X.", location="fileId")`."""

    legacy = True


def file_not_found(file_id: str) -> DriveError:
    return DriveError("notFound", f"File not found: {file_id}.", location="fileId")


def invalid_value(location: str, message: str = "Invalid Value") -> DriveError:
    return DriveError("invalid", message, location=location)


def _reason(status: int) -> str:
    return {400: "badRequest", 401: "authError", 403: "forbidden", 404: "notFound",
            429: "rateLimitExceeded", 500: "backendError", 503: "backendError"}.get(status, "badRequest")


class GoogleErrors:
    """The core's errors, said the way Google's front end says them (both `errors` and `status`)."""

    def invalid_arguments(self, detail: str) -> TwinError:
        return GoogleError("INVALID_ARGUMENT", f"Invalid value: {detail}", both=True)

    def malformed(self, detail: str) -> TwinError:
        return GoogleError("INVALID_ARGUMENT", f"Invalid JSON payload received. {detail}", both=True)

    def unauthorized(self, token_given: bool) -> TwinError:
        # Google's wording, with its "See ..." link (as Google answers it, e.g.
        # github.com/rohitaryal/imageFX-api/issues/2 and googleapis/google-api-php-client/issues/2479)
        see = " See https://developers.google.com/identity/sign-in/web/devconsole-project."
        msg = ("Request had invalid authentication credentials. Expected OAuth 2 access token, login "
               "cookie or other valid authentication credential." + see) if token_given else (
               "Request is missing required authentication credential. Expected OAuth 2 access token, "
               "login cookie or other valid authentication credential." + see)
        return GoogleError("UNAUTHENTICATED", msg, both=True, location="Authorization",
                           location_type="header", headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})

    def forbidden(self, detail: str) -> TwinError:
        return GoogleError("PERMISSION_DENIED", detail or "The caller does not have permission", both=True)

    def not_found_route(self, method: str, path: str) -> TwinError:
        return GoogleError("NOT_FOUND", f"Method not found: {method} {path}", both=True)

    def too_large(self, limit: int) -> TwinError:
        return GoogleError("INVALID_ARGUMENT", f"Request too large (limit {limit} bytes)", status=413, both=True)

    def rate_limited(self, retry_after: float, *, op: str = "", reset: float | None = None,
                     limit: int | None = None) -> TwinError:
        """Drive: 403 `userRateLimitExceeded` in its legacy envelope; Docs and Sheets: 429
        `RESOURCE_EXHAUSTED` with a `Retry-After`."""
        headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
        if op.startswith("drive."):
            return DriveError("userRateLimitExceeded", "User rate limit exceeded.", status=403,
                              domain="usageLimits", headers=headers)
        from .limits import DOCS_READ, SHEETS_READ, bucket  # (imported here: limits needs the core)
        from .registry import ops
        known = ops.ops.get(op)
        kind = "Read" if known is not None and bucket(known) in (SHEETS_READ, DOCS_READ) else "Write"
        service = "docs" if op.startswith("docs.") else "sheets"
        # Google's wording, e.g. "Quota exceeded for quota metric 'Read requests' and limit 'Read
        # requests per minute per user' of service 'sheets.googleapis.com' for consumer
        # 'project_number:...'." (as reported in github.com/AutomaApp/automa/issues/1877)
        return GoogleError("RESOURCE_EXHAUSTED", f"Quota exceeded for quota metric '{kind} requests' and "
                           f"limit '{kind} requests per minute per user' of service '{service}.googleapis.com' "
                           "for consumer 'project_number:0'.", headers=headers)

    def unavailable(self) -> TwinError:
        return GoogleError("UNAVAILABLE", "The service is currently unavailable.", both=True)

    def internal(self) -> TwinError:
        return GoogleError("INTERNAL", "Internal error encountered.", both=True)


ERRORS = GoogleErrors()

__all__ = ["ERRORS", "DriveError", "GoogleError", "GoogleErrors", "file_not_found", "invalid_value"]
