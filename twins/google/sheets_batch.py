"""spreadsheets.batchUpdate requests, applied in order to a working copy (all or nothing).

Each handler takes (ctx, book, body) and returns its reply ({} when the request has none); a
failure raises `Invalid requests[i].<kind>: <why>` as a 400."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from .a1 import cell_key
from .errors import GoogleError
from .registry import G
from .sheets_access import check_cells
from .sheets_cells import (
    apply_mask,
    cell_state,
    find_replace,
    grid_box,
    mask_paths,
    merge,
    set_cell_state,
    sort_range,
    unmerge,
)
from .sheets_model import (
    Sheet,
    Spreadsheet,
    delete,
    insert,
    recalc,
    reindex,
    sheet_by_id,
    sheet_by_title,
    trim,
)
from .sheets_refs import rename_refs
from .sheets_view import sheet_properties
from .state import DriveFile


class Book:
    """What batch requests work on: the spreadsheet copy and its (pending) title."""

    __slots__ = ("sp", "title")

    def __init__(self, sp: Spreadsheet, title: str) -> None:
        self.sp = sp
        self.title = title


class RequestError(ValueError):
    """A request that cannot be applied; the message says why."""


Handler = Callable[[G, Book, dict[str, Any]], dict[str, Any]]


def apply_requests(ctx: G, f: DriveFile, sp: Spreadsheet,
                   requests: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Apply requests to `sp` (a working copy) in order; the replies and the spreadsheet's title
    after them (the caller renames the file once everything succeeded)."""
    book = Book(sp, f.name)
    replies: list[dict[str, Any]] = []
    for i, req in enumerate(requests):
        if not isinstance(req, dict) or len(req) != 1:
            raise GoogleError("INVALID_ARGUMENT", f"Invalid requests[{i}]: request must set exactly one kind")
        (kind, body), = req.items()
        handler = HANDLERS.get(kind)
        if handler is None:
            raise GoogleError("INVALID_ARGUMENT", f"Invalid JSON payload received. Unknown name \"{kind}\" at "
                                                  f"'requests[{i}]': Cannot find field.")
        try:
            replies.append(handler(ctx, book, _no_nulls(body) if isinstance(body, dict) else {}))
        except RequestError as e:
            raise GoogleError("INVALID_ARGUMENT", f"Invalid requests[{i}].{kind}: {e}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise GoogleError("INVALID_ARGUMENT", f"Invalid requests[{i}].{kind}: {e!s}") from None
    return replies, book.title


def _no_nulls(value: Any) -> Any:
    """A request body without its nulls (in proto3 JSON a null field is an unset one)."""
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


def _sheet(sp: Spreadsheet, sheet_id: Any) -> Sheet:
    sh = sheet_by_id(sp, int(sheet_id or 0))
    if sh is None:
        raise RequestError(f"No grid with id: {sheet_id or 0}")
    return sh


def _new_id(ctx: G, sp: Spreadsheet) -> int:
    taken = {s.sheetId for s in sp.sheets}
    while True:
        n = ctx.env.randint(1, 2_000_000_000)
        if n not in taken:
            return n


def _free_title(sp: Spreadsheet, base: str = "Sheet") -> str:
    n = len(sp.sheets) + 1
    while sheet_by_title(sp, f"{base}{n}") is not None:
        n += 1
    return f"{base}{n}"


def sheet_from_properties(ctx: G, sp: Spreadsheet, props: dict[str, Any]) -> Sheet:
    """A new sheet from SheetProperties (title, sheetId, index, gridProperties, hidden, tabColor)."""
    title = str(props.get("title") or _free_title(sp))
    if sheet_by_title(sp, title) is not None:
        raise RequestError(f'A sheet with the name "{title}" already exists. Please enter another name.')
    sid = props.get("sheetId")
    if sid is None:
        sid = _new_id(ctx, sp)
    elif sheet_by_id(sp, int(sid)) is not None:
        raise RequestError(f"Sheet with id {sid} already exists.")
    grid = props.get("gridProperties") or {}
    sh = Sheet(sheetId=int(sid), title=title, index=int(props.get("index", len(sp.sheets))),
               rowCount=int(grid.get("rowCount", 1000)), columnCount=int(grid.get("columnCount", 26)),
               frozenRowCount=int(grid.get("frozenRowCount", 0)),
               frozenColumnCount=int(grid.get("frozenColumnCount", 0)), hidden=bool(props.get("hidden", False)),
               tabColor=props.get("tabColor") or (props.get("tabColorStyle") or {}).get("rgbColor"),
               rightToLeft=bool(props.get("rightToLeft", False)))
    if sh.rowCount < 1 or sh.columnCount < 1:
        raise RequestError("gridProperties must have at least one row and one column")
    return sh


def _place(sp: Spreadsheet, sh: Sheet, index: int) -> None:
    for other in sp.sheets:
        if other.index >= index:
            other.index += 1
    sh.index = index
    sp.sheets.append(sh)
    reindex(sp)


# -- sheets -----------------------------------------------------------------------------------------

def add_sheet(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sp = book.sp
    sh = sheet_from_properties(ctx, sp, dict(body.get("properties") or {}))
    _place(sp, sh, min(sh.index, len(sp.sheets)))
    return {"addSheet": {"properties": sheet_properties(sh)}}


def delete_sheet(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sp = book.sp
    sh = _sheet(sp, body.get("sheetId"))
    if len([s for s in sp.sheets if not s.hidden and s is not sh]) == 0:
        raise RequestError("You can't remove all the visible sheets in a document.")
    sp.sheets.remove(sh)
    reindex(sp)
    for other in sp.sheets:
        for key, formula in list(other.formulas.items()):
            other.formulas[key] = rename_refs(formula, sh.title, None)
    return {}


def duplicate_sheet(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sp = book.sp
    src = _sheet(sp, body.get("sourceSheetId"))
    name = body.get("newSheetName") or _copy_name(sp, src.title)
    if sheet_by_title(sp, name) is not None:
        raise RequestError(f'A sheet with the name "{name}" already exists. Please enter another name.')
    new_id = body.get("newSheetId")
    if new_id is not None and sheet_by_id(sp, int(new_id)) is not None:
        raise RequestError(f"Sheet with id {new_id} already exists.")
    sh = msgspec.convert(msgspec.to_builtins(src), Sheet)
    sh.title = name
    sh.sheetId = int(new_id) if new_id is not None else _new_id(ctx, sp)
    _place(sp, sh, min(int(body.get("insertSheetIndex", src.index + 1)), len(sp.sheets)))
    return {"duplicateSheet": {"properties": sheet_properties(sh)}}


def _copy_name(sp: Spreadsheet, title: str) -> str:
    name, n = f"Copy of {title}", 2
    while sheet_by_title(sp, name) is not None:
        name, n = f"Copy of {title} {n}", n + 1
    return name


def update_sheet_properties(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sp = book.sp
    props = dict(body.get("properties") or {})
    sh = _sheet(sp, props.get("sheetId"))
    paths = mask_paths(body.get("fields") or "")
    if not paths:
        raise RequestError("At least one field must be updated, but 'fields' is empty.")
    current = sheet_properties(sh)
    current.setdefault("hidden", False)
    updated = apply_mask(current, props, paths)
    title = updated.get("title")
    if title != sh.title:
        if not title:
            raise RequestError("The sheet name cannot be empty.")
        other = sheet_by_title(sp, title)
        if other is not None and other is not sh:
            raise RequestError(f'A sheet with the name "{title}" already exists. Please enter another name.')
        for s in sp.sheets:
            for key, formula in list(s.formulas.items()):
                s.formulas[key] = rename_refs(formula, sh.title, title)
        sh.title = title
    grid = updated.get("gridProperties") or {}
    rows, cols = int(grid.get("rowCount", sh.rowCount)), int(grid.get("columnCount", sh.columnCount))
    if rows < len(sh.values) or cols < max((len(r) for r in sh.values), default=0) or rows < 1 or cols < 1:
        if rows < 1 or cols < 1:
            raise RequestError("The grid must have at least one row and one column.")
        sh.values = [row[:cols] for row in sh.values[:rows]]
    sh.rowCount, sh.columnCount = rows, cols
    sh.frozenRowCount = int(grid.get("frozenRowCount", 0))
    sh.frozenColumnCount = int(grid.get("frozenColumnCount", 0))
    sh.hidden = bool(updated.get("hidden", False))
    sh.rightToLeft = bool(updated.get("rightToLeft", False))
    sh.tabColor = updated.get("tabColor") or (updated.get("tabColorStyle") or {}).get("rgbColor")
    if "index" in updated and int(updated["index"]) != sh.index:
        target = max(0, min(int(updated["index"]), len(sp.sheets) - 1))
        sp.sheets.remove(sh)
        reindex(sp)
        _place(sp, sh, target)
    if sh.hidden and all(s.hidden for s in sp.sheets):
        raise RequestError("You can't hide all the sheets in a document.")
    return {}


def update_spreadsheet_properties(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    props = dict(body.get("properties") or {})
    paths = mask_paths(body.get("fields") or "")
    current = {"title": book.title, "locale": book.sp.locale, "timeZone": book.sp.timeZone,
               "autoRecalc": book.sp.autoRecalc}
    updated = apply_mask(current, props, paths)
    book.title = str(updated.get("title") or book.title)
    book.sp.locale = str(updated.get("locale") or "en_US")
    book.sp.timeZone = str(updated.get("timeZone") or "Etc/GMT")
    book.sp.autoRecalc = str(updated.get("autoRecalc") or "ON_CHANGE")
    return {}


# -- cells ------------------------------------------------------------------------------------------

def update_cells(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sp = book.sp
    paths = mask_paths(body.get("fields") or "")
    if not paths:
        raise RequestError("At least one field must be updated, but 'fields' is empty.")
    rows = body.get("rows") or []
    if "start" in body:
        start = body["start"]
        sh = _sheet(sp, start.get("sheetId"))
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        r1 = r0 + len(rows)
        c1 = c0 + max((len(r.get("values") or []) for r in rows), default=0)
    else:
        sh, r0, r1, c0, c1 = grid_box(sp, body.get("range") or {})
    sh.rowCount = max(sh.rowCount, r1)
    sh.columnCount = max(sh.columnCount, c1)
    for r in range(r0, r1):
        cells = (rows[r - r0].get("values") or []) if r - r0 < len(rows) else []
        for c in range(c0, c1):
            new = cells[c - c0] if c - c0 < len(cells) else {}
            set_cell_state(sh, r, c, apply_mask(cell_state(sh, r, c), new, paths))
    trim(sh)
    return {}


def repeat_cell(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sh, r0, r1, c0, c1 = grid_box(book.sp, body.get("range") or {})
    paths = mask_paths(body.get("fields") or "")
    if not paths:
        raise RequestError("At least one field must be updated, but 'fields' is empty.")
    cell = body.get("cell") or {}
    for r in range(r0, r1):
        for c in range(c0, c1):
            set_cell_state(sh, r, c, apply_mask(cell_state(sh, r, c), cell, paths))
    trim(sh)
    return {}


def set_data_validation(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sh, r0, r1, c0, c1 = grid_box(book.sp, body.get("range") or {})
    rule = body.get("rule")
    if rule is not None and not (rule.get("condition") or {}).get("type"):
        raise RequestError("rule.condition.type is required")
    for r in range(r0, r1):
        for c in range(c0, c1):
            if rule:
                sh.validations[cell_key(r, c)] = dict(rule)
            else:
                sh.validations.pop(cell_key(r, c), None)
    return {}


def find_replace_request(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    recalc(book.sp)
    return {"findReplace": find_replace(book.sp, body)}


def sort_range_request(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    recalc(book.sp)  # sort by what formulas show now
    sort_range(book.sp, body)
    return {}


# -- dimensions and merges ----------------------------------------------------------------------------

def _dimension(body: dict[str, Any], sp: Spreadsheet) -> tuple[Sheet, bool, int, int]:
    rng = body.get("range") or {}
    sh = _sheet(sp, rng.get("sheetId"))
    dim = rng.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise RequestError("range.dimension must be ROWS or COLUMNS")
    rows = dim == "ROWS"
    size = sh.rowCount if rows else sh.columnCount
    start = int(rng.get("startIndex", 0))
    end = int(rng.get("endIndex", size))
    if start < 0 or end <= start:
        raise RequestError(f"Invalid dimension range: startIndex {start}, endIndex {end}")
    return sh, rows, start, end


def insert_dimension(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sh, rows, start, end = _dimension(body, book.sp)
    size = sh.rowCount if rows else sh.columnCount
    if start > size:
        raise RequestError(f"Cannot insert at index {start}: the sheet has only {size} "
                           f"{'rows' if rows else 'columns'}")
    check_cells(book.sp, sh, sh.rowCount + (end - start if rows else 0), sh.columnCount + (0 if rows else end - start))
    insert(book.sp, sh, rows, start, end - start, bool(body.get("inheritFromBefore", False)))
    return {}


def delete_dimension(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sh, rows, start, end = _dimension(body, book.sp)
    size = sh.rowCount if rows else sh.columnCount
    end = min(end, size)
    if start >= size:
        raise RequestError(f"Invalid dimension range: startIndex {start} is past the grid ({size})")
    if start == 0 and end >= size:
        raise RequestError(f"You can't delete all the {'rows' if rows else 'columns'} on the sheet.")
    delete(book.sp, sh, rows, start, end - start)
    return {}


def append_dimension(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sh = _sheet(book.sp, body.get("sheetId"))
    length = int(body.get("length", 0))
    if length < 1:
        raise RequestError("length must be at least 1")
    if body.get("dimension") == "ROWS":
        sh.rowCount += length
    elif body.get("dimension") == "COLUMNS":
        sh.columnCount += length
    else:
        raise RequestError("dimension must be ROWS or COLUMNS")
    return {}


def merge_cells(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    merge(book.sp, body)
    return {}


def unmerge_cells(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    unmerge(book.sp, body)
    return {}


def _nothing(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    """Requests about looks only (column widths, auto-resize): accepted, nothing kept."""
    return {}


HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet, "deleteSheet": delete_sheet, "duplicateSheet": duplicate_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "updateCells": update_cells, "repeatCell": repeat_cell, "setDataValidation": set_data_validation,
    "findReplace": find_replace_request, "sortRange": sort_range_request,
    "insertDimension": insert_dimension, "deleteDimension": delete_dimension, "appendDimension": append_dimension,
    "mergeCells": merge_cells, "unmergeCells": unmerge_cells,
    "updateDimensionProperties": _nothing, "autoResizeDimensions": _nothing,
}

__all__ = ["HANDLERS", "RequestError", "apply_requests", "sheet_from_properties"]
