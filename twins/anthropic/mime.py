"""The media type of a file: the one the client gave, else one guessed from its name."""

from __future__ import annotations

import mimetypes


def mime_of(filename: str, given: str) -> str:
    """The part's own type, else one guessed from the name (as the API infers it)."""
    given = given.split(";")[0].strip().lower()
    if given and given != "application/octet-stream":
        return given
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"
