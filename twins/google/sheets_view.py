"""How Sheets v4 shows a spreadsheet: values under render options, sheet properties, grid data."""

from __future__ import annotations

from typing import Any

from .a1 import cell_key
from .formulas import references
from .sheets_format import ERRORS, date_string, general, render
from .sheets_model import Sheet, Spreadsheet, get, sheet_by_title

ERROR_TYPES = {"#DIV/0!": "DIV_BY_ZERO", "#VALUE!": "VALUE", "#REF!": "REF", "#NAME?": "NAME", "#N/A": "N_A",
               "#NUM!": "NUM", "#ERROR!": "ERROR", "#NULL!": "NULL_VALUE"}
ERROR_MESSAGES = {"#DIV/0!": "Function DIVIDE parameter 2 cannot be zero.", "#REF!": "Reference does not exist.",
                  "#NAME?": "Unknown function.", "#ERROR!": "Formula parse error.",
                  "#VALUE!": "Function parameter expects number values.", "#N/A": "Wrong number of arguments.",
                  "#NUM!": "The result is not a number.", "#NULL!": "Null value."}
RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATETIME_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")


def number_format(sh: Sheet, r: int, c: int, sp: Spreadsheet | None = None) -> dict[str, Any] | None:
    """A cell's number format: its own, or for a formula the format of the first cell it refers to."""
    key = cell_key(r, c)
    fmt = sh.formats.get(key) if sh.formats else None
    if fmt is not None and "numberFormat" in fmt:
        nf: dict[str, Any] = fmt["numberFormat"]
        return nf
    formula = sh.formulas.get(key) if sh.formulas else None
    if formula is None:
        return None
    for ref in references(formula)[:1]:
        src = sh if ref[1] is None or sp is None else sheet_by_title(sp, ref[1])
        if src is None or (src is sh and (ref[2], ref[4]) == (r, c)):
            return None
        got = src.formats.get(cell_key(ref[2], ref[4])) if src.formats else None
        if got is not None and "numberFormat" in got:
            inherited: dict[str, Any] = got["numberFormat"]
            return inherited if inherited.get("type") not in ("TEXT",) else None
    return None


def formatted_cell(sh: Sheet, r: int, c: int, sp: Spreadsheet | None = None) -> str:
    v = get(sh, r, c)
    if v is None:
        return ""
    return render(v, number_format(sh, r, c, sp))


def cell_value(sp: Spreadsheet, sh: Sheet, r: int, c: int, option: str, dt_option: str) -> Any:
    """One cell under a valueRenderOption and dateTimeRenderOption; "" for blank."""
    if option == "FORMULA" and sh.formulas:
        f = sh.formulas.get(cell_key(r, c))
        if f is not None:
            return f
    v = get(sh, r, c)
    if v is None:
        return ""
    if option == "FORMATTED_VALUE":
        return render(v, number_format(sh, r, c, sp))
    if dt_option == "FORMATTED_STRING":
        return date_string(v, number_format(sh, r, c, sp))
    return v


def read(sp: Spreadsheet, sh: Sheet, r0: int, r1: int, c0: int, c1: int, option: str, dt_option: str,
         major: str) -> list[list[Any]]:
    """The values of rows [r0, r1) x columns [c0, c1), trailing empty rows and cells trimmed."""
    vals = sh.values
    rows = min(r1, len(vals))
    # without formats and formulas a cell's value is its effective value, shown the automatic way
    plain = not sh.formats and not sh.formulas
    shown = plain and option == "FORMATTED_VALUE"
    raw = plain and not shown and dt_option != "FORMATTED_STRING"
    out: list[list[Any]] = []
    for r in range(r0, rows):
        src = vals[r]
        end = min(c1, max(len(src), c0))
        row: list[Any]
        if shown:
            row = [v if type(v) is str else general(v) for v in src[c0:end]]
        elif raw:
            row = ["" if v is None else v for v in src[c0:end]]
        else:
            row = [cell_value(sp, sh, r, c, option, dt_option) for c in range(c0, end)]
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    if major == "COLUMNS":
        width = max((len(r) for r in out), default=0)
        cols = [[out[r][c] if c < len(out[r]) else "" for r in range(len(out))] for c in range(width)]
        for col in cols:
            while col and col[-1] == "":
                col.pop()
        while cols and not cols[-1]:
            cols.pop()
        return cols
    return out


# -- spreadsheet resources ------------------------------------------------------------------------

def sheet_properties(sh: Sheet) -> dict[str, Any]:
    grid: dict[str, Any] = {"rowCount": sh.rowCount, "columnCount": sh.columnCount}
    if sh.frozenRowCount:
        grid["frozenRowCount"] = sh.frozenRowCount
    if sh.frozenColumnCount:
        grid["frozenColumnCount"] = sh.frozenColumnCount
    out: dict[str, Any] = {"sheetId": sh.sheetId, "title": sh.title, "index": sh.index, "sheetType": "GRID",
                           "gridProperties": grid}
    if sh.hidden:
        out["hidden"] = True
    if sh.tabColor:
        out["tabColor"] = dict(sh.tabColor)
        out["tabColorStyle"] = {"rgbColor": dict(sh.tabColor)}
    if sh.rightToLeft:
        out["rightToLeft"] = True
    return out


