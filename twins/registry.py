"""The twins dtu serves. A new twin is one folder under twins/ and one line here."""

from __future__ import annotations

from typing import Any

from .anthropic import TWIN as ANTHROPIC
from .core import Twin
from .google import TWIN as GOOGLE
from .jira import TWIN as JIRA
from .okta import TWIN as OKTA
from .slack import TWIN as SLACK

TWINS: dict[str, Twin[Any]] = {t.name: t for t in (
    ANTHROPIC,
    SLACK,
    GOOGLE,
    OKTA,
    JIRA,
)}

__all__ = ["TWINS"]
