"""The Google Docs document model: a body of paragraphs and tables, indexed in UTF-16 code units.

A paragraph is a list of text runs (text plus a text style) whose text ends with its one newline.
A page break is the character U+000C inside a run. A table is rows of cells, each cell a list of
blocks of its own. Indexes follow Docs: the section break takes index 0, the body starts at 1; a
table takes 1 for its start, each row 1 and each cell 1 before the cell's content.

`text` (of the document and of each paragraph) is derived, kept up to date by `normalize`, so
that scenario checks can read plain text next to the structure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

PAGE_BREAK = "\f"


class Run(msgspec.Struct, omit_defaults=True):
    """A stretch of text with one text style (Docs' TextStyle fields, e.g. `{"bold": true}`)."""

    text: str
    style: dict[str, Any] = {}


class Bullet(msgspec.Struct, omit_defaults=True):
    listId: str
    nestingLevel: int = 0


class Paragraph(msgspec.Struct, tag="paragraph", omit_defaults=True):
    """A paragraph: its runs (ending with the newline), paragraph style and list membership."""

    runs: list[Run]
    text: str = ""  # derived: the runs' text joined (set by normalize; "" until then: edits clear it)
    style: dict[str, Any] = {}  # ParagraphStyle fields that differ from NORMAL_TEXT defaults
    bullet: Bullet | None = None


class Cell(msgspec.Struct, omit_defaults=True):
    content: list[Block]
    text: str = ""  # derived: the cell's text (set by normalize)


class Row(msgspec.Struct, omit_defaults=True):
    cells: list[Cell]


class Table(msgspec.Struct, tag="table", omit_defaults=True):
    rows: list[Row]
    columns: int


Block = Paragraph | Table


class NamedSpan(msgspec.Struct):
    startIndex: int
    endIndex: int


class NamedRange(msgspec.Struct, omit_defaults=True):
    namedRangeId: str
    name: str
    ranges: list[NamedSpan] = []


class DocList(msgspec.Struct, omit_defaults=True):
    """A list (bullets or numbering) made by createParagraphBullets."""

    preset: str


def _empty_body() -> list[Block]:
    return [Paragraph(runs=[Run("\n")], text="\n")]


class Document(msgspec.Struct):
    """A Google Doc's content (its title is the Drive file's name)."""

    text: str = ""  # derived: the body's plain text, cells included, page breaks as \f (set by normalize)
    body: list[Block] = msgspec.field(default_factory=_empty_body)
    revision: int = 1
    lists: dict[str, DocList] = {}
    namedRanges: dict[str, NamedRange] = {}  # by namedRangeId


# -- UTF-16 ----------------------------------------------------------------------------------------

def u16len(s: str) -> int:
    """Length of `s` in UTF-16 code units (what Docs indexes count)."""
    if s.isascii():
        return len(s)
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)


def cp_offset(s: str, units: int) -> int | None:
    """The code-point offset in `s` of a UTF-16 offset, or None when it splits a surrogate pair."""
    if s.isascii():
        return units
    n = 0
    for i, c in enumerate(s):
        if n == units:
            return i
        n += 2 if ord(c) > 0xFFFF else 1
        if n > units:
            return None
    return len(s) if n == units else None


# -- layout ----------------------------------------------------------------------------------------

# Plain loops, not sum() over generators: every edit locates its index by walking the body.

def par_len(p: Paragraph) -> int:
    t = p.text
    if t:  # a normal paragraph's text (an edit clears it): str.isascii is a flag, len is stored
        return len(t) if t.isascii() else u16len(t)
    n = 0
    for r in p.runs:
        t = r.text
        n += len(t) if t.isascii() else u16len(t)
    return n


def block_len(b: Block) -> int:
    if type(b) is Paragraph:
        return par_len(b)
    assert isinstance(b, Table)
    n = 1
    for row in b.rows:
        n += 1
        for c in row.cells:
            n += 1 + content_len(c.content)
    return n


def content_len(content: list[Block]) -> int:
    n = 0
    for b in content:
        n += par_len(b) if type(b) is Paragraph else block_len(b)
    return n


def body_end(doc: Document) -> int:
    """The end index of the body (one past its final newline)."""
    return 1 + content_len(doc.body)


def cells(t: Table, start: int) -> Iterator[tuple[Cell, int, int]]:
    """Each cell of a table at `start`, with its content's start and end index."""
    pos = start + 1
    for row in t.rows:
        pos += 1
        for c in row.cells:
            pos += 1
            end = pos + content_len(c.content)
            yield c, pos, end
            pos = end


