"""A Google Sheets spreadsheet: its sheets and their cells. Synchronous, no I/O.

Kept readable for scenario checks: `sheets[?title=='Budget'] | [0].values` is the grid of
effective values (rows of cells, `null` for blank, formulas evaluated, dates as serial numbers);
`formulas`, `formats`, `notes` and `validations` are keyed by A1 cell name (`"C7"`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import msgspec

from ..core.env import derive
from ..core.memo import Bounded
from .a1 import cell_key, parse_key
from .formulas import FErr, evaluate, parse_input
from .sheets_refs import rewrite_refs


class Sheet(msgspec.Struct):
    """One tab: its properties and its cells."""

    sheetId: int
    title: str
    index: int = 0
    rowCount: int = 1000
    columnCount: int = 26
    frozenRowCount: int = 0
    frozenColumnCount: int = 0
    hidden: bool = False
    tabColor: dict[str, Any] | None = None
    rightToLeft: bool = False
    values: list[list[Any]] = []
    """Effective values, row by row: str, number, bool, or None (blank); errors as `#DIV/0!`."""
    formulas: dict[str, str] = {}
    """A1 cell name -> formula (`"=SUM(B2:B9)"`)."""
    formats: dict[str, dict[str, Any]] = {}
    """A1 cell name -> userEnteredFormat (numberFormat, textFormat, backgroundColor, ...)."""
    notes: dict[str, str] = {}
    validations: dict[str, dict[str, Any]] = {}
    """A1 cell name -> dataValidation rule."""
    merges: list[dict[str, int]] = []
    """GridRanges (startRowIndex, endRowIndex, startColumnIndex, endColumnIndex)."""


def _default_sheets() -> list[Sheet]:
    return [Sheet(sheetId=0, title="Sheet1")]


class Spreadsheet(msgspec.Struct, weakref=True):
    """A spreadsheet's settings and sheets (its title is the Drive file's name)."""

    locale: str = "en_US"
    timeZone: str = "Etc/GMT"
    autoRecalc: str = "ON_CHANGE"
    sheets: list[Sheet] = msgspec.field(default_factory=_default_sheets)
    developerMetadata: list[dict[str, Any]] = msgspec.field(default_factory=list)  # DeveloperMetadata, as sent


# -- lookups --------------------------------------------------------------------------------------

def sheet_by_title(sp: Spreadsheet, title: str) -> Sheet | None:
    for sh in sp.sheets:
        if sh.title == title:
            return sh
    low = title.lower()
    for sh in sp.sheets:
        if sh.title.lower() == low:
            return sh
    return None


def sheet_by_id(sp: Spreadsheet, sheet_id: int) -> Sheet | None:
    for sh in sp.sheets:
        if sh.sheetId == sheet_id:
            return sh
    return None


def first_sheet(sp: Spreadsheet) -> Sheet:
    return min(sp.sheets, key=lambda s: s.index)


def extent(sh: Sheet) -> tuple[int, int]:
    """(rows, columns) that hold data."""
    return len(sh.values), max(map(len, sh.values), default=0)


def get(sh: Sheet, r: int, c: int) -> Any:
    if r < len(sh.values):
        row = sh.values[r]
        if c < len(row):
            return row[c]
    return None


def reindex(sp: Spreadsheet) -> None:
    sp.sheets.sort(key=lambda s: s.index)
    for i, sh in enumerate(sp.sheets):
        sh.index = i


# -- writing --------------------------------------------------------------------------------------

def put(sh: Sheet, r: int, c: int, value: Any) -> None:
    """Set a cell's effective value (None blanks it), growing the value grid as needed."""
    vals = sh.values
    if value is None:
        if r < len(vals) and c < len(vals[r]):
            vals[r][c] = None
        return
    while len(vals) <= r:
        vals.append([])
    row = vals[r]
    if len(row) <= c:
        row.extend([None] * (c + 1 - len(row)))
    row[c] = value


def trim(sh: Sheet) -> None:
    """Drop trailing blanks of every row and trailing empty rows."""
    for row in sh.values:
        while row and row[-1] is None:
            row.pop()
    while sh.values and not sh.values[-1]:
        sh.values.pop()


