"""Cell-level pieces of batchUpdate: GridRanges, field masks, CellData in and out, find/replace
and sorting."""

from __future__ import annotations

import re
from typing import Any

from .a1 import cell_key
from .formulas import normalize
from .sheets_format import general, num
from .sheets_model import Sheet, Spreadsheet, clear, extent, get, put, sheet_by_id, trim, write
from .sheets_refs import offset_refs

CELL_FIELDS = ("userEnteredValue", "userEnteredFormat", "note", "dataValidation")


class CellError(ValueError):
    pass


def grid_box(sp: Spreadsheet, rng: dict[str, Any]) -> tuple[Sheet, int, int, int, int]:
    """(sheet, r0, r1, c0, c1) of a GridRange; missing bounds are the grid's edges."""
    sid = int(rng.get("sheetId", 0) or 0)
    sh = sheet_by_id(sp, sid)
    if sh is None:
        raise CellError(f"No grid with id: {sid}")
    r0 = int(rng.get("startRowIndex", 0) or 0)
    r1 = int(rng.get("endRowIndex", sh.rowCount))
    c0 = int(rng.get("startColumnIndex", 0) or 0)
    c1 = int(rng.get("endColumnIndex", sh.columnCount))
    if r0 < 0 or c0 < 0 or r1 < r0 or c1 < c0:
        raise CellError("the range's start must not be after its end")
    if r1 > sh.rowCount or c1 > sh.columnCount:
        raise CellError(f"Range exceeds grid limits. Max rows: {sh.rowCount}, max columns: {sh.columnCount}")
    return sh, r0, r1, c0, c1


def _walk_mask(text: str, prefix: list[str], out: list[list[str]]) -> None:
    """One level of a FieldMask (a plain function: a recursive closure would be a reference cycle)."""
    depth, start = 0, 0
    parts: list[str] = []
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if "(" in part and part.endswith(")"):
            head = part[:part.index("(")]
            _walk_mask(part[part.index("(") + 1:-1], prefix + [k for k in re.split(r"[./]", head) if k], out)
        else:
            out.append(prefix + [k for k in re.split(r"[./]", part) if k])


def mask_paths(fields: str) -> list[list[str]]:
    """A FieldMask (`userEnteredFormat.textFormat.bold,note`, `userEnteredFormat(backgroundColor,textFormat)`,
    `*`) as key paths."""
    out: list[list[str]] = []
    _walk_mask(fields, [], out)
    return out


