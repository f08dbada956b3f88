"""Tool names for the Anthropic tool API (`^[a-zA-Z0-9_-]{1,64}$`): `slack__chat_postMessage`.

Shared by the twin's scripted model (which calls tools by these names) and runner/tools.py
(which builds the catalog and keeps the reverse map)."""

from __future__ import annotations

import hashlib
import re

_BAD = re.compile(r"[^a-zA-Z0-9_-]")
MAX = 64


def tool_name(twin: str, op: str) -> str:
    """`twin__op` with dots (and any other character the API refuses) mapped to underscores;
    names past 64 characters keep a stable hash suffix."""
    name = _BAD.sub("_", f"{twin}__{op}")
    if len(name) > MAX:
        tail = hashlib.blake2b(name.encode(), digest_size=4).hexdigest()
        name = name[: MAX - 9] + "_" + tail
    return name


def loose(name: str) -> str:
    """A name with case and separators dropped, to match a tool a client named its own way."""
    return re.sub(r"[^a-z0-9]", "", name.lower())
