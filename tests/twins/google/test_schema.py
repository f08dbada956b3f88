"""Every Google answer against Google's discovery documents (twins/google/schema/, see its
PROVENANCE.md): the bundled library's calls, plus a sweep of every registered Google operation,
success and error cases alike. Each success is validated against the response schema of its
discovery method (tests/twins/google/discovery.py converts it to JSON Schema and refuses fields
the document does not declare); each error against Google's error model. Deviations the twin keeps
are listed in twins/google/README.md ("Schema deviations")."""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

import pytest

from dtu.twins.core import SeedImage, World
from dtu.twins.registry import TWINS
from tests.schemas import Tally, Unchecked, library_calls

from .discovery import NO_SCHEMA, SCHEMA_DIR, check, method_of
from .sweep import SEED, sweep


def _validate(tally: Tally, op: str, status: int, body: Any, fault: str | None, where: str) -> None:
    problems = check(op, status, body)
    if fault == "internal":
        problems = ["the handler raised (500 internal)"]
    if isinstance(problems, Unchecked):
        tally.skip(op, problems.why)
    else:
        tally.add(op, problems, where)


def test_vendored_documents_match_provenance() -> None:
    text = (SCHEMA_DIR / "PROVENANCE.md").read_text()
    for name in ("drive.v3.json", "docs.v1.json", "sheets.v4.json"):
        digest = hashlib.sha256((SCHEMA_DIR / name).read_bytes()).hexdigest()
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}`"))
        assert digest in row, f"{name}: sha256 {digest} is not the one PROVENANCE.md records"
    assert "Apache License" in (SCHEMA_DIR / "LICENSE").read_text()


def test_every_operation_has_a_discovery_method() -> None:
    ops = TWINS["google"].ops.ops
    missing = [name for name in ops if name not in NO_SCHEMA and method_of(name) is None]
    assert not missing


def test_library_and_sweep_match_the_discovery_documents() -> None:
    tally = Tally("google")
    for c in library_calls("google"):
        _validate(tally, c.op, c.status, c.body, c.fault, "library")
    world = World(SeedImage(TWINS, SEED, 11, 1.7e9), 11)
    asyncio.run(sweep(world))
    ok: set[str] = set()
    failed: set[str] = set()
    for c in world.calls:
        _validate(tally, c.op, c.status, c.body, c.fault, f"sweep {c.args!r:.80}")
        (ok if c.status < 400 else failed).add(c.op)
    registered = set(TWINS["google"].ops.ops)
    assert not registered - ok, f"operations the sweep never got a success from: {sorted(registered - ok)}"
    assert not registered - failed, f"operations the sweep never got an error from: {sorted(registered - failed)}"
    tally.assert_share()
    print(f"google: {tally.share:.2%} of {sum(tally.checked.values())} responses valid")
    if tally.failures:
        print("\n".join(tally.failures))


@pytest.mark.parametrize("body", [
    {"error": {"code": 404, "message": "File not found: x.", "errors": [
        {"domain": "global", "reason": "notFound", "message": "File not found: x.",
         "location": "fileId", "locationType": "parameter"}]}},
    {"error": {"code": 400, "message": "Unable to parse range: x", "status": "INVALID_ARGUMENT"}},
])
def test_error_schema_accepts_googles_shapes(body: dict[str, Any]) -> None:
    assert check("drive.files.get", body["error"]["code"], body) == []


@pytest.mark.parametrize("body", [
    {"error": {"code": 404, "message": "x", "status": "NOT_FOUND", "extra": 1}},
    {"error": {"code": 400, "message": "x", "status": "NOT_FOUND"}},
    {"error": {"code": 404, "message": "x"}},
    {"ok": False},
])
def test_error_schema_refuses_other_shapes(body: dict[str, Any]) -> None:
    assert check("drive.files.get", body.get("error", {}).get("code", 404), body)


def test_undeclared_fields_are_refused() -> None:
    good = {"kind": "drive#file", "id": "1", "name": "a", "size": "12"}
    assert check("drive.files.get", 200, good) == []
    assert any(re.search("Additional properties", p) for p in check("drive.files.get", 200, {**good, "x": 1}))
    assert check("drive.files.get", 200, {**good, "size": 12})  # int64 is a string on the wire
    assert check("drive.files.get", 200, {**good, "kind": "drive#folder"})