def _copy(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


def apply_mask(current: dict[str, Any], new: dict[str, Any], paths: list[list[str]]) -> dict[str, Any]:
    """`current` with the masked fields taken from `new` (a field the mask names but `new` lacks is cleared)."""
    out = _copy(current)
    for path in paths:
        if path == ["*"]:
            keep = {k: v for k, v in out.items() if k not in CELL_FIELDS and k not in new}
            return {**keep, **_copy(new)}
        src: Any = new
        for k in path:
            src = src.get(k) if isinstance(src, dict) else None
        dst = out
        for k in path[:-1]:
            nxt = dst.get(k)
            if not isinstance(nxt, dict):
                nxt = dst[k] = {}
            dst = nxt
        if src is None:
            dst.pop(path[-1], None)
        else:
            dst[path[-1]] = _copy(src)
    return out


def cell_state(sh: Sheet, r: int, c: int) -> dict[str, Any]:
    """A cell as CellData fields a mask can touch."""
    key = cell_key(r, c)
    out: dict[str, Any] = {}
    formula = sh.formulas.get(key)
    v = get(sh, r, c)
    if formula is not None:
        out["userEnteredValue"] = {"formulaValue": formula}
    elif v is not None:
        out["userEnteredValue"] = ({"boolValue": v} if isinstance(v, bool) else
                                   {"numberValue": v} if isinstance(v, int | float) else {"stringValue": v})
    for name, d in (("userEnteredFormat", sh.formats), ("note", sh.notes), ("dataValidation", sh.validations)):
        got = d.get(key)
        if got:
            out[name] = _copy(got)
    return out


def set_cell_state(sh: Sheet, r: int, c: int, state: dict[str, Any]) -> None:
    """Store CellData fields into a cell (the caller trims the grid once it is done)."""
    key = cell_key(r, c)
    uev = state.get("userEnteredValue")
    sh.formulas.pop(key, None)
    if not uev:
        put(sh, r, c, None)
    elif "formulaValue" in uev:
        sh.formulas[key] = normalize(str(uev["formulaValue"]))
        put(sh, r, c, "")
    elif "stringValue" in uev:
        put(sh, r, c, str(uev["stringValue"]) or None)
    elif "numberValue" in uev:
        put(sh, r, c, num(float(uev["numberValue"])))
    elif "boolValue" in uev:
        put(sh, r, c, bool(uev["boolValue"]))
    else:
        raise CellError(f"Unsupported userEnteredValue {sorted(uev)}")
    for name, d in (("userEnteredFormat", sh.formats), ("note", sh.notes), ("dataValidation", sh.validations)):
        val = state.get(name)
        if val:
            d[key] = _copy(val)
        else:
            d.pop(key, None)


# -- merges ------------------------------------------------------------------------------------------

def merge(sp: Spreadsheet, body: dict[str, Any]) -> None:
    """mergeCells: MERGE_ALL, MERGE_COLUMNS or MERGE_ROWS; merged cells keep the top-left value."""
    sh, r0, r1, c0, c1 = grid_box(sp, body.get("range") or {})
    kind = body.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ALL":
        boxes = [(r0, r1, c0, c1)]
    elif kind == "MERGE_COLUMNS":
        boxes = [(r0, r1, c, c + 1) for c in range(c0, c1)]
    elif kind == "MERGE_ROWS":
        boxes = [(r, r + 1, c0, c1) for r in range(r0, r1)]
    else:
        raise CellError(f"Unknown mergeType {kind}")
    for m in sh.merges:
        if m["startRowIndex"] < r1 and r0 < m["endRowIndex"] and m["startColumnIndex"] < c1 and c0 < m["endColumnIndex"]:
            raise CellError("You can't merge cells that are already part of another merge.")
    for a, b, c, d in boxes:
        if (b - a) * (d - c) < 2:
            continue
        sh.merges.append({"startRowIndex": a, "endRowIndex": b, "startColumnIndex": c, "endColumnIndex": d})
        keep = get(sh, a, c)
        formula = sh.formulas.get(cell_key(a, c))
        clear(sh, a, b, c, d)
        if formula is not None:
            sh.formulas[cell_key(a, c)] = formula
        put(sh, a, c, keep)


def unmerge(sp: Spreadsheet, body: dict[str, Any]) -> None:
    """unmergeCells: drop every merge that meets the range."""
    sh, r0, r1, c0, c1 = grid_box(sp, body.get("range") or {})
    sh.merges = [m for m in sh.merges if not (m["startRowIndex"] < r1 and r0 < m["endRowIndex"]
                                              and m["startColumnIndex"] < c1 and c0 < m["endColumnIndex"])]


# -- findReplace ------------------------------------------------------------------------------------

def find_replace(sp: Spreadsheet, body: dict[str, Any]) -> dict[str, int]:
    """Replace text in cells (and formulas when includeFormulas); the FindReplaceResponse counts."""
    find = body.get("find")
    if not find:
        raise CellError("find must not be empty")
    repl = str(body.get("replacement") or "")
    flags = 0 if body.get("matchCase") else re.IGNORECASE
    pat = str(find) if body.get("searchByRegex") else re.escape(str(find))
    if body.get("matchEntireCell"):
        pat = f"^(?:{pat})$"
    try:
        rx = re.compile(pat, flags)
    except re.error as e:
        raise CellError(f"Invalid regular expression: {e}") from None
    if body.get("range"):
        boxes = [grid_box(sp, body["range"])]
    elif body.get("sheetId") is not None:
        boxes = [grid_box(sp, {"sheetId": body["sheetId"]})]
    elif body.get("allSheets"):
        boxes = [grid_box(sp, {"sheetId": sh.sheetId}) for sh in sp.sheets]
    else:
        raise CellError("one of range, sheetId or allSheets must be set")
    counts = {"valuesChanged": 0, "formulasChanged": 0, "rowsChanged": 0, "sheetsChanged": 0,
              "occurrencesChanged": 0}
    template = repl if body.get("searchByRegex") else repl.replace("\\", "\\\\")
    for sh, r0, r1, c0, c1 in boxes:
        rows_hit: set[int] = set()
        rows_n, _ = extent(sh)
        for r in range(r0, min(r1, rows_n)):
            for c in range(c0, min(c1, len(sh.values[r]))):
                key = cell_key(r, c)
                formula = sh.formulas.get(key)
                if formula is not None:
                    if not body.get("includeFormulas"):
                        continue
                    new, n = rx.subn(template, formula)
                    if n:
                        sh.formulas[key] = new
                        counts["formulasChanged"] += 1
                else:
                    v = sh.values[r][c]
                    if v is None or isinstance(v, bool):
                        continue
                    text = general(v)
                    new, n = rx.subn(template, text)
                    if n:
                        write(sh, r, c, new, isinstance(v, int | float))
                        counts["valuesChanged"] += 1
                if n:
                    counts["occurrencesChanged"] += n
                    rows_hit.add(r)
        counts["rowsChanged"] += len(rows_hit)
        counts["sheetsChanged"] += 1 if rows_hit else 0
        trim(sh)
    return {k: v for k, v in counts.items() if v}


# -- sortRange ----------------------------------------------------------------------------------------

def _sort_key(v: Any) -> tuple[int, Any]:
    if v is None or v == "":
        return (3, 0)
    if isinstance(v, bool):
        return (2, v)
    if isinstance(v, int | float):
        return (0, v)
    return (1, str(v).lower())


def sort_range(sp: Spreadsheet, body: dict[str, Any]) -> None:
    """Sort the rows of a range by sortSpecs (dimensionIndex, sortOrder); blanks stay last."""
    sh, r0, r1, c0, c1 = grid_box(sp, body.get("range") or {})
    r1 = min(r1, extent(sh)[0])
    if r1 - r0 < 2:
        return
    specs = body.get("sortSpecs") or [{"dimensionIndex": c0, "sortOrder": "ASCENDING"}]
    keyed_dicts: tuple[dict[str, Any], ...] = (sh.formulas, sh.formats, sh.notes, sh.validations)
    rows: list[tuple[list[Any], list[dict[int, Any]], int]] = []
    for r in range(r0, r1):
        vals = [get(sh, r, c) for c in range(c0, c1)]
        extras = [{c: d.pop(cell_key(r, c)) for c in range(c0, c1) if cell_key(r, c) in d} for d in keyed_dicts]
        rows.append((vals, extras, r))
    for spec in reversed(specs):
        col = int(spec.get("dimensionIndex", c0)) - c0
        if not 0 <= col < c1 - c0:
            raise CellError(f"sortSpecs dimensionIndex {spec.get('dimensionIndex')} is outside the range")
        desc = spec.get("sortOrder", "ASCENDING") == "DESCENDING"
        filled = [row for row in rows if _sort_key(row[0][col])[0] != 3]
        blank = [row for row in rows if _sort_key(row[0][col])[0] == 3]
        filled.sort(key=lambda row: _sort_key(row[0][col]), reverse=desc)
        rows = filled + blank
    for i, (vals, extras, old) in enumerate(rows):
        r = r0 + i
        for j, v in enumerate(vals):
            put(sh, r, c0 + j, v)
        for d, moved in zip(keyed_dicts, extras, strict=True):
            for c, item in moved.items():
                d[cell_key(r, c)] = offset_refs(item, r - old) if isinstance(item, str) and d is sh.formulas else item
    trim(sh)


__all__ = ["CellError", "apply_mask", "cell_state", "find_replace", "grid_box", "mask_paths", "merge",
           "set_cell_state", "sort_range", "unmerge"]