def paragraphs(content: list[Block], start: int = 1) -> Iterator[tuple[Paragraph, int, int]]:
    """Every paragraph in document order (table cells included), with its start and end index."""
    pos = start
    for b in content:
        if type(b) is Paragraph:
            end = pos + par_len(b)
            yield b, pos, end
            pos = end
        else:
            assert isinstance(b, Table)
            end = pos + block_len(b)
            for c, cs, _ in cells(b, pos):
                yield from paragraphs(c.content, cs)
            pos = end


# -- building and reading --------------------------------------------------------------------------

def para(text: str, style: dict[str, Any] | None = None, run_style: dict[str, Any] | None = None) -> Paragraph:
    """A paragraph holding `text` (which must end with its one newline)."""
    return Paragraph(runs=[Run(text, dict(run_style) if run_style else {})], text=text,
                     style=dict(style) if style else {})


def build_document(text: str) -> Document:
    """A document whose body holds `text`, one NORMAL_TEXT paragraph per line."""
    text = "".join(c for c in text.replace("\r\n", "\n") if c == "\n" or c == "\t" or c >= " ")
    if not text.endswith("\n"):
        text += "\n"
    doc = Document(body=[para(line + "\n") for line in text[:-1].split("\n")])
    normalize(doc)
    return doc


def document_text(doc: Document) -> str:
    """The document as plain text (Drive's export to text/plain): paragraphs and cells in order."""
    return doc.text.replace(PAGE_BREAK, "")


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a is b or a == b


def normalize_paragraph(p: Paragraph) -> None:
    """Merge neighbouring runs of one style, drop empty ones, refresh `text`."""
    if len(p.runs) == 1 and p.runs[0].text:  # most paragraphs: nothing to merge
        p.text = p.runs[0].text
        return
    runs: list[Run] = []
    for r in p.runs:
        if not r.text:
            continue
        if runs and _same(runs[-1].style, r.style):
            runs[-1] = Run(runs[-1].text + r.text, runs[-1].style)
        else:
            runs.append(r)
    p.runs = runs or [Run("\n")]
    p.text = "".join(r.text for r in p.runs)


def split_paragraph(p: Paragraph) -> list[Paragraph]:
    """A paragraph whose text holds several newlines, as one paragraph per line (style copied)."""
    out: list[Paragraph] = []
    cur: list[Run] = []
    for r in p.runs:
        text = r.text
        while True:
            i = text.find("\n")
            if i < 0:
                if text:
                    cur.append(Run(text, r.style))
                break
            cur.append(Run(text[: i + 1], r.style))
            out.append(Paragraph(runs=cur, style=p.style, bullet=p.bullet))
            cur = []
            text = text[i + 1:]
    if cur:  # text after the last newline (cannot happen for a well-formed paragraph)
        out.append(Paragraph(runs=[*cur, Run("\n", cur[-1].style)], style=p.style, bullet=p.bullet))
    for q in out:
        normalize_paragraph(q)
    return out


def _normalize_content(content: list[Block], out: list[str]) -> list[Block]:
    blocks: list[Block] = []
    for b in content:
        if type(b) is Paragraph:
            t = b.text
            if t:  # normal already: every edit that changes a paragraph's runs clears its text
                out.append(t)
                blocks.append(b)
                continue
            runs = b.runs
            if len(runs) == 1:  # the common case, already normal: one run ending with its only newline
                t = runs[0].text
                if t and t.find("\n") == len(t) - 1:
                    b.text = t
                    out.append(t)
                    blocks.append(b)
                    continue
            normalize_paragraph(b)
            if b.text.count("\n") > 1 or not b.text.endswith("\n"):
                parts = split_paragraph(b)
            else:
                parts = [b]
            for q in parts:
                out.append(q.text)
            blocks.extend(parts)
        else:
            assert isinstance(b, Table)
            for row in b.rows:
                for c in row.cells:
                    sub: list[str] = []
                    c.content = _normalize_content(c.content, sub)
                    c.text = "".join(sub)
                    out.extend(sub)
            blocks.append(b)
    return blocks


def normalize(doc: Document) -> None:
    """Restore the invariants after an edit and refresh the derived `text` fields."""
    out: list[str] = []
    doc.body = _normalize_content(doc.body, out)
    doc.text = "".join(out)


_ENC = msgspec.msgpack.Encoder()
_DEC = msgspec.msgpack.Decoder(Document)


def copy_document(doc: Document) -> Document:
    """A deep copy (batchUpdate edits a copy and keeps it only when every request succeeds)."""
    return _DEC.decode(_ENC.encode(doc))


__all__ = ["Block", "Bullet", "Cell", "DocList", "Document", "NamedRange", "NamedSpan", "Paragraph",
           "Row", "Run", "Table", "block_len", "body_end", "build_document", "cells", "content_len",
           "copy_document", "cp_offset", "document_text", "normalize", "paragraphs", "u16len"]
