"""Google Docs document model (owned by the Docs part of the Google twin)."""

from __future__ import annotations

import msgspec


class Document(msgspec.Struct, omit_defaults=True):
    """A Google Doc's content. Placeholder to be expanded by the Docs implementation."""

    revision: int = 1
    text: str = "\n"


def build_document(text: str) -> Document:
    """A document holding `text` (seed hook; the Docs implementation owns the body)."""
    return Document(text=text if text.endswith("\n") else text + "\n")


def document_text(doc: Document) -> str:
    """The document as plain text (Drive's export to text/plain)."""
    return doc.text
