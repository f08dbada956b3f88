"""The Google twin's one operation registry: Drive, Docs and Sheets register on it."""

from __future__ import annotations

from typing import Any

from ..core import Ctx, Registry
from .state import GoogleState

ops = Registry("google")
G = Ctx[GoogleState]
"""The context type every Google handler takes."""

Body = dict[str, Any]

__all__ = ["Body", "G", "ops"]
