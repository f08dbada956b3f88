"""anthropic SDK clients pointed at a world of the session's `dtu serve`, for the tests that drive
the Python SDK (they opt in with `pytest.mark.usefixtures("sdk_clients")`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

_OPEN: list[anthropic.Anthropic] = []


@pytest.fixture
def sdk_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ANTHROPIC_* variable of the caller's shell reaches the SDK; every client the test made
    (through `client` or `closing`) is closed after it: no socket is left to the garbage collector."""
    for k in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(k, raising=False)
    yield
    while _OPEN:
        _OPEN.pop().close()


def closing(c: anthropic.Anthropic) -> anthropic.Anthropic:
    """`c`, closed after the test (see `sdk_clients`)."""
    _OPEN.append(c)
    return c


def client(w: dict[str, Any], **kw: Any) -> anthropic.Anthropic:
    """An SDK client for world `w` (its token as the API key), closed after the test."""
    return closing(anthropic.Anthropic(api_key=w["token"], base_url=w["base_url"], **kw))
