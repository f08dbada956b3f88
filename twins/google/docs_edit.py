"""Edits on a Docs body: insert, delete, replace, style. Pure functions over a working copy.

Each edit raises `DocsInvalid(message)` for a request Docs would refuse with a 400; the caller
names the request (`Invalid requests[2].insertText: ...`). Named ranges move with the text. An
edit that changes a paragraph's runs clears its derived `text`: `normalize` redoes only those."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from .docs_model import (
    PAGE_BREAK,
    Block,
    Bullet,
    Cell,
    DocList,
    Document,
    Paragraph,
    Row,
    Run,
    Table,
    block_len,
    body_end,
    cells,
    content_len,
    cp_offset,
    par_len,
    paragraphs,
    u16len,
)

INSIDE_PARAGRAPH = ("The insertion index must be inside the bounds of an existing paragraph. "
                    "You can still create new paragraphs by inserting newlines.")
BAD_DELETE = "Invalid deletion range. Cannot delete the requested range."
SURROGATE = "The index {} falls inside a surrogate pair (a character outside the Basic Multilingual Plane)."
_STRIP = re.compile("[\x00-\x08\x0b-\x1f\ue000-\uf8ff]")


class DocsInvalid(Exception):
    """A request Docs refuses with 400 INVALID_ARGUMENT; the message names what was wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Loc(NamedTuple):
    content: list[Block]
    k: int
    par: Paragraph
    start: int
    nested: bool


def ptext(p: Paragraph) -> str:
    return "".join(r.text for r in p.runs)


def clean_text(text: str) -> str:
    """Text as insertText keeps it: control characters and private-use characters stripped."""
    return _STRIP.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


# -- runs (code-point offsets within one paragraph) --------------------------------------------------

def split_runs(runs: list[Run], cp: int) -> tuple[list[Run], list[Run]]:
    left: list[Run] = []
    right: list[Run] = []
    n = 0
    for r in runs:
        size = len(r.text)
        if n + size <= cp:
            left.append(r)
        elif n >= cp:
            right.append(r)
        else:
            k = cp - n
            left.append(Run(r.text[:k], r.style))
            right.append(Run(r.text[k:], r.style))
        n += size
    return left, right


def style_at(runs: list[Run], cp: int) -> dict[str, Any]:
    """The text style new text at `cp` takes: the character before it, else the one after."""
    n = 0
    for r in runs:
        n += len(r.text)
        if r.text and (cp == 0 or n >= cp):
            return r.style
    return runs[-1].style if runs else {}


def _cp(p: Paragraph, start: int, index: int) -> int:
    cp = cp_offset(ptext(p), index - start)
    if cp is None:
        raise DocsInvalid(SURROGATE.format(index))
    return cp


# -- named ranges -------------------------------------------------------------------------------------

def shift_named(doc: Document, a: int, b: int, n: int) -> None:
    """Move named ranges for the span [a, b) becoming `n` units long (a == b: an insertion)."""
    if not doc.namedRanges:
        return
    delta = n - (b - a)
    for nr in doc.namedRanges.values():
        for sp in nr.ranges:
            if a == b:
                if sp.startIndex >= a:
                    sp.startIndex += n
                if sp.endIndex > a:
                    sp.endIndex += n
            else:
                sp.startIndex = _map(sp.startIndex, a, b, n, delta)
                sp.endIndex = _map(sp.endIndex, a, b, n, delta)


def _map(x: int, a: int, b: int, n: int, delta: int) -> int:
    if x <= a:
        return x
    if x >= b:
        return x + delta
    return a + min(x - a, n)


def drop_empty_named(doc: Document) -> None:
    if not doc.namedRanges:
        return
    for rid in [k for k, nr in doc.namedRanges.items()
                if not any(sp.endIndex > sp.startIndex for sp in nr.ranges)]:
        del doc.namedRanges[rid]
    for nr in doc.namedRanges.values():
        nr.ranges = [sp for sp in nr.ranges if sp.endIndex > sp.startIndex]


# -- locating -----------------------------------------------------------------------------------------

def find(content: list[Block], start: int, index: int, nested: bool = False) -> Loc | None:
    """The paragraph an index falls in, or None when it is on a table's structure."""
    pos = start
    for k, b in enumerate(content):
        if type(b) is Paragraph:
            end = pos + par_len(b)
            if pos <= index < end:
                return Loc(content, k, b, pos, nested)
            pos = end
        else:  # one pass over the cells: the index is in a cell, on the table's structure, or past it
            assert isinstance(b, Table)
            if index < pos:
                return None
            pos += 1
            for row in b.rows:
                pos += 1
                for c in row.cells:
                    pos += 1
                    if index < pos:
                        return None
                    end = pos + content_len(c.content)
                    if index < end:
                        return find(c.content, pos, index, True)
                    pos = end
    return None


