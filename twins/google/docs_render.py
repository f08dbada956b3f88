"""A document as Docs v1 sends it: body content with start and end indexes, lists, named ranges."""

from __future__ import annotations

import functools
from typing import Any

import msgspec

from ..core.env import ALNUM, derive
from ..core.memo import Bounded
from .docs_model import PAGE_BREAK, Block, Document, Paragraph, Table, u16len

_PT = "PT"


def _pt(x: float) -> dict[str, Any]:
    return {"magnitude": x, "unit": _PT}


def _section_break() -> dict[str, Any]:
    return {"sectionStyle": {"columnSeparatorStyle": "NONE", "contentDirection": "LEFT_TO_RIGHT",
                             "sectionType": "CONTINUOUS"}}


def _document_style() -> dict[str, Any]:
    return {"background": {"color": {}}, "pageNumberStart": 1, "marginTop": _pt(72), "marginBottom": _pt(72),
            "marginRight": _pt(72), "marginLeft": _pt(72), "pageSize": {"height": _pt(792), "width": _pt(612)},
            "marginHeader": _pt(36), "marginFooter": _pt(36), "useCustomHeaderFooterMargins": True}


_GLYPHS: dict[str, tuple[str, ...]] = {
    "BULLET_DISC_CIRCLE_SQUARE": ("●", "○", "■"),
    "BULLET_DIAMONDX_ARROW3D_SQUARE": ("❖", "➢", "■"),
    "BULLET_CHECKBOX": ("☐",),
    "BULLET_ARROW_DIAMOND_DISC": ("➔", "◆", "●"),
    "BULLET_STAR_CIRCLE_SQUARE": ("★", "○", "■"),
    "BULLET_ARROW3D_CIRCLE_SQUARE": ("➢", "○", "■"),
    "BULLET_LEFTTRIANGLE_DIAMOND_DISC": ("◄", "◆", "●"),
    "BULLET_DIAMONDX_HOLLOWDIAMOND_SQUARE": ("❖", "◇", "■"),
    "BULLET_DIAMOND_CIRCLE_SQUARE": ("◆", "○", "■"),
}
_NUMBERS: dict[str, tuple[str, ...]] = {
    "NUMBERED_DECIMAL_ALPHA_ROMAN": ("DECIMAL", "ALPHA", "ROMAN"),
    "NUMBERED_DECIMAL_ALPHA_ROMAN_PARENS": ("DECIMAL", "ALPHA", "ROMAN"),
    "NUMBERED_DECIMAL_NESTED": ("DECIMAL",),
    "NUMBERED_UPPERALPHA_ALPHA_ROMAN": ("UPPER_ALPHA", "ALPHA", "ROMAN"),
    "NUMBERED_UPPERROMAN_UPPERALPHA_DECIMAL": ("UPPER_ROMAN", "UPPER_ALPHA", "DECIMAL"),
    "NUMBERED_ZERODECIMAL_ALPHA_ROMAN": ("ZERO_DECIMAL", "ALPHA", "ROMAN"),
}
PRESETS = frozenset(_GLYPHS) | frozenset(_NUMBERS)


@functools.lru_cache(maxsize=1 << 14)
def revision_id(doc_id: str, revision: int) -> str:
    """An opaque revision id, stable for a document's revision number."""
    x = derive(revision, doc_id)
    out = []
    for _ in range(2):
        for _ in range(10):
            out.append(ALNUM[x % 62])
            x //= 62
        x = derive(x, doc_id, revision)
    return "ALBJ4L" + "".join(out)


