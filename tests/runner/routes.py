"""Every route the HTTP door serves, with its path parameters filled in, for isolation and fuzz tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dtu.twins.registry import TWINS

PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def routes() -> Iterator[tuple[str, str, str, Any]]:
    """(twin, method, path template, operation) for every registered route."""
    for twin in TWINS.values():
        for op in twin.ops:
            for method in op.methods:
                yield twin.name, method, op.path, op


def fill(path: str, value: str) -> str:
    """The path with every parameter set to `value` (keeping literal suffixes like `:append`)."""
    return PARAM.sub(lambda m: value, path)


def auth_headers(twin: str, token: str) -> dict[str, str]:
    if twin == "okta":
        return {"Authorization": f"SSWS {token}"}
    if twin == "anthropic":
        return {"x-api-key": token, "anthropic-version": "2023-06-01"}
    return {"Authorization": f"Bearer {token}"}