def locate(doc: Document, index: int) -> Loc:
    """The paragraph to insert into at `index`, or DocsInvalid the way Docs words it."""
    loc = find(doc.body, 1, index) if index >= 1 else None
    if loc is None:
        end = body_end(doc)  # only to word the error: an index found in a paragraph is before the end
        if index >= end:
            raise DocsInvalid(f"Index {index} must be less than the end index of the referenced segment, {end}.")
        raise DocsInvalid(INSIDE_PARAGRAPH)
    return loc


def check_range(doc: Document, s: int, e: int) -> None:
    end = body_end(doc)
    if s < 1:
        raise DocsInvalid(f"Index {s} must be greater than or equal to 1 (index 0 is the section break).")
    if e <= s:
        raise DocsInvalid("The range should not be empty.")
    if e > end:
        raise DocsInvalid(f"Index {e - 1} must be less than the end index of the referenced segment, {end}.")


# -- insert -------------------------------------------------------------------------------------------

def insert_text(doc: Document, index: int, text: str, *, raw: bool = False) -> int:
    """Insert text (newlines make paragraphs) at `index`; answer its length in UTF-16 units."""
    loc = locate(doc, index)
    if not raw:
        text = clean_text(text)
    if not text:
        return 0
    p = loc.par
    cp = _cp(p, loc.start, index)
    left, right = split_runs(p.runs, cp)
    p.runs = [*left, Run(text, style_at(p.runs, cp)), *right]
    p.text = ""  # to be normalized
    n = u16len(text)
    shift_named(doc, index, index, n)
    return n


def insert_table(doc: Document, index: int, rows: int, columns: int) -> None:
    """A newline then a rows x columns table of empty cells at `index`."""
    if rows < 1 or columns < 1:
        raise DocsInvalid("The table must have at least one row and one column.")
    if rows * columns > 5000:
        raise DocsInvalid("The table is too large.")
    loc = locate(doc, index)
    p = loc.par
    cp = _cp(p, loc.start, index)
    left, right = split_runs(p.runs, cp)
    before = Paragraph(runs=[*left, Run("\n", style_at(p.runs, cp))], style=p.style, bullet=p.bullet)
    after = Paragraph(runs=right, style=p.style, bullet=p.bullet)
    table = Table(rows=[Row(cells=[Cell(content=[Paragraph(runs=[Run("\n")])]) for _ in range(columns)])
                        for _ in range(rows)], columns=columns)
    loc.content[loc.k:loc.k + 1] = [before, table, after]
    shift_named(doc, index, index, 1 + block_len(table))


def insert_page_break(doc: Document, index: int) -> None:
    loc = locate(doc, index)
    if loc.nested:
        raise DocsInvalid("Page breaks cannot be inserted inside a table.")
    insert_text(doc, index, PAGE_BREAK + "\n", raw=True)


# -- delete -------------------------------------------------------------------------------------------

def delete_range(doc: Document, s: int, e: int) -> None:
    check_range(doc, s, e)
    if e == body_end(doc):
        raise DocsInvalid("The range cannot include the newline character at the end of the segment.")
    _delete(doc.body, 1, s, e)
    shift_named(doc, s, e, 0)


def _delete(content: list[Block], start: int, s: int, e: int) -> None:
    spans: list[tuple[int, Block, int, int]] = []
    pos = start
    for k, b in enumerate(content):
        end = pos + block_len(b)
        if end > s and pos < e:
            spans.append((k, b, pos, end))
        pos = end
    if not spans:
        raise DocsInvalid(BAD_DELETE)
    k0, first, fs, _ = spans[0]
    k1, last, ls, le = spans[-1]
    if len(spans) == 1 and type(first) is Table and not (s <= fs and e >= le):
        for c, cs, ce in cells(first, fs):
            if cs <= s and e <= ce:
                if e == ce:
                    raise DocsInvalid("The range cannot include the newline character at the end of a table cell.")
                _delete(c.content, cs, s, e)
                return
        raise DocsInvalid(BAD_DELETE)
    for _, b, bs, be in spans:
        if type(b) is Table and not (s <= bs and e >= be):
            raise DocsInvalid(BAD_DELETE)
    head: Paragraph | None = None
    head_runs: list[Run] = []
    if type(first) is Paragraph and s > fs:
        head = first
        head_runs = split_runs(first.runs, _cp(first, fs, s))[0]
    tail: Paragraph | None = None
    tail_runs: list[Run] = []
    if type(last) is Paragraph and e < le:
        tail = last
        tail_runs = split_runs(last.runs, _cp(last, ls, e))[1]
    repl: list[Block] = []
    if head is not None or tail is not None:
        if tail is None:  # the head lost its newline: it joins the block after the range
            nxt = content[k1 + 1] if k1 + 1 < len(content) else None
            if type(nxt) is not Paragraph:
                raise DocsInvalid(BAD_DELETE)
            tail, tail_runs, k1 = nxt, nxt.runs, k1 + 1
        keep = head if head is not None else tail
        repl = [Paragraph(runs=head_runs + tail_runs, style=keep.style, bullet=keep.bullet)]
    content[k0:k1 + 1] = repl
    for k, b in enumerate(content):
        if type(b) is Table and (k == 0 or type(content[k - 1]) is Table):
            raise DocsInvalid(BAD_DELETE)
    if not content or type(content[-1]) is not Paragraph:
        raise DocsInvalid(BAD_DELETE)


