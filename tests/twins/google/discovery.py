"""Google's discovery documents (twins/google/schema/) as JSON Schema, and a validator for the
twin's answers.

- A method's response schema: the discovery `response.$ref`, every schema of the document under
  `$defs`. Discovery types map to JSON Schema types; `int64`/`uint64` (and the other string
  formats: `date-time`, `google-datetime`, `google-duration`, `google-fieldmask`, `byte`) are
  strings with a pattern; `enum` kept; `kind` must equal its documented `default`
  (`drive#file`). Objects with `properties` refuse undeclared fields
  (`additionalProperties: false`): discovery marks few fields required, so a twin drifts by
  adding fields, and this is where it shows. `additionalProperties` in the document (maps) keeps
  its own schema.
- Errors: Google's error model (https://cloud.google.com/apis/design/errors#http_mapping, and
  Drive's legacy envelope, https://developers.google.com/workspace/drive/api/guides/handle-errors):
  `{"error": {"code", "message", "errors": [{"domain", "reason", "message", "location",
  "locationType"}], "status", "details"}}`, `code` equal to the HTTP status and `status` a
  google.rpc.Code name that maps to it.
- Nothing to check against (`Unchecked`): a batch envelope's multipart body (each part is its own
  call), a media download's bytes, and an answer with no body where the method documents one (a
  resumable upload's session start, its 308)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from tests.schemas import Unchecked

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_DIR = ROOT / "twins" / "google" / "schema"
DOCS = {"drive": "drive.v3.json", "docs": "docs.v1.json", "sheets": "sheets.v4.json"}

# twin operations that are another name for a discovery method (the media doors of files.create/update)
ALIASES = {
    "drive.files.create.upload": "drive.files.create",
    "drive.files.update.upload": "drive.files.update",
    "drive.files.upload.resume": "drive.files.create",
    "drive.files.upload.resumeUpdate": "drive.files.update",
}
NO_SCHEMA = ("drive.batch", "google.batch")  # multipart/mixed envelopes: each part is its own call

INT64 = r"^-?[0-9]+$"
DATE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
STRING_FORMATS = {"int64": INT64, "uint64": r"^[0-9]+$", "date-time": DATE_TIME,
                  "google-datetime": DATE_TIME, "google-duration": r"^-?[0-9]+(\.[0-9]+)?s$",
                  "byte": r"^[A-Za-z0-9+/_=-]*$"}

# google.rpc.Code names and the HTTP status each maps to
RPC_HTTP = {"OK": 200, "CANCELLED": 499, "UNKNOWN": 500, "INVALID_ARGUMENT": 400, "DEADLINE_EXCEEDED": 504,
            "NOT_FOUND": 404, "ALREADY_EXISTS": 409, "PERMISSION_DENIED": 403, "UNAUTHENTICATED": 401,
            "RESOURCE_EXHAUSTED": 429, "FAILED_PRECONDITION": 400, "ABORTED": 409, "OUT_OF_RANGE": 400,
            "UNIMPLEMENTED": 501, "INTERNAL": 500, "UNAVAILABLE": 503, "DATA_LOSS": 500}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["error"],
    "properties": {"error": {
        "type": "object", "additionalProperties": False, "required": ["code", "message"],
        "properties": {
            "code": {"type": "integer"},
            "message": {"type": "string", "minLength": 1},
            "status": {"enum": sorted(RPC_HTTP)},
            "details": {"type": "array", "items": {"type": "object", "required": ["@type"]}},
            "errors": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False,
                "required": ["domain", "reason", "message"],
                "properties": {k: {"type": "string"} for k in (
                    "domain", "reason", "message", "location", "locationType", "extendedHelp",
                    "sendReport")}}},
        }}},
}


def convert(node: dict[str, Any]) -> dict[str, Any]:
    """One discovery schema node as JSON Schema."""
    if "$ref" in node:
        return {"$ref": f"#/$defs/{node['$ref']}"}
    t = node.get("type")
    out: dict[str, Any] = {}
    if t == "object" or "properties" in node:
        out["type"] = "object"
        props = node.get("properties")
        if props is not None:
            out["properties"] = {k: convert(v) for k, v in props.items()}
            kind = props.get("kind")
            if kind is not None and isinstance(kind.get("default"), str):
                out["properties"]["kind"] = {"const": kind["default"]}
        if "additionalProperties" in node:
            out["additionalProperties"] = convert(node["additionalProperties"])
        elif props is not None:
            out["additionalProperties"] = False
    elif t == "array":
        out["type"] = "array"
        if "items" in node:
            out["items"] = convert(node["items"])
    elif t == "string":
        out["type"] = "string"
        pattern = STRING_FORMATS.get(node.get("format", ""))
        if pattern is not None:
            out["pattern"] = pattern
    elif t in ("integer", "number", "boolean"):
        out["type"] = t
    elif t == "any" or t is None:
        return {}
    if "enum" in node:
        out["enum"] = list(node["enum"])
    return out


@cache
def document(api: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SCHEMA_DIR / DOCS[api]).read_text())
    return doc


@cache
def methods(api: str) -> dict[str, dict[str, Any]]:
    """Every method of a discovery document by its id (`drive.files.list`)."""
    out: dict[str, dict[str, Any]] = {}
    todo = [document(api)]
    while todo:
        node = todo.pop()
        for m in node.get("methods", {}).values():
            out[m["id"]] = m
        todo.extend(node.get("resources", {}).values())
    return out


@cache
def defs(api: str) -> dict[str, Any]:
    return {name: convert(s) for name, s in document(api)["schemas"].items()}


@cache
def validator(api: str, ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$defs": defs(api), "$ref": f"#/$defs/{ref}"})


ERROR_VALIDATOR = Draft202012Validator(ERROR_SCHEMA)


def method_of(op: str) -> dict[str, Any] | None:
    """The discovery method a twin operation answers for (None: no discovery method)."""
    name = ALIASES.get(op, op)
    api = name.split(".", 1)[0]
    if api not in DOCS:
        return None
    return methods(api).get(name)


def _messages(v: Draft202012Validator, body: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:160]}"
            for e in sorted(v.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))]


def check(op: str, status: int, body: Any) -> list[str] | Unchecked:
    """What is wrong with one answer of `op` (empty: it matches Google's published shape);
    `Unchecked` when the discovery document has nothing to check it against."""
    if status >= 400:
        problems = _messages(ERROR_VALIDATOR, body)
        if problems:
            return problems
        err = body["error"]
        if err["code"] != status:
            problems.append(f"error.code {err['code']} != HTTP status {status}")
        if "status" in err and RPC_HTTP[err["status"]] != status and status != 413:
            problems.append(f"error.status {err['status']} does not map to HTTP {status}")
        if "status" not in err and "errors" not in err:
            problems.append("error has neither `status` nor `errors`")
        return problems
    method = method_of(op)
    if method is None:
        return Unchecked("a multipart/mixed batch envelope") if op in NO_SCHEMA else [f"no discovery method for {op}"]
    ref = method.get("response", {}).get("$ref")
    if body is None:  # 204, 308, a resumable session's start
        if ref is None:
            return []  # no body documented, none answered
        if status in (204, 308) or "upload" in op or op.endswith(".resume"):
            return Unchecked("no body: a resumable upload's session start or 308")
        return [f"empty body where {ref} is documented"]
    if ref is None:
        media = method.get("supportsMediaDownload") or method.get("useMediaDownloadService")
        if media and _is_media(body):
            return Unchecked("a media download: raw bytes, no schema")
        return [f"a body where {method['id']} documents none"]
    if _is_media(body) and method.get("supportsMediaDownload"):
        return Unchecked("a media download: raw bytes, no schema")  # files.get?alt=media
    return _messages(validator(op.split(".", 1)[0] if op not in ALIASES else "drive", ref), body)


def _is_media(body: Any) -> bool:
    """A download: a `Raw` in process, or its record in a trajectory ({data, content_type})."""
    return type(body).__name__ == "Raw" or (isinstance(body, dict) and set(body) <= {"data", "content_type"}
                                             and "data" in body)
