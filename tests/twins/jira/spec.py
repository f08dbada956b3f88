"""Jira answers against Atlassian's published OpenAPI specs (twins/jira/schema/, see its PROVENANCE.md).

`problems(op, status, body)` says why one answer does not match the response the spec documents
for that operation's route and status: the Jira Cloud platform spec for `/rest/api/...` (read as
`/rest/api/3/...`: v2 shares its shapes, bar rich text, which the platform spec leaves open) and
the Jira Software spec for `/rest/agile/1.0/...`.

- A success status the spec does not list for the route is a problem (e.g. 204 where it says 201).
- An error answer is checked against the schema the spec gives that status, or, where the spec
  only describes it in words (most 4xx of the platform spec), against `ErrorCollection`, the shape
  every Jira REST error has.
- A download (`Raw` bytes) is not JSON, and a body the spec shows only by example (no schema, as
  much of the agile spec does) has nothing to check it against: both are `Unchecked` (once their
  status is found documented), outside the share.
- A status the spec documents without a body is checked too: its answer must be empty."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator

from dtu.twins.core import Raw
from dtu.twins.jira import TWIN
from tests.schemas import Unchecked

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "twins" / "jira" / "schema"
PLATFORM = SCHEMA_DIR / "swagger-v3.v3.json"
SOFTWARE = SCHEMA_DIR / "software-swagger.v3.json"
_PARAM = re.compile(r"\{[^}]*\}")


def _norm(path: str) -> str:
    return _PARAM.sub("{}", path)


# Fields the spec types as plain strings that Jira answers with null (listed in twins/jira/README.md,
# "Schema deviations"): a changelog item's from/to of a field that was empty before or after.
NULLABLE = {"ChangeDetails": ("from", "fromString", "to", "toString")}


@cache
def _specs() -> tuple[dict[str, Any], dict[str, Any]]:
    platform = json.loads(PLATFORM.read_text())
    for name, fields in NULLABLE.items():
        for f in fields:
            platform["components"]["schemas"][name]["properties"][f]["nullable"] = True
    return platform, json.loads(SOFTWARE.read_text())


@cache
def _routes() -> dict[str, tuple[int, str]]:
    """normalized spec path -> (spec index, spec path)."""
    out: dict[str, tuple[int, str]] = {}
    for i, spec in enumerate(_specs()):
        for path in spec["paths"]:
            out.setdefault(_norm(path), (i, path))
    return out


def spec_route(op: str) -> tuple[int, str, str] | None:
    """(spec index, spec path, lower-case method) of a registered Jira operation, or None."""
    o = TWIN.ops.ops[op]
    path = o.path.replace("{v:2|3|latest}", "3")
    hit = _routes().get(_norm(path))
    if hit is None:
        return None
    item = _specs()[hit[0]]["paths"][hit[1]]
    for m in o.methods:
        if m.lower() in item:
            return hit[0], hit[1], m.lower()
    return None


# The spec's own mistakes, corrected (each listed in twins/jira/README.md, "Schema deviations"):
# (path, method, status) -> the schema the spec should have given.
ERRATA: dict[tuple[str, str, str], dict[str, Any]] = {
    # "Get remote issue links" answers an array (the spec's own example is one); the schema says one object
    ("/rest/api/3/issue/{issueIdOrKey}/remotelink", "get", "200"):
        {"type": "array", "items": {"$ref": "#/components/schemas/RemoteIssueLink"}},
}
ANY = "any"  # the spec documents a body but gives only an example of it, no schema (much of the agile spec)


@cache
def _validator(idx: int, path: str, method: str, status: str) -> OAS30Validator | str | None:
    spec = _specs()[idx]
    resp = spec["paths"][path][method]["responses"].get(status)
    schema = None
    content: dict[str, Any] = {}
    if resp is not None:
        content = resp.get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        schema = (media or {}).get("schema")
    schema = ERRATA.get((path, method, status), schema)
    if schema is None:
        if int(status) < 400:
            return ANY if content else None
        schema = {"$ref": "#/components/schemas/ErrorCollection"}
        spec = _specs()[0]
    return OAS30Validator(dict(schema, components=spec["components"]))


def documented(op: str) -> bool:
    return spec_route(op) is not None


def problems(op: str, status: int, body: Any) -> list[str] | Unchecked | None:
    """Why the answer does not match the spec (empty: it does); `Unchecked` when the spec has no
    schema for it (a download, an example only); None when the spec has no such route."""
    route = spec_route(op)
    if route is None:
        return None
    idx, path, method = route
    responses = _specs()[idx]["paths"][path][method]["responses"]
    if status < 400 and str(status) not in responses:
        ok = sorted(c for c in responses if c.startswith("2"))
        return [f"status {status}: the spec documents {', '.join(ok)} for {method.upper()} {path}"]
    if isinstance(body, bytes | bytearray | Raw):
        return Unchecked("a download: raw bytes, no schema")
    v = _validator(idx, path, method, str(status))
    if v is None:
        return [] if body in (None, b"", "") else [f"status {status} has no body in the spec"]
    if isinstance(v, str):
        return Unchecked("the spec shows this body only by example, no schema")
    return [f"{'/'.join(map(str, e.absolute_path)) or '.'}: {e.message[:200]}"
            for e in sorted(v.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))]
