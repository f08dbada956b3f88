"""Sheets v4 values: get, update, append, clear and their batch forms.

`values:batchGet` and friends, and `values/{range}:append` / `:clear`, are registered before the
plain `values/{range}` route: routes match in registration order."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from ..core.memo import Bounded
from .a1 import col_letters, format_range
from .registry import Body, G, ops
from .sheets_access import (
    Target,
    a1_of,
    as_list,
    changed,
    check_cells,
    enum,
    input_option,
    invalid,
    open_book,
    resolve,
)
from .sheets_model import UNBOUNDED, Sheet, Spreadsheet, clear, extent, grow, insert, recalc, trim, write
from .sheets_recalc import Changes, recalc_after
from .sheets_share import Kept, encoded, own
from .sheets_view import DATETIME_RENDER, RENDER, read
from .state import DriveFile

BASE = "/v4/spreadsheets"
DIMENSIONS = ("ROWS", "COLUMNS")


# -- values: batch forms (before values/{range}) --------------------------------------------------

class BatchGet(msgspec.Struct):
    spreadsheetId: str
    ranges: str | list[str] | None = None
    majorDimension: str | None = None  # "ROWS"
    valueRenderOption: str | None = None  # "FORMATTED_VALUE"
    dateTimeRenderOption: str | None = None  # "SERIAL_NUMBER"


@ops.op("sheets.spreadsheets.values.batchGet", "GET", BASE + "/{spreadsheetId}/values:batchGet")
def values_batch_get(ctx: G, p: BatchGet) -> Body:
    """Read several ranges at once (`ranges` in A1 notation); one ValueRange per range, in order."""
    _, sp = open_book(ctx, p.spreadsheetId)
    opts = _render(p.majorDimension, p.valueRenderOption, p.dateTimeRenderOption)
    ranges = [_value_range(sp, resolve(sp, r), *opts) for r in as_list(p.ranges)]
    return {"spreadsheetId": p.spreadsheetId, "valueRanges": ranges}


class ValueRange(msgspec.Struct):
    range: str
    values: list[list[Any]] | None = None
    majorDimension: str | None = None  # "ROWS"


class BatchUpdateValues(msgspec.Struct):
    spreadsheetId: str
    valueInputOption: str | None = None
    data: list[ValueRange] | None = None
    includeValuesInResponse: bool | None = False
    responseValueRenderOption: str | None = None  # "FORMATTED_VALUE"
    responseDateTimeRenderOption: str | None = None  # "SERIAL_NUMBER"


@ops.op("sheets.spreadsheets.values.batchUpdate", "POST", BASE + "/{spreadsheetId}/values:batchUpdate")
def values_batch_update(ctx: G, p: BatchUpdateValues) -> Body:
    """Write several ranges at once: `data` is a list of {range, values, majorDimension}; all or nothing."""
    return _remembered(ctx, p, "batchUpdate", _batch_update)


def _batch_update(ctx: G, f: DriveFile, sp: Spreadsheet, p: BatchUpdateValues) -> Body:
    user = input_option(p.valueInputOption)
    plans = [(resolve(sp, vr.range, write=True), _rows(vr.values, vr.majorDimension)) for vr in p.data or []]
    changes = Changes(sp)
    for t, rows in plans:
        _check_fit(t, rows)
        _note(changes, t, rows)
    responses = [_write(sp, t, rows, user) for t, rows in plans]
    recalc_after(sp, changes)
    changed(ctx, f)
    if p.includeValuesInResponse:
        for resp, (t, rows) in zip(responses, plans, strict=True):
            resp["updatedData"] = _echo(sp, t, rows, p.responseValueRenderOption, p.responseDateTimeRenderOption)
    for resp in responses:
        resp["spreadsheetId"] = f.id
    out: Body = {"spreadsheetId": f.id}
    if responses:
        out.update(totalUpdatedRows=sum(r.get("updatedRows", 0) for r in responses),
                   totalUpdatedColumns=sum(r.get("updatedColumns", 0) for r in responses),
                   totalUpdatedCells=sum(r.get("updatedCells", 0) for r in responses),
                   totalUpdatedSheets=len({t.sheet.sheetId for t, rows in plans if rows}))
        out["responses"] = responses
    return out


class BatchClear(msgspec.Struct):
    spreadsheetId: str
    ranges: list[str] | None = None


@ops.op("sheets.spreadsheets.values.batchClear", "POST", BASE + "/{spreadsheetId}/values:batchClear")
def values_batch_clear(ctx: G, p: BatchClear) -> Body:
    """Clear the values (not the formatting) of several ranges."""
    return _remembered(ctx, p, "batchClear", _batch_clear)


def _batch_clear(ctx: G, f: DriveFile, sp: Spreadsheet, p: BatchClear) -> Body:
    targets = [resolve(sp, r, write=True) for r in p.ranges or []]
    changes = Changes(sp)
    for t in targets:
        changes.note(t.sheet, t.r0, t.r1, t.c0, t.c1)
        clear(t.sheet, t.r0, t.r1, t.c0, t.c1)
    recalc_after(sp, changes)
    changed(ctx, f)
    return {"spreadsheetId": f.id, "clearedRanges": [a1_of(_bounded(t)) for t in targets]}


# -- values/{range} ---------------------------------------------------------------------------------

class AppendValues(msgspec.Struct):
    spreadsheetId: str
    range: str
    values: list[list[Any]] | None = None
    majorDimension: str | None = None  # "ROWS"
    valueInputOption: str | None = None
    insertDataOption: str | None = None  # "OVERWRITE"
    includeValuesInResponse: bool | None = False
    responseValueRenderOption: str | None = None  # "FORMATTED_VALUE"
    responseDateTimeRenderOption: str | None = None  # "SERIAL_NUMBER"


@ops.op("sheets.spreadsheets.values.append", "POST", BASE + "/{spreadsheetId}/values/{range}:append")
def values_append(ctx: G, p: AppendValues) -> Body:
    """Append rows after the table found in `range` (e.g. `Sheet1` or `Sheet1!A1:D1`), starting at the
    table's first column. insertDataOption OVERWRITE (default) writes below the table; INSERT_ROWS
    inserts new rows for the data first."""
    return _remembered(ctx, p, "append", _append)


def _append(ctx: G, f: DriveFile, sp: Spreadsheet, p: AppendValues) -> Body:
    user = input_option(p.valueInputOption)
    how = enum(p.insertDataOption or "OVERWRITE", ("OVERWRITE", "INSERT_ROWS"), "insert_data_option",
               "InsertDataOption")
    t = resolve(sp, p.range, write=True)
    rows = _rows(p.values, p.majorDimension)
    sh = t.sheet
    table = _find_table(sh, t)
    out: Body = {"spreadsheetId": f.id}
    if table is not None:
        out["tableRange"] = format_range(sh.title, *table)
        at_r, at_c = table[1], table[2]
    else:
        at_r, at_c = t.r0, t.c0
    check_cells(sp, sh, sh.rowCount + len(rows), at_c + max((len(r) for r in rows), default=0))
    if rows and how == "INSERT_ROWS" and at_r < sh.rowCount:
        insert(sp, sh, True, at_r, len(rows))
    dest = Target(sh, at_r, at_r + max(len(rows), 1), at_c, at_c + max((len(r) for r in rows), default=1),
                  True, False, False)
    if how == "INSERT_ROWS":  # rows moved: every reference may have
        updates = _write(sp, dest, rows, user)
        recalc(sp)
    else:
        changes = Changes(sp)
        _note(changes, dest, rows)
        updates = _write(sp, dest, rows, user)
        recalc_after(sp, changes)
    changed(ctx, f)
    updates["spreadsheetId"] = f.id
    if p.includeValuesInResponse:
        updates["updatedData"] = _echo(sp, dest, rows, p.responseValueRenderOption, p.responseDateTimeRenderOption)
    out["updates"] = updates
    return out


class ClearValues(msgspec.Struct):
    spreadsheetId: str
    range: str


@ops.op("sheets.spreadsheets.values.clear", "POST", BASE + "/{spreadsheetId}/values/{range}:clear")
def values_clear(ctx: G, p: ClearValues) -> Body:
    """Clear the values (and formulas, not the formatting) in a range."""
    return _remembered(ctx, p, "clear", _clear)


def _clear(ctx: G, f: DriveFile, sp: Spreadsheet, p: ClearValues) -> Body:
    t = resolve(sp, p.range, write=True)
    changes = Changes(sp)
    changes.note(t.sheet, t.r0, t.r1, t.c0, t.c1)
    clear(t.sheet, t.r0, t.r1, t.c0, t.c1)
    recalc_after(sp, changes)
    changed(ctx, f)
    return {"spreadsheetId": f.id, "clearedRange": a1_of(_bounded(t))}


class GetValues(msgspec.Struct):
    spreadsheetId: str
    range: str
    majorDimension: str | None = None  # "ROWS"
    valueRenderOption: str | None = None  # "FORMATTED_VALUE"
    dateTimeRenderOption: str | None = None  # "SERIAL_NUMBER"


@ops.op("sheets.spreadsheets.values.get", "GET", BASE + "/{spreadsheetId}/values/{range}")
def values_get(ctx: G, p: GetValues) -> Body:
    """Read a range in A1 notation (`Sheet1!A1:C10`, `'My Sheet'!A:A`, `Sheet1`). valueRenderOption
    FORMATTED_VALUE (default, strings as shown), UNFORMATTED_VALUE or FORMULA; trailing empty rows and
    cells are left out."""
    _, sp = open_book(ctx, p.spreadsheetId)
    opts = _render(p.majorDimension, p.valueRenderOption, p.dateTimeRenderOption)
    return _value_range(sp, resolve(sp, p.range), *opts)


class UpdateValues(msgspec.Struct):
    spreadsheetId: str
    range: str
    values: list[list[Any]] | None = None
    majorDimension: str | None = None  # "ROWS"
    valueInputOption: str | None = None
    includeValuesInResponse: bool | None = False
    responseValueRenderOption: str | None = None  # "FORMATTED_VALUE"
    responseDateTimeRenderOption: str | None = None  # "SERIAL_NUMBER"


@ops.op("sheets.spreadsheets.values.update", "PUT", BASE + "/{spreadsheetId}/values/{range}")
def values_update(ctx: G, p: UpdateValues) -> Body:
    """Write values to a range starting at its top-left cell. valueInputOption RAW stores strings as
    typed; USER_ENTERED parses numbers, dates, percentages and `=` formulas like the Sheets UI. A null
    cell is left unchanged, "" clears it."""
    return _remembered(ctx, p, "update", _update)


def _update(ctx: G, f: DriveFile, sp: Spreadsheet, p: UpdateValues) -> Body:
    user = input_option(p.valueInputOption)
    t = resolve(sp, p.range, write=True)
    rows = _rows(p.values, p.majorDimension)
    _check_fit(t, rows)
    changes = Changes(sp)
    _note(changes, t, rows)
    out = _write(sp, t, rows, user)
    recalc_after(sp, changes)
    changed(ctx, f)
    out["spreadsheetId"] = f.id
    if p.includeValuesInResponse:
        out["updatedData"] = _echo(sp, t, rows, p.responseValueRenderOption, p.responseDateTimeRenderOption)
    return out


# -- remembering writes -----------------------------------------------------------------------------

P = TypeVar("P", bound=msgspec.Struct)
_ENC = msgspec.msgpack.Encoder()
_DEC = msgspec.msgpack.Decoder()
_WRITES: Bounded[tuple[str, bytes, bytes], tuple[Kept, bytes]] = Bounded(512)
"""Successful values writes whose recalculations stayed within sheets_model's limits, by the call
and the encodings of the spreadsheet and the parameters but the file's id: the spreadsheet after
the write (shared, copied on write: sheets_share.py) and the answer's encoding. A write is a
function of these alone (the caller's access is checked first), the answer names the file where
`_with_id` puts it; worlds at the same point of a scenario send the same write, to a seeded file or
to one each made with its own id. Keyed on the content itself, so no world sees another's state;
each caller decodes a fresh answer."""
_LONGEST = 1 << 16  # bytes of spreadsheet and parameters; a longer write is made, not kept


@functools.cache
def _decoder(kind: type[P]) -> msgspec.msgpack.Decoder[P]:
    return msgspec.msgpack.Decoder(kind)


def _remembered(ctx: G, p: P, call: str, write: Callable[[G, DriveFile, Spreadsheet, P], Body]) -> Body:
    """`write(ctx, f, sp, p)` on the spreadsheet `p.spreadsheetId` names (the caller must be able to
    edit it), or what it did to the same content before."""
    f, sp = open_book(ctx, p.spreadsheetId, write=True)  # type: ignore[attr-defined]
    key = _key(call, sp, p)
    got = _WRITES.get(key) if key is not None else None
    if got is not None:
        f.sheet = got[0].take()
        changed(ctx, f)
        return _with_id(_DEC.decode(got[1]), f.id)
    unbounded = UNBOUNDED[0]
    out = write(ctx, f, own(f), p)
    if key is not None and UNBOUNDED[0] == unbounded:
        _WRITES.keep(key, (Kept(_ENC.encode(f.sheet)), _ENC.encode(out)))
    return out


def _key(call: str, sp: Spreadsheet, p: msgspec.Struct) -> tuple[str, bytes, bytes] | None:
    anonymous = msgspec.structs.replace(p, spreadsheetId="")
    try:
        key = (call, encoded(sp), _ENC.encode(anonymous))
    except (OverflowError, TypeError):  # an integer past 64 bits, a value JSON cannot hold
        return None
    if len(key[1]) + len(key[2]) > _LONGEST or _decoder(type(p)).decode(key[2]) != anonymous:
        return None  # too long; or a tuple where a list decodes (two calls, one encoding)
    return key


def _with_id(body: Body, fid: str) -> Body:
    """A remembered answer naming this file: every answer names it at the top, an append's under
    `updates` too, a batchUpdate's in each of its `responses`."""
    body["spreadsheetId"] = fid
    if "updates" in body:
        body["updates"]["spreadsheetId"] = fid
    for resp in body.get("responses", ()):
        resp["spreadsheetId"] = fid
    return body


# -- helpers ----------------------------------------------------------------------------------------

def _render(major: str | None, option: str | None, dt: str | None) -> tuple[str, str, str]:
    major = "ROWS" if not major or major == "DIMENSION_UNSPECIFIED" else major
    option = option or "FORMATTED_VALUE"
    dt = dt or "SERIAL_NUMBER"
    return (enum(major, DIMENSIONS, "major_dimension", "Dimension"),
            enum(option, RENDER, "value_render_option", "ValueRenderOption"),
            enum(dt, DATETIME_RENDER, "date_time_render_option", "DateTimeRenderOption"))


def _bounded(t: Target) -> Target:
    sh = t.sheet
    return t._replace(r1=min(t.r1, max(sh.rowCount, t.r0 + 1)), c1=min(t.c1, max(sh.columnCount, t.c0 + 1)))


def _value_range(sp: Spreadsheet, t: Target, major: str, option: str, dt: str) -> Body:
    out: Body = {"range": a1_of(t), "majorDimension": major}
    vals = read(sp, t.sheet, t.r0, t.r1, t.c0, t.c1, option, dt, major)
    if vals:
        out["values"] = vals
    return out


def _rows(values: list[list[Any]] | None, major: str | None) -> list[list[Any]]:
    """The data as rows (a COLUMNS body transposed)."""
    values = values or []
    major = "ROWS" if not major or major == "DIMENSION_UNSPECIFIED" else major
    enum(major, DIMENSIONS, "data.major_dimension", "Dimension")
    for row in values:
        if not isinstance(row, list):
            raise invalid("Invalid values[0]: list_value expected")
        for v in row:
            if isinstance(v, dict | list):
                raise invalid(f"Invalid values[0][0]: {'struct_value' if isinstance(v, dict) else 'list_value'}")
    if major == "ROWS":
        return values
    width = max((len(c) for c in values), default=0)
    return [[col[r] if r < len(col) else None for col in values] for r in range(width)]


def _check_fit(t: Target, rows: list[list[Any]]) -> None:
    if t.single or not rows:  # one cell anchors a write of any size
        return
    where = a1_of(t)
    if not t.open_r and t.r0 + len(rows) > t.r1:
        raise invalid(f"Requested writing within range [{where}], but tried writing to row [{t.r0 + len(rows)}]")
    width = max(len(r) for r in rows)
    if not t.open_c and t.c0 + width > t.c1:
        raise invalid(f"Requested writing within range [{where}], but tried writing to column "
                      f"[{col_letters(t.c0 + width - 1)}]")


def _note(changes: Changes, t: Target, rows: list[list[Any]]) -> None:
    """Note the box `_write` writes `rows` into (before writing them)."""
    if changes.formulas:
        changes.note(t.sheet, t.r0, t.r0 + len(rows), t.c0, t.c0 + max(map(len, rows), default=0))


def _write(sp: Spreadsheet, t: Target, rows: list[list[Any]], user: bool) -> Body:
    """Write rows at the target's top-left; the grid grows to fit. The UpdateValuesResponse."""
    sh = t.sheet
    width = max((len(r) for r in rows), default=0)
    if not rows or not width:
        return {"updatedRange": a1_of(_bounded(t))}
    check_cells(sp, sh, t.r0 + len(rows), t.c0 + width)
    grow(sh, t.r0 + len(rows), t.c0 + width)
    cells = 0
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is None:
                continue
            write(sh, t.r0 + i, t.c0 + j, v, user)
            cells += 1
    trim(sh)
    return {"updatedRange": format_range(sh.title, t.r0, t.r0 + len(rows), t.c0, t.c0 + width),
            "updatedRows": sum(1 for r in rows if any(v is not None for v in r)),
            "updatedColumns": sum(1 for j in range(width) if any(j < len(r) and r[j] is not None for r in rows)),
            "updatedCells": cells}


def _echo(sp: Spreadsheet, t: Target, rows: list[list[Any]], option: str | None, dt: str | None) -> Body:
    option, dt = _render("ROWS", option, dt)[1:]
    width = max((len(r) for r in rows), default=1)
    box = Target(t.sheet, t.r0, t.r0 + max(len(rows), 1), t.c0, t.c0 + width, False, False, False)
    out: Body = {"range": a1_of(box), "majorDimension": "ROWS"}
    vals = read(sp, t.sheet, box.r0, box.r1, box.c0, box.c1, option, dt, "ROWS")
    if vals:
        out["values"] = vals
    return out


def _find_table(sh: Sheet, t: Target) -> tuple[int, int, int, int] | None:
    """The table values.append extends: the first non-empty row inside the range, and the rows
    below it while they hold data (a one-cell range: the table that cell starts, if it is not
    empty). (r0, r1, c0, c1) or None."""
    rows, cols = extent(sh)
    c_hi = cols if t.single else min(t.c1, cols)
    c_search = t.c0 + 1 if t.single else c_hi
    start = next((r for r in range(t.r0, min(t.r1, rows)) if _row_has(sh, r, t.c0, c_search)), None)
    if start is None:
        return None
    end = start
    while end < rows and _row_has(sh, end, t.c0, c_hi):
        end += 1
    used = [c for r in range(start, end) for c in range(t.c0, min(c_hi, len(sh.values[r])))
            if sh.values[r][c] is not None and sh.values[r][c] != ""]
    return start, end, min(used), max(used) + 1


def _row_has(sh: Sheet, r: int, c0: int, c1: int) -> bool:
    row = sh.values[r] if r < len(sh.values) else []
    return any(v is not None and v != "" for v in row[c0:c1])


__all__ = ["ops"]
