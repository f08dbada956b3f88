"""Rewriting a formula's references when rows or columns move or a sheet is renamed."""

from __future__ import annotations

import re
from collections.abc import Callable

from .a1 import col_index, col_letters, quote_sheet
from .formulas import TOKEN

_ENDPOINT = re.compile(r"^(\$?)([A-Za-z]{1,3})?(\$?)([0-9]+)?$")


def _sheet_of(token: str) -> tuple[str | None, str, str]:
    """(sheet title or None, the text before the cells, the cells) of a ref token."""
    sheet_part, bang, cells = token.rpartition("!")
    if not bang:
        return None, "", cells
    title = sheet_part[1:-1].replace("''", "'") if sheet_part.startswith("'") else sheet_part
    return title, sheet_part + bang, cells


def _rewrite(formula: str, fn: Callable[[str | None, str, str], str]) -> str:
    """A formula with each ref token replaced by fn(sheet title, prefix, cells)."""
    out: list[str] = []
    pos = 0
    while pos < len(formula):
        m = TOKEN.match(formula, pos)
        if m is None:
            return formula
        tok = m.group()
        if m.lastgroup == "ref":
            tok = fn(*_sheet_of(tok))
        out.append(tok)
        pos = m.end()
    return "".join(out)


def rewrite_refs(formula: str, own: str, target: str, rows: bool, at: int, delta: int) -> str:
    """A formula after `delta` rows (or columns) were inserted (delta > 0) at index `at` of sheet
    `target`, or -delta deleted from it; a reference to a deleted cell becomes #REF!."""
    def move(i: int) -> int | None:
        if delta > 0:
            return i + delta if i >= at else i
        end = at - delta
        return None if at <= i < end else i + delta if i >= end else i

    def fix(sheet: str | None, prefix: str, cells: str) -> str:
        if (sheet if sheet is not None else own).lower() != target.lower():
            return prefix + cells
        parts = cells.split(":")
        fixed: list[str] = []
        for k, part in enumerate(parts):
            m = _ENDPOINT.match(part)
            if m is None:
                return prefix + cells
            d1, col, d2, row = m.groups()
            if rows and row is not None:
                n = move(int(row) - 1)
                if n is None:
                    if len(parts) == 1:
                        return "#REF!"
                    n = at if k == 0 else at - 1
                    if n < 0:
                        return "#REF!"
                row = str(n + 1)
            if not rows and col is not None:
                n = move(col_index(col))
                if n is None:
                    if len(parts) == 1:
                        return "#REF!"
                    n = at if k == 0 else at - 1
                    if n < 0:
                        return "#REF!"
                col = col_letters(n)
            fixed.append(f"{d1}{col or ''}{d2}{row or ''}")
        return prefix + ":".join(fixed)

    return _rewrite(formula, fix)


def rename_refs(formula: str, old: str, new: str | None) -> str:
    """A formula after sheet `old` was renamed to `new` (or deleted: None makes refs #REF!)."""
    def fix(sheet: str | None, prefix: str, cells: str) -> str:
        if sheet is None or sheet.lower() != old.lower():
            return prefix + cells
        return "#REF!" if new is None else quote_sheet(new) + "!" + cells

    return _rewrite(formula, fix)




def offset_refs(formula: str, rows: int) -> str:
    """A formula moved `rows` rows down (up when negative): relative row references follow it."""
    def fix(sheet: str | None, prefix: str, cells: str) -> str:
        parts = []
        for part in cells.split(":"):
            m = _ENDPOINT.match(part)
            if m is None:
                return prefix + cells
            d1, col, d2, row = m.groups()
            if row is not None and not d2:
                row = str(max(1, int(row) + rows))
            parts.append(f"{d1}{col or ''}{d2}{row or ''}")
        return prefix + ":".join(parts)

    return _rewrite(formula, fix)


__all__ = ["offset_refs", "rename_refs", "rewrite_refs"]