def _typed(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int | float):
        return {"numberValue": v}
    if isinstance(v, str) and v in ERRORS:
        return {"errorValue": {"type": ERROR_TYPES[v], "message": ERROR_MESSAGES.get(v, v)}}
    return {"stringValue": v}


def cell_data(sp: Spreadsheet, sh: Sheet, r: int, c: int) -> dict[str, Any]:
    """A CellData: userEnteredValue, effectiveValue, formattedValue, formats, note, validation."""
    key = cell_key(r, c)
    out: dict[str, Any] = {}
    v = get(sh, r, c)
    formula = sh.formulas.get(key) if sh.formulas else None
    if formula is not None:
        out["userEnteredValue"] = {"formulaValue": formula}
        if v is not None and v != "":
            out["effectiveValue"] = _typed(v)
            out["formattedValue"] = render(v, number_format(sh, r, c, sp))
    elif v is not None:
        typed = _typed(v)
        out["userEnteredValue"] = dict(typed)
        out["effectiveValue"] = typed
        out["formattedValue"] = render(v, number_format(sh, r, c, sp))
    fmt = sh.formats.get(key) if sh.formats else None
    if fmt:
        out["userEnteredFormat"] = _copy(fmt)
        out["effectiveFormat"] = _copy(fmt)
    note = sh.notes.get(key) if sh.notes else None
    if note:
        out["note"] = note
    rule = sh.validations.get(key) if sh.validations else None
    if rule:
        out["dataValidation"] = _copy(rule)
    return out


def _copy(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v for k, v in d.items()}


def _keys_extent(sh: Sheet) -> tuple[int, int]:
    from .a1 import parse_key

    rows, cols = len(sh.values), max((len(r) for r in sh.values), default=0)
    for d in (sh.formulas, sh.formats, sh.notes, sh.validations):
        for key in d:
            r, c = parse_key(key)
            rows, cols = max(rows, r + 1), max(cols, c + 1)
    return rows, cols


def grid_data(sp: Spreadsheet, sh: Sheet, r0: int, r1: int, c0: int, c1: int) -> dict[str, Any]:
    """A GridData for rows [r0, r1) x columns [c0, c1), rows past the last cell left out."""
    rows, cols = _keys_extent(sh)
    out: dict[str, Any] = {}
    if r0:
        out["startRow"] = r0
    if c0:
        out["startColumn"] = c0
    row_data: list[dict[str, Any]] = []
    for r in range(r0, min(r1, rows)):
        cells = [cell_data(sp, sh, r, c) for c in range(c0, min(c1, cols))]
        while cells and not cells[-1]:
            cells.pop()
        row_data.append({"values": cells} if cells else {})
    while row_data and not row_data[-1]:
        row_data.pop()
    if row_data:
        out["rowData"] = row_data
    out["rowMetadata"] = [{"pixelSize": 21} for _ in range(r0, r1)]
    out["columnMetadata"] = [{"pixelSize": 100} for _ in range(c0, c1)]
    return out


def spreadsheet_json(file_id: str, title: str, sp: Spreadsheet,
                     grids: dict[int, list[tuple[int, int, int, int]]] | None = None,
                     only: set[int] | None = None) -> dict[str, Any]:
    """A Spreadsheet resource; `grids` maps a sheetId to the ranges whose grid data to include and
    `only` limits the sheets listed (when `ranges` were asked for)."""
    sheets: list[dict[str, Any]] = []
    for sh in sorted(sp.sheets, key=lambda s: s.index):
        if only is not None and sh.sheetId not in only:
            continue
        entry: dict[str, Any] = {"properties": sheet_properties(sh)}
        if sh.merges:
            entry["merges"] = [dict(m, sheetId=sh.sheetId) for m in sh.merges]
        on_sheet = [m for m in sp.developerMetadata if m["location"].get("sheetId") == sh.sheetId]
        if on_sheet:
            entry["developerMetadata"] = [_md_copy(m) for m in on_sheet]
        if grids is not None and sh.sheetId in grids:
            entry["data"] = [grid_data(sp, sh, *box) for box in grids[sh.sheetId]]
        sheets.append(entry)
    out: dict[str, Any] = {
        "spreadsheetId": file_id,
        "properties": {"title": title, "locale": sp.locale, "autoRecalc": sp.autoRecalc, "timeZone": sp.timeZone,
                       "defaultFormat": {"backgroundColor": {"red": 1, "green": 1, "blue": 1},
                                         "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
                                         "verticalAlignment": "BOTTOM", "wrapStrategy": "OVERFLOW_CELL",
                                         "textFormat": {"foregroundColor": {}, "fontFamily": "arial",
                                                        "fontSize": 10, "bold": False, "italic": False,
                                                        "strikethrough": False, "underline": False}}},
        "sheets": sheets,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{file_id}/edit",
    }
    top = [m for m in sp.developerMetadata if m["location"]["locationType"] == "SPREADSHEET"]
    if top:
        out["developerMetadata"] = [_md_copy(m) for m in top]
    return out


def _md_copy(m: dict[str, Any]) -> dict[str, Any]:
    return {**m, "location": dict(m["location"])}


__all__ = ["DATETIME_RENDER", "RENDER", "cell_data", "cell_value", "formatted_cell", "grid_data", "number_format",
           "read", "sheet_properties", "spreadsheet_json"]
