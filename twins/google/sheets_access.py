"""What every Sheets operation needs: the spreadsheet a caller may see, ranges resolved on it, and
Sheets' own errors."""

from __future__ import annotations

from typing import Any, NamedTuple

from .a1 import A1Error, format_range, parse
from .errors import GoogleError
from .registry import G
from .sheets_model import Sheet, Spreadsheet, first_sheet, sheet_by_title
from .state import SHEET, DriveFile, can_write, lookup, touch

INPUT_OPTIONS = ("RAW", "USER_ENTERED")
MAX_CELLS = 10_000_000  # Sheets' limit per spreadsheet


class Target(NamedTuple):
    """A range resolved on a sheet: rows [r0, r1) x columns [c0, c1); an open end is the grid's edge."""

    sheet: Sheet
    r0: int
    r1: int
    c0: int
    c1: int
    single: bool  # the range named one cell (a write may run past it)
    open_r: bool  # the range had no row end (A:A, Sheet1)
    open_c: bool  # the range had no column end (1:2, Sheet1)


def bad_range(text: str) -> GoogleError:
    return GoogleError("INVALID_ARGUMENT", f"Unable to parse range: {text}")


def invalid(message: str) -> GoogleError:
    return GoogleError("INVALID_ARGUMENT", message)


def not_found() -> GoogleError:
    return GoogleError("NOT_FOUND", "Requested entity was not found.")


def open_book(ctx: G, spreadsheet_id: str, write: bool = False) -> tuple[DriveFile, Spreadsheet]:
    """The spreadsheet with this id as the caller may see it (404 otherwise; 403 to write without
    edit access)."""
    got = lookup(ctx.state, spreadsheet_id, ctx.actor)
    if got is None:
        raise not_found()
    f, role = got
    if f.mimeType != SHEET or f.sheet is None:
        raise GoogleError("FAILED_PRECONDITION", "This operation is not supported for this document")
    if write and not can_write(role):
        raise GoogleError("PERMISSION_DENIED", "The caller does not have permission")
    return f, f.sheet


def changed(ctx: G, f: DriveFile) -> None:
    touch(f, ctx.env, ctx.actor, ctx.state)


def resolve(sp: Spreadsheet, text: str, *, write: bool = False) -> Target:
    """A range resolved on its sheet; 400 "Unable to parse range" for a bad range or unknown sheet,
    400 "exceeds grid limits" for a read past the grid."""
    if not isinstance(text, str) or not text.strip():
        raise bad_range(str(text))
    exact = sheet_by_title(sp, text)
    if exact is not None and exact.title == text:
        sh = exact
        return Target(sh, 0, sh.rowCount, 0, sh.columnCount, False, True, True)
    try:
        a = parse(text)
    except A1Error:
        raise bad_range(text) from None
    if a.sheet is None:
        sh = first_sheet(sp)
    else:
        found = sheet_by_title(sp, a.sheet)
        if found is None:
            raise bad_range(text)
        sh = found
    single = a.r1 is not None and a.c1 is not None and a.r1 - a.r0 == 1 and a.c1 - a.c0 == 1
    r1 = a.r1 if a.r1 is not None else max(sh.rowCount, a.r0 + 1)
    c1 = a.c1 if a.c1 is not None else max(sh.columnCount, a.c0 + 1)
    if not write and (r1 > sh.rowCount or c1 > sh.columnCount):
        raise invalid(f"Range ({format_range(sh.title, a.r0, r1, a.c0, c1)}) exceeds grid limits. "
                      f"Max rows: {sh.rowCount}, max columns: {sh.columnCount}")
    return Target(sh, a.r0, r1, a.c0, c1, single, a.r1 is None, a.c1 is None)


def check_cells(sp: Spreadsheet, sheet: Sheet | None = None, rows: int = 0, cols: int = 0) -> None:
    """400 when the spreadsheet (with `sheet` grown to rows x cols) would pass Sheets' cell limit."""
    total = 0
    for sh in sp.sheets:
        r, c = (max(sh.rowCount, rows), max(sh.columnCount, cols)) if sh is sheet else (sh.rowCount, sh.columnCount)
        total += r * c
    if total > MAX_CELLS:
        raise invalid(f"This action would increase the number of cells in the workbook above the limit of "
                      f"{MAX_CELLS} cells.")


def a1_of(t: Target) -> str:
    return format_range(t.sheet.title, t.r0, t.r1, t.c0, t.c1)


def input_option(value: str | None) -> bool:
    """Whether a valueInputOption is USER_ENTERED (400 when missing or unknown)."""
    if value is None or value == "":
        raise invalid("'valueInputOption' is required but not specified")
    if value not in INPUT_OPTIONS:
        raise invalid(f"Invalid value at 'value_input_option' (type.googleapis.com/google.apps.sheets.v4."
                      f"ValueInputOption), \"{value}\"")
    return value == "USER_ENTERED"


def enum(value: str, allowed: tuple[str, ...], field: str, type_name: str) -> str:
    if value not in allowed:
        raise invalid(f"Invalid value at '{field}' (type.googleapis.com/google.apps.sheets.v4.{type_name}), "
                      f"\"{value}\"")
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


__all__ = ["Target", "a1_of", "as_list", "bad_range", "changed", "check_cells", "enum", "input_option", "invalid", "not_found",
           "open_book", "resolve"]
