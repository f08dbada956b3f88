"""Drive v3 operations (being written)."""

from __future__ import annotations

from .registry import ops  # noqa: F401
