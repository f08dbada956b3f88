"""Atlassian Document Format: what v3 speaks for rich text, and its plain-text shadow for v2."""

from __future__ import annotations

import html
from typing import Any

BLOCKS = {"paragraph", "heading", "blockquote", "codeBlock", "panel", "rule", "mediaSingle", "table"}


def is_doc(value: Any) -> bool:
    """Whether a value is an ADF document (`{"type": "doc", "version": 1, "content": [...]}`)."""
    return (isinstance(value, dict) and value.get("type") == "doc" and value.get("version") == 1
            and isinstance(value.get("content"), list))


def from_text(text: str | None) -> dict[str, Any] | None:
    """An ADF document with one paragraph per paragraph of `text` (lines kept with hardBreaks)."""
    if text is None:
        return None
    content: list[dict[str, Any]] = []
    for para in text.split("\n\n"):
        if not para:
            continue
        inline: list[dict[str, Any]] = []
        for i, line in enumerate(para.split("\n")):
            if i:
                inline.append({"type": "hardBreak"})
            if line:
                inline.append({"type": "text", "text": line})
        content.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": content}


def _inline(node: Any, out: list[str]) -> None:
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    raw = node.get("attrs")
    attrs: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if kind == "text":
        out.append(str(node.get("text", "")))
    elif kind == "hardBreak":
        out.append("\n")
    elif kind == "mention":
        name = str(attrs.get("text") or attrs.get("id") or "")
        out.append(name if name.startswith("@") else "@" + name)
    elif kind == "emoji":
        out.append(str(attrs.get("text") or attrs.get("shortName") or ""))
    elif kind in ("inlineCard", "blockCard"):
        out.append(str(attrs.get("url", "")))
    elif kind == "status":
        out.append(str(attrs.get("text", "")))
    for child in node.get("content") or ():
        _inline(child, out)


def _block(node: Any, lines: list[str], prefix: str = "") -> None:
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in ("bulletList", "orderedList"):
        for n, item in enumerate(node.get("content") or (), 1):
            mark = "- " if kind == "bulletList" else f"{n}. "
            sub: list[str] = []
            for child in (item.get("content") or ()) if isinstance(item, dict) else ():
                _block(child, sub)
            lines.extend(prefix + (mark if i == 0 else "  ") + s for i, s in enumerate(sub or [""]))
        return
    if kind == "rule":
        lines.append(prefix + "----")
        return
    if kind in ("blockquote", "panel", "table", "tableRow", "tableCell", "tableHeader", "layoutSection",
                "layoutColumn", "expand", "doc"):
        for child in node.get("content") or ():
            _block(child, lines, prefix)
        return
    out: list[str] = []
    _inline(node, out)
    lines.append(prefix + "".join(out))


def to_text(doc: Any) -> str:
    """The plain text of an ADF document: blocks separated by blank lines, lists as `- item`."""
    if isinstance(doc, str):
        return doc
    if not isinstance(doc, dict):
        return ""
    blocks: list[str] = []
    for node in doc.get("content") or ():
        lines: list[str] = []
        _block(node, lines)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def to_html(text: str | None) -> str:
    """Jira's `renderedFields` HTML for plain text."""
    if not text:
        return ""
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br/>')}</p>" for p in text.split("\n\n") if p)


def render(text: str | None, doc: Any, v3: bool) -> Any:
    """A rich-text value as a version speaks it: ADF for v3, plain text for v2."""
    if not v3:
        return text
    if doc is not None:
        return doc
    return from_text(text)
