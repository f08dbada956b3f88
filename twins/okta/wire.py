"""How Okta's HTTP door reads a request (SSWS or Bearer token) and the headers every answer carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import Env, Reply
from ..core.env import http_date
from .state import OktaState


def auth(headers: Mapping[str, str], args: dict[str, Any]) -> str | None:
    """`SSWS <token>`, `SSWS<token>` (no space) or `Bearer <token>`."""
    value = headers.get("Authorization", "").strip()
    scheme = value[:4].lower()
    if scheme == "ssws":
        return value[4:].strip() or None
    if value[:7].lower() == "bearer ":
        return value[7:].strip() or None
    return None


def env_vars(base_url: str, token: str) -> dict[str, str]:
    """What the okta SDK reads from the environment (OKTA_CLIENT_ORGURL, OKTA_CLIENT_TOKEN)."""
    out = {"OKTA_CLIENT_ORGURL": base_url, "OKTA_CLIENT_TOKEN": token}
    if base_url.startswith("http://"):
        out["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"
    return out


def headers(state: OktaState, env: Env, reply: Reply) -> dict[str, str]:
    """X-Rate-Limit-Limit, -Remaining and -Reset (epoch seconds, world time) on every response, and
    a `Date` in world time too: the okta SDK waits `Reset - Date + 1` seconds after a 429, so both
    must be on the same clock. A 429 a fault plan made keeps the values it set (its bucket's limit
    and reset); other answers carry the org-wide window's."""
    rate = state.rate
    start = rate.start if rate.used else env.now
    reset = int(start) + 60
    remaining = 0 if reply.status == 429 else max(0, rate.limit - rate.used)
    out = {"X-Rate-Limit-Limit": str(rate.limit), "X-Rate-Limit-Remaining": str(remaining),
           "X-Rate-Limit-Reset": str(reset), "Date": http_date(env.now)}
    if reply.headers:
        out.update(reply.headers)
    return out
