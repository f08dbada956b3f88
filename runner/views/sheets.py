"""The Sheets view: a spreadsheet's grid of computed values as Sheets shows them (formatted by
each cell's number format, column letters, row numbers, merges, frozen rows, notes), the formula
of a formula cell in its title (on hover), and a tab per sheet. `sel` is a spreadsheet id, or
`<spreadsheet id>/<sheetId>` for another tab."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from dtu.twins.google.a1 import A1Error, cell_key, col_letters, parse_key
from dtu.twins.google.sheets_format import general
from dtu.twins.google.sheets_model import Sheet, Spreadsheet
from dtu.twins.google.sheets_view import formatted_cell

from .common import Links, parse_iso, render, when
from .docs import documents
from .drive import SHEET

MAX_ROWS = 500
MAX_COLS = 52
ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#ERROR!")
ALIGN = {"LEFT": "al-left", "CENTER": "al-center", "RIGHT": "al-right"}


def _m(x: Any) -> Mapping[str, Any]:
    return x if isinstance(x, Mapping) else {}


def _spreadsheet(data: Any) -> Spreadsheet | None:
    try:
        return msgspec.convert(data, Spreadsheet, strict=False)
    except (msgspec.ValidationError, TypeError):
        return None


def _shown(sp: Spreadsheet, sh: Sheet, r: int, c: int, v: Any) -> str:
    try:
        return formatted_cell(sh, r, c, sp)
    except Exception:  # a format the twin cannot draw: show the value as Sheets' automatic format would
        return general(v)


def grid(sp: Spreadsheet, sh: Sheet) -> dict[str, Any]:
    used_rows = len(sh.values)
    used_cols = max((len(r) for r in sh.values), default=0)
    for key in (*sh.formulas, *sh.notes):
        try:
            r, c = parse_key(key)
        except A1Error:
            continue
        used_rows, used_cols = max(used_rows, r + 1), max(used_cols, c + 1)
    nrows = min(max(sh.rowCount, 1), max(used_rows + 10, 40), MAX_ROWS)
    ncols = min(max(sh.columnCount, 1), max(used_cols + 2, 26), MAX_COLS)
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for mg in sh.merges:
        r0, r1 = int(mg.get("startRowIndex", 0)), int(mg.get("endRowIndex", 0))
        c0, c1 = int(mg.get("startColumnIndex", 0)), int(mg.get("endColumnIndex", 0))
        if r1 - r0 < 1 or c1 - c0 < 1 or r0 >= nrows or c0 >= ncols:
            continue
        r1, c1 = min(r1, nrows), min(c1, ncols)
        spans[(r0, c0)] = (r1 - r0, c1 - c0)
        covered.update((r, c) for r in range(r0, r1) for c in range(c0, c1) if (r, c) != (r0, c0))
    rows = []
    for r in range(nrows):
        values = sh.values[r] if r < len(sh.values) else []
        cells = []
        for c in range(ncols):
            if (r, c) in covered:
                continue
            v = values[c] if c < len(values) else None
            key = cell_key(r, c)
            formula = sh.formulas.get(key)
            note = sh.notes.get(key)
            fmt = _m(sh.formats.get(key))
            text = _m(fmt.get("textFormat"))
            cls = ["num" if isinstance(v, int | float) and not isinstance(v, bool) else
                   "bool" if isinstance(v, bool) else "err" if isinstance(v, str) and v in ERRORS else "txt"]
            if formula is not None:
                cls.append("f")
            if note:
                cls.append("note")
            cls.extend(k for k, on in (("b", text.get("bold")), ("i", text.get("italic")),
                                       ("s", text.get("strikethrough")), ("u", text.get("underline"))) if on)
            align = ALIGN.get(str(fmt.get("horizontalAlignment") or ""))
            if align:
                cls.append(align)
            span = spans.get((r, c), (1, 1))
            cells.append({"a1": f"{col_letters(c)}{r + 1}", "text": _shown(sp, sh, r, c, v) if v is not None else "",
                          "formula": formula, "note": note or "", "cls": " ".join(cls),
                          "rowspan": span[0], "colspan": span[1]})
        rows.append({"n": r + 1, "cells": cells, "frozen": r < sh.frozenRowCount,
                     "last_frozen": r == sh.frozenRowCount - 1})
    return {"columns": [col_letters(c) for c in range(ncols)], "rows": rows,
            "more_rows": max(0, used_rows - nrows), "more_cols": max(0, used_cols - ncols),
            "size": f"{sh.rowCount} × {sh.columnCount}"}


def page(state: Mapping[str, Any], sel: str | None, base: str) -> str:
    """The Sheets view's content."""
    files = _m(state.get("files"))
    fid, tab = sel, None
    if sel is not None and sel not in files and "/" in sel:
        fid, tab = sel.rsplit("/", 1)
    if fid is not None and _m(files.get(fid)).get("mimeType") != SHEET:
        fid, tab = None, None
    books = documents(files, base, fid, "sheets", SHEET, _m(state.get("users")))
    if fid is None and books:
        fid = books[0]["id"]
        books[0]["current"] = True
    book = None
    if fid is not None:
        f = _m(files.get(fid))
        sp = _spreadsheet(f.get("sheet") or {})
        if sp is not None and sp.sheets:
            ordered = sorted(sp.sheets, key=lambda s: s.index)
            current = next((s for s in ordered if str(s.sheetId) == tab), None) or next(
                (s for s in ordered if not s.hidden), ordered[0])
            link = Links(base)
            book = {"id": fid, "name": str(f.get("name") or "Untitled spreadsheet"), "broken": False,
                    "modified": when(parse_iso(f.get("modifiedTime"))), "drive": link("drive", fid),
                    "sheet": current.title, "grid": grid(sp, current),
                    "tabs": [{"title": s.title, "href": link("sheets", f"{fid}/{s.sheetId}"), "id": s.sheetId,
                              "current": s is current, "hidden": s.hidden} for s in ordered]}
        else:
            book = {"id": fid, "name": str(f.get("name") or "Untitled spreadsheet"), "broken": True}
    return render("sheets.html", books=books, book=book)
