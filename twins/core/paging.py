"""Pagination helpers: opaque cursors over offsets, as the vendors hand them out."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def encode_cursor(offset: int, kind: str = "next") -> str:
    """An opaque cursor, base64 like Slack's (`bmV4dDoxMDA=`)."""
    return base64.b64encode(f"{kind}:{offset}".encode()).decode()


def decode_cursor(cursor: str, kind: str = "next") -> int | None:
    """The offset a cursor stands for, or None when it is not one of ours."""
    try:
        raw = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        return None
    prefix, _, num = raw.partition(":")
    if prefix != kind or not num.isdigit():
        return None
    return int(num)


def offset_of(token: str | None, kind: str, bad: Callable[[], Exception]) -> int:
    """The offset a page token stands for (0 without one); a token that is not ours raises `bad()`."""
    if not token:
        return 0
    got = decode_cursor(token, kind)
    if got is None:
        raise bad()
    return got


def page(items: Sequence[T], offset: int, limit: int) -> tuple[Sequence[T], int | None]:
    """One page of `items` and the next offset, or None on the last page."""
    end = offset + limit
    chunk = items[offset:end]
    return chunk, (end if end < len(items) else None)