def grow(sh: Sheet, rows: int, cols: int) -> None:
    """Make the grid at least rows x cols (values written past the edge extend it)."""
    sh.rowCount = max(sh.rowCount, rows)
    sh.columnCount = max(sh.columnCount, cols)


def write(sh: Sheet, r: int, c: int, raw: Any, user_entered: bool) -> None:
    """Enter a value the way values.update does (RAW or USER_ENTERED); "" clears the cell."""
    value, formula, numfmt = parse_input(raw, user_entered)
    key = cell_key(r, c)
    if formula is not None:
        sh.formulas[key] = formula
        put(sh, r, c, "")
    else:
        sh.formulas.pop(key, None)
        put(sh, r, c, value)
    if numfmt is not None:
        fmt = sh.formats.setdefault(key, {})
        fmt["numberFormat"] = dict(numfmt)


def clear(sh: Sheet, r0: int, r1: int, c0: int, c1: int, *, formats: bool = False) -> None:
    """Blank the values (and formulas; formats too when asked) of rows [r0, r1) x columns [c0, c1)."""
    for r in range(r0, min(r1, len(sh.values))):
        row = sh.values[r]
        for c in range(c0, min(c1, len(row))):
            row[c] = None
    for d in (sh.formulas, sh.formats, sh.notes, sh.validations) if formats else (sh.formulas,):
        for key in [k for k in d if _inside(k, r0, r1, c0, c1)]:
            del d[key]


def _inside(key: str, r0: int, r1: int, c0: int, c1: int) -> bool:
    r, c = parse_key(key)
    return r0 <= r < r1 and c0 <= c < c1


# -- dimensions -----------------------------------------------------------------------------------

def insert(sp: Spreadsheet, sh: Sheet, rows: bool, at: int, count: int, inherit_before: bool = False) -> None:
    """Insert `count` empty rows (or columns) before index `at`, shifting cells and references; the new
    cells take the formats of the row (column) after them, or before them with `inherit_before`."""
    if rows:
        sh.values[at:at] = [[] for _ in range(count)] if at < len(sh.values) else []
        sh.rowCount += count
    else:
        for row in sh.values:
            if at < len(row):
                row[at:at] = [None] * count
        sh.columnCount += count
    _shift_keys(sh, rows, lambda i: i + count if i >= at else i)
    src = at - 1 if inherit_before else at + count
    if sh.formats and src >= 0:
        for key, fmt in list(sh.formats.items()):
            r, c = parse_key(key)
            if (r if rows else c) == src:
                for k in range(at, at + count):
                    sh.formats[cell_key(k, c) if rows else cell_key(r, k)] = {n: v for n, v in fmt.items()}
    _shift_merges(sh, rows, at, count)
    _shift_formulas(sp, sh, rows, at, count)
    trim(sh)


def delete(sp: Spreadsheet, sh: Sheet, rows: bool, at: int, count: int) -> None:
    """Delete `count` rows (or columns) from index `at`, shifting cells and references."""
    end = at + count
    if rows:
        del sh.values[at:end]
        sh.rowCount -= count
    else:
        for row in sh.values:
            del row[at:end]
        sh.columnCount -= count
    _shift_keys(sh, rows, lambda i: None if at <= i < end else i - count if i >= end else i)
    _shift_merges(sh, rows, at, -count)
    _shift_formulas(sp, sh, rows, at, -count)
    trim(sh)


def _shift_keys(sh: Sheet, rows: bool, move: Callable[[int], int | None]) -> None:
    for name in ("formulas", "formats", "notes", "validations"):
        d: dict[str, Any] = getattr(sh, name)
        out: dict[str, Any] = {}
        for key, v in d.items():
            r, c = parse_key(key)
            n = move(r if rows else c)
            if n is not None:
                out[cell_key(n, c) if rows else cell_key(r, n)] = v
        setattr(sh, name, out)


def _shift_merges(sh: Sheet, rows: bool, at: int, delta: int) -> None:
    lo, hi = ("startRowIndex", "endRowIndex") if rows else ("startColumnIndex", "endColumnIndex")
    out = []
    for m in sh.merges:
        m = dict(m)
        if delta > 0:
            if m[lo] >= at:
                m[lo] += delta
            if m[hi] > at:
                m[hi] += delta
        else:
            end = at - delta
            m[lo] = m[lo] if m[lo] < at else max(at, m[lo] + delta) if m[lo] >= end else at
            m[hi] = m[hi] if m[hi] <= at else max(at, m[hi] + delta) if m[hi] >= end else at
        if m[hi] > m[lo] and (m["endRowIndex"] - m["startRowIndex"]) * (m["endColumnIndex"] - m["startColumnIndex"]) > 1:
            out.append(m)
    sh.merges = out


