"""MIME plumbing for Drive: multipart bodies (uploads, batch) and Content-Range headers."""

from __future__ import annotations

from .errors import DriveError


def boundary_of(content_type: str) -> str | None:
    """The boundary parameter of a multipart Content-Type."""
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "boundary":
            return value.strip().strip('"')
    return None


def split_headers(blob: bytes) -> tuple[dict[str, str], bytes]:
    """Headers (lower-cased names) and the body of one MIME entity or HTTP message."""
    cands = [(i, n) for i, n in ((blob.find(b"\r\n\r\n"), 4), (blob.find(b"\n\n"), 2)) if i >= 0]
    if cands:
        idx, n = min(cands)
        head, body = blob[:idx], blob[idx + n:]
    else:
        head, body = blob, b""
    headers: dict[str, str] = {}
    for line in head.replace(b"\r\n", b"\n").split(b"\n"):
        name, sep2, value = line.decode("utf-8", "replace").partition(":")
        if sep2:
            headers[name.strip().lower()] = value.strip()
    return headers, body


def split_multipart(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a multipart body, each as (headers, body)."""
    delim = b"--" + boundary.encode()
    chunks = body.split(delim)
    if len(chunks) < 3:
        raise DriveError("badContent", "Malformed multipart body.", status=400)
    parts: list[tuple[dict[str, str], bytes]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        elif chunk.startswith(b"\n"):
            chunk = chunk[1:]
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        parts.append(split_headers(chunk))
    return parts


def content_range(value: str) -> tuple[int | None, int | None, int | None]:
    """(first, last, total) of `bytes a-b/total`, `bytes */total` or `bytes a-b/*`."""
    unit, _, spec = value.strip().partition(" ")
    if unit != "bytes" or "/" not in spec:
        raise DriveError("badRequest", f"Invalid Content-Range: {value}", status=400)
    rng, _, total = spec.partition("/")
    try:
        tot = None if total == "*" else int(total)
        if rng == "*":
            return None, None, tot
        a, _, b = rng.partition("-")
        return int(a), int(b), tot
    except ValueError:
        raise DriveError("badRequest", f"Invalid Content-Range: {value}", status=400) from None
