"""A small multipart/form-data reader (synchronous, no I/O): Jira attachments, Anthropic Files API
uploads and Slack's upload URL read their forms with it. Drive's multipart/related and
multipart/mixed bodies (bare LF line ends, typed errors) keep their own reader in
twins/google/drive_mime.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    filename: str | None
    content_type: str
    data: bytes


def _param(header: str, key: str) -> str | None:
    for piece in header.split(";")[1:]:
        k, _, v = piece.strip().partition("=")
        if k.strip().lower() == key:
            v = v.strip()
            if len(v) >= 2 and v[0] == v[-1] == '"':
                v = v[1:-1].replace('\\"', '"')
            return v
    return None


def parse(body: bytes, content_type: str) -> list[Part] | None:
    """The parts of a multipart body, or None when it is not multipart/form-data."""
    if not content_type.lower().startswith("multipart/"):
        return None
    boundary = _param(content_type, "boundary")
    if not boundary:
        return None
    delim = b"--" + boundary.encode()
    parts: list[Part] = []
    for chunk in body.split(delim)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        data = data.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        disp = headers.get("content-disposition", "")
        parts.append(Part(name=_param(disp, "name") or "", filename=_param(disp, "filename"),
                          content_type=headers.get("content-type", "application/octet-stream"), data=data))
    return parts