def _shift_formulas(sp: Spreadsheet, target: Sheet, rows: bool, at: int, delta: int) -> None:
    for sh in sp.sheets:
        for key, f in list(sh.formulas.items()):
            sh.formulas[key] = rewrite_refs(f, sh.title, target.title, rows, at, delta)


# -- recalculation --------------------------------------------------------------------------------

class Workbook:
    """The spreadsheet as formulas see it, evaluating formula cells on demand (cycles are #REF!)."""

    def __init__(self, sp: Spreadsheet) -> None:
        self.sp = sp
        self.by_title = {sh.title.lower(): sh for sh in sp.sheets}
        self.done: dict[tuple[int, int, int], Any] = {}
        self.busy: set[tuple[int, int, int]] = set()
        self.extents: dict[int, tuple[int, int]] = {}
        self.cells: dict[int, list[tuple[int, int, str]]] = {}

    def sheet(self, title: str | None) -> Sheet | None:
        return self.by_title.get(title.lower()) if title is not None else None

    def cell(self, sheet: str | None, r: int, c: int) -> Any:
        sh = self.sheet(sheet)
        if sh is None:
            return FErr("#REF!")
        formula = sh.formulas.get(cell_key(r, c)) if sh.formulas else None
        if formula is None:
            return get(sh, r, c)
        return self.formula(sh, r, c, formula)

    def formula(self, sh: Sheet, r: int, c: int, formula: str) -> Any:
        k = (sh.sheetId, r, c)
        if k in self.done:
            return self.done[k]
        if k in self.busy:
            return FErr("#REF!")
        self.busy.add(k)
        v = evaluate(formula, self, sh.title)
        self.busy.discard(k)
        self.done[k] = v
        return v

    def block(self, sheet: str | None, r0: int, r1: int, c0: int, c1: int) -> list[list[Any]]:
        sh = self.sheet(sheet)
        assert sh is not None  # a range is read after its sheet's extent
        vals = sh.values
        width = c1 - c0
        out: list[list[Any]] = []
        for r in range(r0, r1):  # slices of the value rows, padded with blanks
            part = vals[r][c0:c1] if r < len(vals) else []
            if len(part) < width:
                part.extend([None] * (width - len(part)))
            out.append(part)
        if sh.formulas:
            for r, c, formula in self.formula_cells(sh):  # row by row, as a reader meets them
                if r0 <= r < r1 and c0 <= c < c1:
                    out[r - r0][c - c0] = self.formula(sh, r, c, formula)
        return out

    def formula_cells(self, sh: Sheet) -> list[tuple[int, int, str]]:
        got = self.cells.get(sh.sheetId)
        if got is None:
            got = self.cells[sh.sheetId] = sorted((*parse_key(k), f) for k, f in sh.formulas.items())
        return got

    def extent(self, sheet: str | None) -> tuple[int, int] | None:
        sh = self.sheet(sheet)
        if sh is None:
            return None
        got = self.extents.get(sh.sheetId)
        if got is None:
            got = self.extents[sh.sheetId] = book_extent(sh)
        return got


def book_extent(sh: Sheet) -> tuple[int, int]:
    """(rows, columns) a formula's range reads up to: the data extent, formula cells included."""
    rows, cols = extent(sh)
    for key in sh.formulas:
        r, c = parse_key(key)
        if r >= rows:
            rows = r + 1
        if c >= cols:
            cols = c + 1
    return rows, cols


# A chain of formulas costs at most ~8 frames a link, a formula's own nesting ~2 frames per 3
# characters: 48 * 8 + 512 * 2 / 3 stays well under the default limit of 1,000 in any order, so
# within these bounds no evaluation reaches the recursion limit and values depend on the formulas
# and cells alone (sheets_recalc.py relies on it too).
MAX_FORMULAS = 48
MAX_TEXT = 512

