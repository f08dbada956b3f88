"""How Google's HTTP door reads a request: `Authorization: Bearer <token>` (or `access_token`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import bearer


def auth(headers: Mapping[str, str], args: dict[str, Any]) -> str | None:
    token = args.pop("access_token", None)
    return bearer(headers, args) or (token if isinstance(token, str) else None)


def env_vars(base_url: str, token: str) -> dict[str, str]:
    return {"GOOGLE_API_URL": base_url, "GOOGLE_TOKEN": token}
