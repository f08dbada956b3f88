"""Google Docs document model (owned by the Docs part of the Google twin)."""

from __future__ import annotations

import msgspec


class Document(msgspec.Struct, omit_defaults=True):
    """A Google Doc's content. Placeholder to be expanded by the Docs implementation."""

    revision: int = 1
    text: str = "\n"
