"""How Slack's HTTP door reads a request: token in the Authorization header or a `token` param."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import bearer


def auth(headers: Mapping[str, str], args: dict[str, Any]) -> str | None:
    token = args.pop("token", None)
    return bearer(headers, args) or (token if isinstance(token, str) else None)


def env_vars(base_url: str, token: str) -> dict[str, str]:
    return {"SLACK_API_URL": f"{base_url}/api/", "SLACK_BOT_TOKEN": token, "SLACK_TOKEN": token}