# -- replace ------------------------------------------------------------------------------------------

def replace_all(doc: Document, find_text: str, repl: str, match_case: bool, regex: bool = False) -> int:
    """Replace every match in every paragraph; answer how many."""
    if not find_text:
        raise DocsInvalid("The text to search for must not be empty.")
    repl = clean_text(repl)
    try:
        pat = re.compile(find_text if regex else re.escape(find_text), 0 if match_case else re.IGNORECASE)
    except re.error as e:
        raise DocsInvalid(f"Invalid regular expression {find_text!r}: {e}") from None
    if not regex and pat.search(doc.text) is None:
        return 0  # a literal found in a paragraph is found in the document's text, which joins them
    count = 0
    n = u16len(repl)
    for p, start, _ in reversed(list(paragraphs(doc.body))):
        text = p.text or ptext(p)
        body = text[:-1]  # matches never take the paragraph's newline
        hits = [m.span() for m in pat.finditer(body) if m.end() > m.start()]
        for a, b in reversed(hits):
            left, rest = split_runs(p.runs, a)
            _, right = split_runs(rest, b - a)
            p.runs = [*left, Run(repl, rest[0].style if rest else style_at(p.runs, a)), *right]
            p.text = ""
            ua = start + u16len(text[:a])
            shift_named(doc, ua, ua + u16len(text[a:b]), n)
        count += len(hits)
    return count


# -- styles -------------------------------------------------------------------------------------------

def overlapping(doc: Document, s: int, e: int) -> list[tuple[Paragraph, int, int]]:
    """Paragraphs a range touches (a paragraph holding `s` when the range is empty)."""
    return [(p, ps, pe) for p, ps, pe in paragraphs(doc.body)
            if (ps < e and pe > s) or (s == e and ps <= s < pe)]


def style_text(doc: Document, s: int, e: int, fn: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Apply `fn` (old style -> new style) to the text in [s, e)."""
    check_range(doc, s, e)
    memo: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}  # keeps the old dicts alive
    for p, ps, pe in overlapping(doc, s, e):
        a = _cp(p, ps, max(s, ps))
        b = _cp(p, ps, min(e, pe))
        left, rest = split_runs(p.runs, a)
        mid, right = split_runs(rest, b - a)
        out = []
        for r in mid:
            got = memo.get(id(r.style))
            if got is None:
                got = memo[id(r.style)] = (r.style, fn(r.style))
            out.append(Run(r.text, got[1]))
        p.runs = left + out + right
        p.text = ""


def style_paragraphs(doc: Document, s: int, e: int, fn: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    if e < s or s < 1 or e > body_end(doc):
        check_range(doc, s, e)
    for p, _, _ in overlapping(doc, s, e):
        p.style = fn(p.style)


# -- bullets ------------------------------------------------------------------------------------------

def create_bullets(doc: Document, s: int, e: int, preset: str, new_id: Callable[[], str]) -> None:
    if e < s or s < 1 or e > body_end(doc):
        check_range(doc, s, e)
    pars = overlapping(doc, s, e)
    if not pars:
        raise DocsInvalid("The range does not touch any paragraph.")
    everything = list(paragraphs(doc.body))
    first = pars[0][0]
    prev = next((everything[i - 1][0] for i, (p, _, _) in enumerate(everything) if p is first and i > 0), None)
    if prev is not None and prev.bullet is not None and doc.lists.get(prev.bullet.listId, DocList("")).preset == preset:
        list_id = prev.bullet.listId
    else:
        list_id = new_id()
        doc.lists[list_id] = DocList(preset)
    for p, ps, _ in reversed(pars):  # from the end, so leading-tab deletions keep earlier indexes
        text = ptext(p)
        tabs = len(text) - len(text.lstrip("\t"))
        tabs = min(tabs, len(text) - 1)
        if tabs:
            _, right = split_runs(p.runs, tabs)
            p.runs = right
            p.text = ""
            shift_named(doc, ps, ps + tabs, 0)
        p.bullet = Bullet(listId=list_id, nestingLevel=min(tabs, 8))


def delete_bullets(doc: Document, s: int, e: int) -> None:
    if e < s or s < 1 or e > body_end(doc):
        check_range(doc, s, e)
    for p, _, _ in overlapping(doc, s, e):
        p.bullet = None
    used = {p.bullet.listId for p, _, _ in paragraphs(doc.body) if p.bullet is not None}
    for lid in [k for k in doc.lists if k not in used]:
        del doc.lists[lid]


__all__ = ["DocsInvalid", "clean_text", "create_bullets", "delete_bullets", "delete_range",
           "drop_empty_named", "insert_page_break", "insert_table", "insert_text", "locate",
           "replace_all", "shift_named", "style_paragraphs", "style_text"]