_ENC = msgspec.msgpack.Encoder()
_RESULTS: Bounded[bytes, tuple[tuple[int, int, int, Any], ...]] = Bounded(1024)
"""What `recalc` stored, by the encoding of what formulas read (each sheet's id, title, formulas and
values): worlds at the same point of a scenario recalculate the same spreadsheet. Keyed on the content
itself (bounded, within the limits above only), so no world sees another's state; results are scalars."""
UNBOUNDED = [0]
"""How many recalculations ran outside the limits above, whose values may depend on how deep the
stack was: a caller that remembers what a call did checks that none ran during it."""
_RESULTS_LONGEST = 1 << 16  # bytes of encoding


def recalc(sp: Spreadsheet) -> None:
    """Evaluate every formula and store its result as the cell's effective value."""
    count = text = 0
    for sh in sp.sheets:
        if sh.formulas:
            count += len(sh.formulas)
            text += sum(map(len, sh.formulas.values()))
    if not count:
        return
    key = None
    if count <= MAX_FORMULAS and text <= MAX_TEXT:
        key = _ENC.encode([(sh.sheetId, sh.title, sh.formulas, sh.values) for sh in sp.sheets])
        if len(key) > _RESULTS_LONGEST:  # evaluated, not kept: an agent cannot fill the memory
            key = None
    else:
        UNBOUNDED[0] += 1
    if key is not None:
        got = _RESULTS.get(key)
        if got is not None:
            sheets = sp.sheets
            for i, r, c, v in got:
                put(sheets[i], r, c, v)
            return
    book = Workbook(sp)
    stored: list[tuple[int, int, int, Any]] = []
    for i, sh in enumerate(sp.sheets):
        # top to bottom, so a chain of references down a column is evaluated without deep recursion
        for (r, c), formula in sorted((parse_key(k), f) for k, f in sh.formulas.items()):
            v = book.formula(sh, r, c, formula)
            v = v.code if isinstance(v, FErr) else "" if v is None else v
            put(sh, r, c, v)
            stored.append((i, r, c, v))
    if key is not None:
        _RESULTS.keep(key, tuple(stored))


# -- building -------------------------------------------------------------------------------------

def sheet_id_for(title: str, taken: set[int]) -> int:
    """A stable sheet id for a seeded sheet (a 9-10 digit number, like Sheets hands out)."""
    n = derive(0, "sheet", title) % 2_000_000_000
    while n in taken or n == 0:
        n = (n + 7919) % 2_000_000_000
    return n


def build_spreadsheet(sheets: dict[str, list[list[Any]]]) -> Spreadsheet:
    """A spreadsheet from `{sheet title: rows}`; the first sheet has id 0. Strings starting with
    `=` are formulas; other values are taken as they are."""
    sp = Spreadsheet(sheets=[])
    taken: set[int] = set()
    for i, (title, rows) in enumerate((sheets or {"Sheet1": []}).items()):
        sid = 0 if i == 0 else sheet_id_for(title, taken)
        taken.add(sid)
        sh = Sheet(sheetId=sid, title=title, index=i)
        for r, row in enumerate(rows or []):
            for c, v in enumerate(row or []):
                if isinstance(v, str) and v.startswith("=") and len(v) > 1:
                    write(sh, r, c, v, True)
                elif v is not None and v != "":
                    put(sh, r, c, v)
        rows_n, cols_n = extent(sh)
        grow(sh, rows_n, cols_n)
        trim(sh)
        sp.sheets.append(sh)
    if not sp.sheets:
        sp.sheets = _default_sheets()
    recalc(sp)
    return sp


def spreadsheet_csv(sp: Spreadsheet) -> str:
    """The first sheet as CSV, formatted values (what Drive's export to text/csv gives)."""
    from .sheets_view import formatted_cell

    sh = first_sheet(sp)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    width = extent(sh)[1]
    for r in range(len(sh.values)):
        w.writerow([formatted_cell(sh, r, c, sp) for c in range(width)])
    return buf.getvalue()


__all__ = ["MAX_FORMULAS", "MAX_TEXT", "UNBOUNDED", "Sheet", "Spreadsheet", "book_extent", "build_spreadsheet", "clear", "delete", "extent", "first_sheet", "get",
           "grow", "insert", "put", "recalc", "reindex", "sheet_by_id", "sheet_by_title", "spreadsheet_csv",
           "trim", "write"]
