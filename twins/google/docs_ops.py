"""Placeholder: filled by the docs_ops implementation."""

from .registry import ops  # noqa: F401
