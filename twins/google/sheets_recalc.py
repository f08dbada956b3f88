"""Recalculation after a values call: only the formulas the written cells reach.

A values call (update, append, clear) notes the rectangles it is about to write in a `Changes`,
then `recalc_after` re-evaluates the formulas whose references touch them, directly or through
other formulas, and leaves every other formula's stored value as it is: the same values a full
recalculation stores, because a formula's value depends only on the cells it references.

That holds while evaluation order cannot matter. It does matter with a reference cycle (the cell
entered first reads `#REF!`) and when evaluation nears Python's recursion limit (the formula that
reaches it reads `#REF!`), so a spreadsheet whose formulas could form a cycle, or whose formulas
could nest that deep (more than `MAX_FORMULAS`, or more than `MAX_TEXT` characters of them), is
recalculated in full. A range reads up to its sheet's data extent, so when a call moves a sheet's
extent every formula with a range on that sheet is re-evaluated too."""

from __future__ import annotations

from typing import NamedTuple

from ..core.memo import Bounded, text_cache
from .a1 import parse_key
from .formulas import FErr, references
from .sheets_model import MAX_FORMULAS, MAX_TEXT, Sheet, Spreadsheet, Workbook, book_extent, put, recalc

_END = 1 << 62  # an open range's end


class Rect(NamedTuple):
    sheet: int  # sheetId
    r0: int
    r1: int
    c0: int
    c1: int


class Ref(NamedTuple):
    rect: Rect
    is_range: bool


class Formula(NamedTuple):
    at: int  # the sheet's position in the spreadsheet
    cell: Rect
    text: str
    refs: tuple[Ref, ...]


class _Graph(NamedTuple):
    formulas: tuple[Formula, ...]
    dependents: tuple[tuple[int, ...], ...]  # formulas[i] is referenced by formulas[j] for j in dependents[i]
    acyclic: bool
    text: int  # the formulas' total length


class Changes:
    """The rectangles a values call writes, and their sheets' data extents before it wrote. Nothing
    is noted for a spreadsheet without formulas: every formula after the call is then a new one."""

    __slots__ = ("extents", "formulas", "rects")

    def __init__(self, sp: Spreadsheet) -> None:
        self.formulas = False
        for sh in sp.sheets:
            if sh.formulas:
                self.formulas = True
                break
        self.rects: list[Rect] = []
        self.extents: dict[int, tuple[Sheet, tuple[int, int]]] = {}

    def note(self, sh: Sheet, r0: int, r1: int, c0: int, c1: int) -> None:
        """Call before writing rows [r0, r1) x columns [c0, c1) of `sh`."""
        if not self.formulas:
            return
        if sh.sheetId not in self.extents:
            self.extents[sh.sheetId] = (sh, book_extent(sh))
        self.rects.append(Rect(sh.sheetId, r0, r1, c0, c1))


def _meets(a: Rect, b: Rect) -> bool:
    return a.sheet == b.sheet and a.r0 < b.r1 and b.r0 < a.r1 and a.c0 < b.c1 and b.c0 < a.c1


@text_cache(4096)
def _refs(text: str) -> tuple[tuple[str | None, int, int, int, int, bool], ...]:
    """A formula's references: (sheet title or None, r0, r1, c0, c1, is_range), open ends at _END."""
    out = []
    for _, sheet, r0, r1, c0, c1, is_range in references(text):
        if not is_range:
            r1, c1 = r0 + 1, c0 + 1
        out.append((sheet, r0, _END if r1 is None else r1, c0, _END if c1 is None else c1, is_range))
    return tuple(out)


_GRAPHS: Bounded[tuple[tuple[int, str, tuple[tuple[str, str], ...]], ...], _Graph] = Bounded(1024)


def _graph(sp: Spreadsheet) -> _Graph:
    """`_graph_of`, memoised on the sheets' ids, titles and formulas (pure data: worlds share it)."""
    key = tuple((sh.sheetId, sh.title, tuple(sh.formulas.items())) for sh in sp.sheets)
    g = _GRAPHS.get(key)
    if g is None:
        g = _GRAPHS.keep(key, _graph_of(sp))
    return g


def _graph_of(sp: Spreadsheet) -> _Graph:
    """Every formula with its references resolved to sheets, who references whom, and whether
    the references could form a cycle (a static over-approximation: IF's untaken branch counts)."""
    ids = {sh.title.lower(): sh.sheetId for sh in sp.sheets}
    formulas: list[Formula] = []
    for at, sh in enumerate(sp.sheets):
        for key, text in sh.formulas.items():
            r, c = parse_key(key)
            refs = []
            for sheet, r0, r1, c0, c1, is_range in _refs(text):
                sid = sh.sheetId if sheet is None else ids.get(sheet.lower())
                if sid is not None:  # a missing sheet reads #REF! whatever is written
                    refs.append(Ref(Rect(sid, r0, r1, c0, c1), is_range))
            formulas.append(Formula(at, Rect(sh.sheetId, r, r + 1, c, c + 1), text, tuple(refs)))
    dependents: list[list[int]] = [[] for _ in formulas]
    for j, f in enumerate(formulas):
        for ref in f.refs:
            for i, g in enumerate(formulas):
                if _meets(ref.rect, g.cell):
                    dependents[i].append(j)
    return _Graph(tuple(formulas), tuple(tuple(d) for d in dependents), _acyclic(dependents),
                  sum(len(f.text) for f in formulas))


def _acyclic(dependents: list[list[int]]) -> bool:
    state = [0] * len(dependents)  # 0 unseen, 1 on the path, 2 done
    for root in range(len(dependents)):
        if state[root]:
            continue
        stack = [(root, 0)]
        state[root] = 1
        while stack:
            i, k = stack[-1]
            if k < len(dependents[i]):
                stack[-1] = (i, k + 1)
                j = dependents[i][k]
                if state[j] == 1:
                    return False
                if state[j] == 0:
                    state[j] = 1
                    stack.append((j, 0))
            else:
                state[i] = 2
                stack.pop()
    return True


def recalc_after(sp: Spreadsheet, changes: Changes) -> None:
    """Recalculate after the noted writes: the formulas they reach, or all of them when needed."""
    if not changes.formulas:  # every formula is new (recalc returns at once when there is none)
        recalc(sp)
        return
    count = sum(len(sh.formulas) for sh in sp.sheets)
    if not count:
        return
    if count > MAX_FORMULAS:
        recalc(sp)
        return
    g = _graph(sp)
    if not g.acyclic or g.text > MAX_TEXT:
        recalc(sp)
        return
    moved = {sid for sid, (sh, before) in changes.extents.items() if book_extent(sh) != before}
    rects = changes.rects
    todo = [i for i, f in enumerate(g.formulas)
            if any(_meets(f.cell, w) for w in rects)
            or any((ref.is_range and ref.rect.sheet in moved) or any(_meets(ref.rect, w) for w in rects)
                   for ref in f.refs)]
    dirty = set(todo)
    while todo:
        for j in g.dependents[todo.pop()]:
            if j not in dirty:
                dirty.add(j)
                todo.append(j)
    book = Workbook(sp)
    for i in dirty:
        f = g.formulas[i]
        sh, r, c = sp.sheets[f.at], f.cell.r0, f.cell.c0
        v = book.formula(sh, r, c, f.text)
        put(sh, r, c, v.code if isinstance(v, FErr) else "" if v is None else v)


__all__ = ["Changes", "recalc_after"]
