"""Drive's offset page tokens: one page of a list and its `nextPageToken`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from ..core.paging import encode_cursor, offset_of, page
from .errors import invalid_value

T = TypeVar("T")


def token_page(items: Sequence[T], token: str | None, size: int, kind: str) -> tuple[Sequence[T], dict[str, str]]:
    """The page of `items` a `pageToken` of `kind` starts (a token that is not one raises
    invalidValue on pageToken), and `{"nextPageToken": ...}` when more follow, else `{}`: the
    list answer's last entry."""
    offset = offset_of(token, kind, lambda: invalid_value("pageToken"))
    chunk, nxt = page(items, offset, size)
    return chunk, ({} if nxt is None else {"nextPageToken": encode_cursor(nxt, kind)})