def _style(d: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy of a style (nested values too: a response never shares state)."""
    for v in d.values():
        if isinstance(v, dict | list):
            out: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(d))
            return out
    return dict(d)


def _paragraph(p: Paragraph, start: int) -> dict[str, Any]:
    elements: list[dict[str, Any]] = []
    pos = start
    for r in p.runs:
        parts = r.text.split(PAGE_BREAK) if PAGE_BREAK in r.text else [r.text]
        for i, part in enumerate(parts):
            if i:
                elements.append({"startIndex": pos, "endIndex": pos + 1, "pageBreak": {"textStyle": _style(r.style)}})
                pos += 1
            if part:
                end = pos + u16len(part)
                elements.append({"startIndex": pos, "endIndex": end,
                                 "textRun": {"content": part, "textStyle": _style(r.style)}})
                pos = end
    style: dict[str, Any] = {"namedStyleType": "NORMAL_TEXT", "direction": "LEFT_TO_RIGHT"}
    style.update(_style(p.style))
    out: dict[str, Any] = {"elements": elements, "paragraphStyle": style}
    if p.bullet is not None:
        bullet: dict[str, Any] = {"listId": p.bullet.listId, "textStyle": {}}
        if p.bullet.nestingLevel:
            bullet["nestingLevel"] = p.bullet.nestingLevel
        out["bullet"] = bullet
    return {"startIndex": start, "endIndex": pos, "paragraph": out}


def _table(t: Table, start: int) -> dict[str, Any]:
    pos = start + 1
    rows: list[dict[str, Any]] = []
    for row in t.rows:
        rs = pos
        pos += 1
        cells: list[dict[str, Any]] = []
        for c in row.cells:
            cs = pos
            content, pos = content_json(c.content, pos + 1)
            cells.append({"startIndex": cs, "endIndex": pos, "content": content,
                          "tableCellStyle": {"rowSpan": 1, "columnSpan": 1, "backgroundColor": {},
                                             "contentAlignment": "TOP"}})
        rows.append({"startIndex": rs, "endIndex": pos, "tableCells": cells,
                     "tableRowStyle": {"minRowHeight": {"unit": _PT}}})
    return {"startIndex": start, "endIndex": pos, "table": {
        "rows": len(t.rows), "columns": t.columns, "tableRows": rows,
        "tableStyle": {"tableColumnProperties": [{"widthType": "EVENLY_DISTRIBUTED"} for _ in range(t.columns)]}}}


def content_json(content: list[Block], start: int) -> tuple[list[dict[str, Any]], int]:
    out: list[dict[str, Any]] = []
    pos = start
    for b in content:
        el = _paragraph(b, pos) if type(b) is Paragraph else _table(b, pos)  # type: ignore[arg-type]
        out.append(el)
        pos = el["endIndex"]
    return out, pos


def _level(preset: str, level: int) -> dict[str, Any]:
    indent = 18 + 36 * level
    out: dict[str, Any] = {"bulletAlignment": "START", "indentFirstLine": _pt(indent),
                           "indentStart": _pt(indent + 18),
                           "textStyle": {"underline": False}, "startNumber": 1}
    if preset in _NUMBERS:
        kinds = _NUMBERS[preset]
        out["glyphType"] = kinds[level % len(kinds)]
        if preset == "NUMBERED_DECIMAL_NESTED":
            out["glyphFormat"] = "".join(f"%{i}." for i in range(level + 1))
        elif preset.endswith("_PARENS"):
            out["glyphFormat"] = f"%{level})"
        else:
            out["glyphFormat"] = f"%{level}."
    else:
        glyphs = _GLYPHS.get(preset, ("●",))
        out["glyphSymbol"] = glyphs[level % len(glyphs)]
        out["glyphFormat"] = f"%{level}"
    return out


_ENC = msgspec.msgpack.Encoder()
_RENDERED: Bounded[tuple[bytes, str, str, bool], bytes] = Bounded(512)
"""Rendered documents as MessagePack, by the document's own encoding: worlds at the same point of a
scenario read the same document, and decoding is several times cheaper than rendering (MessagePack
keeps ints and floats apart as JSON does, and decodes faster). Keyed on the content itself, so no
world can see another's state; each caller gets fresh objects."""
_RENDERED_LONGEST = 1 << 16  # bytes of key: an agent's long document cannot fill the memory
_DEC = msgspec.msgpack.Decoder()


def document_json(doc: Document, doc_id: str, title: str, tabs: bool = False) -> dict[str, Any]:
    """The body of documents.get (and of documents.create)."""
    key = (_ENC.encode(doc), doc_id, title, tabs)
    if len(key[0]) + len(doc_id) + len(title) > _RENDERED_LONGEST:  # rendered, not kept
        return _render(doc, doc_id, title, tabs)
    got = _RENDERED.get(key)
    if got is None:
        got = _RENDERED.keep(key, _ENC.encode(_render(doc, doc_id, title, tabs)))
    out: dict[str, Any] = _DEC.decode(got)
    return out


def _render(doc: Document, doc_id: str, title: str, tabs: bool) -> dict[str, Any]:
    content, _ = content_json(doc.body, 1)
    body = {"content": [{"endIndex": 1, "sectionBreak": _section_break()}, *content]}
    lists = {lid: {"listProperties": {"nestingLevels": [_level(dl.preset, i) for i in range(9)]}}
             for lid, dl in doc.lists.items()}
    named: dict[str, Any] = {}
    for nr in doc.namedRanges.values():
        entry = named.setdefault(nr.name, {"name": nr.name, "namedRanges": []})
        entry["namedRanges"].append({"namedRangeId": nr.namedRangeId, "name": nr.name,
                                     "ranges": [{"startIndex": sp.startIndex, "endIndex": sp.endIndex}
                                                for sp in nr.ranges]})
    parts: dict[str, Any] = {"body": body, "documentStyle": _document_style()}
    if lists:
        parts["lists"] = lists
    if named:
        parts["namedRanges"] = named
    out: dict[str, Any] = {"title": title}
    if tabs:
        out["tabs"] = [{"tabProperties": {"tabId": "t.0", "title": "Tab 1", "index": 0}, "documentTab": parts}]
    else:
        out.update(parts)
    out["revisionId"] = revision_id(doc_id, doc.revision)
    out["suggestionsViewMode"] = "SUGGESTIONS_INLINE"
    out["documentId"] = doc_id
    return out


__all__ = ["PRESETS", "content_json", "document_json", "revision_id"]
