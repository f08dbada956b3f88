"""One function per batchUpdate request kind: (ctx, working document, request) -> reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from . import docs_edit as ed
from . import docs_requests as rq
from .docs_edit import DocsInvalid
from .docs_model import Document, NamedRange, NamedSpan, body_end, u16len
from .docs_render import PRESETS
from .registry import G

TEXT_FIELDS = frozenset({"bold", "italic", "underline", "strikethrough", "smallCaps", "backgroundColor",
                         "foregroundColor", "fontSize", "weightedFontFamily", "baselineOffset", "link"})
PARAGRAPH_FIELDS = frozenset({
    "namedStyleType", "alignment", "lineSpacing", "direction", "spacingMode", "spaceAbove", "spaceBelow",
    "borderBetween", "borderTop", "borderBottom", "borderLeft", "borderRight", "indentFirstLine",
    "indentStart", "indentEnd", "tabStops", "keepLinesTogether", "keepWithNext", "avoidWidowAndOrphan",
    "shading", "pageBreakBefore", "headingId"})
BOOLEAN = frozenset({"bold", "italic", "underline", "strikethrough", "smallCaps", "keepLinesTogether",
                     "keepWithNext", "avoidWidowAndOrphan", "pageBreakBefore"})
ENUMS: dict[str, frozenset[str]] = {
    "namedStyleType": frozenset({"NORMAL_TEXT", "TITLE", "SUBTITLE", "HEADING_1", "HEADING_2", "HEADING_3",
                                 "HEADING_4", "HEADING_5", "HEADING_6"}),
    "alignment": frozenset({"START", "CENTER", "END", "JUSTIFIED"}),
    "direction": frozenset({"LEFT_TO_RIGHT", "RIGHT_TO_LEFT"}),
    "baselineOffset": frozenset({"NONE", "SUPERSCRIPT", "SUBSCRIPT"}),
    "spacingMode": frozenset({"NEVER_COLLAPSE", "COLLAPSE_LISTS"}),
}
Apply = Callable[[G, Document, Any], dict[str, Any]]
_ID = "0123456789abcdefghijklmnopqrstuvwxyz"


def _copy(v: Any) -> Any:
    return msgspec.json.decode(msgspec.json.encode(v)) if isinstance(v, dict | list) else v


def _segment(seg: str, tab: str) -> None:
    if seg:
        raise DocsInvalid(f"Segment {seg!r} not found: this document has no headers, footers or footnotes; "
                          "leave segmentId empty for the body.")
    if tab and tab != "t.0":
        raise DocsInvalid(f"Tab with ID {tab!r} not found; this document has one tab, 't.0'.")


def _where(doc: Document, loc: rq.Location | None, eos: rq.EndOfSegmentLocation | None) -> int:
    if (loc is None) == (eos is None):
        raise DocsInvalid("Exactly one of location and endOfSegmentLocation must be set.")
    if loc is not None:
        _segment(loc.segmentId, loc.tabId)
        return loc.index
    assert eos is not None
    _segment(eos.segmentId, eos.tabId)
    return body_end(doc) - 1


def _range(r: rq.Range | None) -> tuple[int, int]:
    if r is None:
        raise DocsInvalid("A range (startIndex, endIndex) is required.")
    _segment(r.segmentId, r.tabId)
    return r.startIndex, r.endIndex


def _tabs(tc: rq.TabsCriteria | None) -> None:
    for t in tc.tabIds if tc is not None else ():
        _segment("", t)


def _masked(new: dict[str, Any], fields: str, allowed: frozenset[str], what: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """old style -> new style, for a Docs field mask over `new`."""
    names = [f.strip() for f in fields.split(",") if f.strip()]
    if not names:
        raise DocsInvalid("At least one field must be listed in 'fields'. (Use '*' to indicate all fields.)")
    for k, v in new.items():
        if k not in allowed:
            raise DocsInvalid(f"Unknown name {k!r} in {what}.")
        if k in BOOLEAN and not isinstance(v, bool) and v is not None:
            raise DocsInvalid(f"Invalid value for {what}.{k}: {v!r} (expected true or false).")
        if k in ENUMS and v is not None and v not in ENUMS[k]:
            raise DocsInvalid(f"Invalid value for {what}.{k}: {v!r} (expected one of {', '.join(sorted(ENUMS[k]))}).")
    if names == ["*"]:
        keys = set(allowed)
    else:
        keys = set()
        for n in names:
            top = n.split(".")[0]
            if top not in allowed:
                raise DocsInvalid(f"Invalid field mask: {n!r} is not a field of {what}.")
            keys.add(top)
    values = {k: _copy(v) for k, v in new.items() if k in keys and v is not None}

    def fn(old: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in old.items() if k not in keys}
        out.update(values)
        return out

    return fn


def _kix(ctx: G) -> str:
    return "kix." + ctx.env.token(12, _ID)


# -- the requests ---------------------------------------------------------------------------------

def insert_text(ctx: G, doc: Document, r: rq.InsertText) -> dict[str, Any]:
    ed.insert_text(doc, _where(doc, r.location, r.endOfSegmentLocation), r.text)
    return {}


def delete_content_range(ctx: G, doc: Document, r: rq.DeleteContentRange) -> dict[str, Any]:
    ed.delete_range(doc, *_range(r.range))
    return {}


def replace_all_text(ctx: G, doc: Document, r: rq.ReplaceAllText) -> dict[str, Any]:
    if r.containsText is None:
        raise DocsInvalid("containsText is required.")
    _tabs(r.tabsCriteria)
    c = r.containsText
    n = ed.replace_all(doc, c.text, r.replaceText, c.matchCase, c.searchByRegex)
    return {"replaceAllText": {"occurrencesChanged": n} if n else {}}


def update_text_style(ctx: G, doc: Document, r: rq.UpdateTextStyle) -> dict[str, Any]:
    s, e = _range(r.range)
    ed.style_text(doc, s, e, _masked(r.textStyle, r.fields, TEXT_FIELDS, "textStyle"))
    return {}


def update_paragraph_style(ctx: G, doc: Document, r: rq.UpdateParagraphStyle) -> dict[str, Any]:
    s, e = _range(r.range)
    ed.style_paragraphs(doc, s, e, _masked(r.paragraphStyle, r.fields, PARAGRAPH_FIELDS, "paragraphStyle"))
    return {}


def create_paragraph_bullets(ctx: G, doc: Document, r: rq.CreateParagraphBullets) -> dict[str, Any]:
    s, e = _range(r.range)
    if r.bulletPreset not in PRESETS:
        raise DocsInvalid(f"Invalid bulletPreset {r.bulletPreset!r}; use one of {', '.join(sorted(PRESETS))}.")
    ed.create_bullets(doc, s, e, r.bulletPreset, lambda: _kix(ctx))
    return {}


def delete_paragraph_bullets(ctx: G, doc: Document, r: rq.DeleteParagraphBullets) -> dict[str, Any]:
    ed.delete_bullets(doc, *_range(r.range))
    return {}


def insert_table(ctx: G, doc: Document, r: rq.InsertTable) -> dict[str, Any]:
    ed.insert_table(doc, _where(doc, r.location, r.endOfSegmentLocation), r.rows, r.columns)
    return {}


def insert_page_break(ctx: G, doc: Document, r: rq.InsertPageBreak) -> dict[str, Any]:
    ed.insert_page_break(doc, _where(doc, r.location, r.endOfSegmentLocation))
    return {}


def create_named_range(ctx: G, doc: Document, r: rq.CreateNamedRange) -> dict[str, Any]:
    if not 1 <= u16len(r.name) <= 256:
        raise DocsInvalid("The name must be between 1 and 256 characters long.")
    s, e = _range(r.range)
    ed.check_range(doc, s, e)
    rid = _kix(ctx)
    doc.namedRanges[rid] = NamedRange(namedRangeId=rid, name=r.name, ranges=[NamedSpan(s, e)])
    return {"createNamedRange": {"namedRangeId": rid}}


def _targets(doc: Document, rid: str, name: str, what: str) -> list[NamedRange]:
    if bool(rid) == bool(name):
        raise DocsInvalid(f"Exactly one of namedRangeId and {what} must be set.")
    if rid:
        nr = doc.namedRanges.get(rid)
        if nr is None:
            raise DocsInvalid(f"The named range with ID {rid!r} does not exist.")
        return [nr]
    return [nr for nr in doc.namedRanges.values() if nr.name == name]


def delete_named_range(ctx: G, doc: Document, r: rq.DeleteNamedRange) -> dict[str, Any]:
    _tabs(r.tabsCriteria)
    for nr in _targets(doc, r.namedRangeId, r.name, "name"):
        del doc.namedRanges[nr.namedRangeId]
    return {}


def replace_named_range_content(ctx: G, doc: Document, r: rq.ReplaceNamedRangeContent) -> dict[str, Any]:
    _tabs(r.tabsCriteria)
    for nr in _targets(doc, r.namedRangeId, r.namedRangeName, "namedRangeName"):
        if nr.namedRangeId not in doc.namedRanges:
            continue
        spans = sorted(nr.ranges, key=lambda sp: sp.startIndex)
        for sp in reversed(spans[1:]):  # only the first range keeps content; the others are deleted
            if sp.endIndex > sp.startIndex:
                ed.delete_range(doc, sp.startIndex, sp.endIndex)
        first = spans[0]
        a, b = first.startIndex, first.endIndex
        if b > a:
            ed.delete_range(doc, a, b)
        n = ed.insert_text(doc, a, r.text)
        nr.ranges = [NamedSpan(a, a + n)]
    return {}


APPLY: dict[str, Apply] = {
    "insertText": insert_text,
    "deleteContentRange": delete_content_range,
    "replaceAllText": replace_all_text,
    "updateTextStyle": update_text_style,
    "updateParagraphStyle": update_paragraph_style,
    "createParagraphBullets": create_paragraph_bullets,
    "deleteParagraphBullets": delete_paragraph_bullets,
    "insertTable": insert_table,
    "insertPageBreak": insert_page_break,
    "createNamedRange": create_named_range,
    "deleteNamedRange": delete_named_range,
    "replaceNamedRangeContent": replace_named_range_content,
}
assert set(APPLY) == set(rq.KINDS)
RUNS_KEPT = frozenset({"updateParagraphStyle", "deleteParagraphBullets", "createNamedRange", "deleteNamedRange"})
"""Requests that change no run, paragraph boundary or named range span: a normal document stays
normal (every stored document is), so nothing is normalized after them."""

__all__ = ["APPLY", "RUNS_KEPT"]
