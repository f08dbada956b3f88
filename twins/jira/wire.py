"""How Jira's HTTP door reads a request: Basic `email:api-token` (the token picks the world) or Bearer."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ..core import bearer
from .errors import JiraError


def auth(headers: Mapping[str, str], args: dict[str, Any]) -> str | None:
    if "_body" in args and str(args.get("_content_type", "")).startswith("multipart/") \
            and headers.get("X-Atlassian-Token", "").lower() != "no-check":
        # uploads (the only raw-body operations) need Jira's XSRF opt-out header
        raise JiraError(403, "XSRF check failed")
    value = headers.get("Authorization", "")
    if value[:4].lower() == "jwt ":  # an Atlassian Connect app's signed call (runner/connect.py)
        return "jwt:" + value[4:].strip()
    if value[:6].lower() == "basic ":
        try:
            raw = base64.b64decode(value[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        _, sep, token = raw.partition(":")
        return token if sep and token else None
    return bearer(headers, args)


def env_vars(base_url: str, token: str) -> dict[str, str]:
    return {"JIRA_URL": base_url, "JIRA_TOKEN": token, "JIRA_EMAIL": "agent@dtu.test"}
