"""List pages the Anthropic way: `before_id` / `after_id` / `limit` in, `data`, `has_more`,
`first_id`, `last_id` out (the SDK's `SyncPage`)."""

from __future__ import annotations

from typing import Any

from .errors import AnthropicError

MAX_LIMIT = 1000


def id_page(items: list[dict[str, Any]], before_id: str | None, after_id: str | None,
            limit: int) -> dict[str, Any]:
    """One page of `items` (each with an `id`), in their order. `after_id` starts after that item,
    `before_id` ends before it (the last `limit` items before it); an id not in the list gives an
    empty page."""
    if not 1 <= limit <= MAX_LIMIT:
        raise AnthropicError("invalid_request_error",
                             f"limit: Input should be {'greater than or equal to 1' if limit < 1 else 'less than or equal to 1000'}")
    if before_id and after_id:
        raise AnthropicError("invalid_request_error", "Only one of before_id and after_id may be given")
    if after_id:
        ids = [x["id"] for x in items]
        start = ids.index(after_id) + 1 if after_id in ids else len(ids)
        chunk, more = items[start:start + limit], start + limit < len(items)
    elif before_id:
        ids = [x["id"] for x in items]
        end = ids.index(before_id) if before_id in ids else 0
        chunk, more = items[max(0, end - limit):end], end - limit > 0
    else:
        chunk, more = items[:limit], limit < len(items)
    return {"data": chunk, "has_more": more, "first_id": chunk[0]["id"] if chunk else None,
            "last_id": chunk[-1]["id"] if chunk else None}
