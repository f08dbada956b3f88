"""Placeholder: filled by the sheets_ops implementation."""

from .registry import ops  # noqa: F401
