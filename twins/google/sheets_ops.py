"""Sheets v4 under /v4/spreadsheets: spreadsheets.create / get / batchUpdate and sheets.copyTo.

The values family lives in sheets_values (imported first, so its routes come first); suffixed
routes (`{spreadsheetId}:batchUpdate`) are registered before the plain ones they resemble."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from ..core.memo import Bounded
from . import fields as partial
from . import sheets_metadata, sheets_values  # noqa: F401  (register the values and metadata operations)
from .errors import GoogleError
from .registry import Body, G, ops
from .sheets_access import as_list, changed, check_cells, invalid, open_book, resolve
from .sheets_batch import HANDLERS, apply_requests, sheet_from_properties
from .sheets_model import UNBOUNDED, Sheet, Spreadsheet, recalc
from .sheets_share import Kept, copy, encoded, own
from .sheets_view import sheet_properties, spreadsheet_json
from .state import SHEET, new_file

BASE = "/v4/spreadsheets"


# -- spreadsheets ---------------------------------------------------------------------------------

class CreateSpreadsheet(msgspec.Struct):
    properties: dict[str, Any] | None = None
    sheets: list[dict[str, Any]] | None = None
    fields: str | None = None


@ops.op("sheets.spreadsheets.create", "POST", BASE)
def spreadsheets_create(ctx: G, p: CreateSpreadsheet) -> Body:
    """Create a spreadsheet (a Drive file owned by the caller). `properties.title` names it; `sheets`
    lists tabs by `properties` (title, gridProperties); by default one tab, Sheet1, 1000x26."""
    props_in = p.properties or {}
    title = str(props_in.get("title") or "Untitled spreadsheet")
    sp = Spreadsheet(locale=str(props_in.get("locale") or "en_US"),
                     timeZone=str(props_in.get("timeZone") or "Etc/GMT"), sheets=[])
    for i, entry in enumerate(p.sheets or []):
        props = dict(entry.get("properties") or {})
        props.setdefault("index", i)
        if i == 0:
            props.setdefault("sheetId", 0)
        try:
            sp.sheets.append(sheet_from_properties(ctx, sp, props))
        except ValueError as e:
            raise invalid(f"Invalid sheets[{i}]: {e}") from None
    if not sp.sheets:
        sp.sheets.append(Sheet(sheetId=0, title="Sheet1"))
    check_cells(sp)
    f = new_file(ctx.state, ctx.env, ctx.actor, title, SHEET)
    f.sheet = sp
    return _select(spreadsheet_json(f.id, f.name, sp), p.fields)


class GetSpreadsheet(msgspec.Struct):
    spreadsheetId: str
    ranges: str | list[str] | None = None
    includeGridData: bool | None = False
    fields: str | None = None


class BatchUpdateSpreadsheet(msgspec.Struct):
    spreadsheetId: str
    requests: list[dict[str, Any]] | None = None
    includeSpreadsheetInResponse: bool | None = False
    responseRanges: list[str] | None = None
    responseIncludeGridData: bool | None = False


@ops.op("sheets.spreadsheets.batchUpdate", "POST", BASE + "/{spreadsheetId}:batchUpdate")
def spreadsheets_batch_update(ctx: G, p: BatchUpdateSpreadsheet) -> Body:
    """Apply structural and formatting requests in order, all or nothing: addSheet, deleteSheet,
    duplicateSheet, updateSheetProperties, updateCells, repeatCell, insertDimension, deleteDimension,
    appendDimension, mergeCells, unmergeCells, findReplace, sortRange, setDataValidation, ...
    Each request is `{"<kind>": {...}}`; the reply has one entry per request."""
    f, sp = open_book(ctx, p.spreadsheetId, write=True)
    if not p.requests:
        raise invalid("Must specify at least one request.")
    key = _memo_key(sp, f.name, p.requests)
    got = _BATCHES.get(key) if key is not None else None
    if got is not None:
        work, title, replies = got[0].take(), got[1], _DEC.decode(got[2])
    else:
        unbounded = UNBOUNDED[0]
        work = copy(sp)  # all or nothing: a failing request leaves `sp` as it was
        replies, title = apply_requests(ctx, f, work, p.requests)
        check_cells(work)
        recalc(work)
        if key is not None and UNBOUNDED[0] == unbounded:
            _BATCHES.keep(key, (Kept(_ENC.encode(work)), title, _ENC.encode(replies)))
    f.sheet = work
    f.name = title
    changed(ctx, f)
    out: Body = {"spreadsheetId": f.id, "replies": replies}
    if p.includeSpreadsheetInResponse:
        grids = _grids(work, as_list(p.responseRanges)) if p.responseIncludeGridData else None
        out["updatedSpreadsheet"] = spreadsheet_json(f.id, f.name, work, grids)
    return out


_ENC = msgspec.msgpack.Encoder()
_DEC = msgspec.msgpack.Decoder()
_BATCHES: Bounded[tuple[bytes, str, bytes], tuple[Kept, str, bytes]] = Bounded(512)
"""Successful batchUpdates whose requests draw no ids from the world (every kind but addSheet and
duplicateSheet is a function of the spreadsheet, its title and the request) and whose
recalculations stayed within sheets_model's limits, by the encodings of the spreadsheet and the
requests and the title: the new spreadsheet (shared, copied on write: sheets_share.py), title and
replies' encoding. Worlds at the same point of a scenario send the same batch. Keyed on the content
itself, so no world sees another's state; each caller decodes fresh replies."""
_MEMO_LONGEST = 1 << 16  # bytes of spreadsheet and requests; a longer batch is applied, not kept
IMPURE = frozenset({"addSheet", "duplicateSheet"})  # they may draw sheet ids from the world's env


def _memo_key(sp: Spreadsheet, title: str, requests: list[dict[str, Any]]) -> tuple[bytes, str, bytes] | None:
    """The key a batch is remembered under, or None when it is not (a request that may draw ids,
    or that is malformed: applying it says which one, in order; too long)."""
    for req in requests:
        if not isinstance(req, dict) or len(req) != 1:
            return None
        kind = next(iter(req))
        if kind not in HANDLERS or kind in IMPURE:
            return None
    try:
        key = (encoded(sp), title, _ENC.encode(requests))
    except (OverflowError, TypeError):  # an integer past 64 bits, a value JSON cannot hold
        return None
    if len(key[0]) + len(key[1]) + len(key[2]) > _MEMO_LONGEST or _DEC.decode(key[2]) != requests:
        return None  # too long; or a tuple where a list decodes (two requests, one encoding)
    return key


class CopySheet(msgspec.Struct):
    spreadsheetId: str
    sheetId: int
    destinationSpreadsheetId: str


@ops.op("sheets.spreadsheets.sheets.copyTo", "POST", BASE + "/{spreadsheetId}/sheets/{sheetId}:copyTo")
def sheets_copy_to(ctx: G, p: CopySheet) -> Body:
    """Copy one sheet (tab) into another spreadsheet the caller can edit, as "Copy of <title>";
    answers the new sheet's properties."""
    _, sp = open_book(ctx, p.spreadsheetId)
    src = next((s for s in sp.sheets if s.sheetId == p.sheetId), None)
    if src is None:
        raise GoogleError("NOT_FOUND", f"No sheet with id: {p.sheetId}")
    dest_file, _ = open_book(ctx, p.destinationSpreadsheetId, write=True)
    dest = own(dest_file)
    sh = msgspec.convert(msgspec.to_builtins(src), Sheet)
    title, n = f"Copy of {src.title}", 2
    while any(s.title == title for s in dest.sheets):
        title, n = f"Copy of {src.title} {n}", n + 1
    taken = {s.sheetId for s in dest.sheets}
    sid = p.sheetId if p.sheetId not in taken else ctx.env.randint(1, 2_000_000_000)
    while sid in taken:
        sid = ctx.env.randint(1, 2_000_000_000)
    sh.title, sh.sheetId, sh.index = title, sid, len(dest.sheets)
    dest.sheets.append(sh)
    recalc(dest)
    changed(ctx, dest_file)
    return sheet_properties(sh)


@ops.op("sheets.spreadsheets.get", "GET", BASE + "/{spreadsheetId}", mutates=False)
def spreadsheets_get(ctx: G, p: GetSpreadsheet) -> Body:
    """A spreadsheet's properties and its sheets (sheetId, title, index, grid size). `ranges` limits
    the sheets; `includeGridData` adds cell data (values, formulas, formats, notes)."""
    f, sp = open_book(ctx, p.spreadsheetId)
    ranges = as_list(p.ranges)
    targets = [resolve(sp, r) for r in ranges]
    only = {t.sheet.sheetId for t in targets} if targets else None
    grids: dict[int, list[tuple[int, int, int, int]]] | None = None
    # includeGridData is ignored when a field mask is set: the mask decides (sheets.data...)
    wants_grid = re.search(r"\bdata\b", p.fields) is not None if p.fields else bool(p.includeGridData)
    if wants_grid:
        grids = {}
        if targets:
            for t in targets:
                grids.setdefault(t.sheet.sheetId, []).append((t.r0, t.r1, t.c0, t.c1))
        else:
            for sh in sp.sheets:
                grids[sh.sheetId] = [(0, sh.rowCount, 0, sh.columnCount)]
    return _select(spreadsheet_json(f.id, f.name, sp, grids, only), p.fields)


# -- helpers ----------------------------------------------------------------------------------------

def _select(body: Body, fields: str | None) -> Body:
    if not fields:
        return body
    try:
        tree = partial.parse(fields.replace(".", "/"))  # Sheets masks use dots
    except partial.FieldsError as e:
        raise GoogleError("INVALID_ARGUMENT", f"Request contains an invalid argument. {e}") from None
    out: Body = partial.select(body, tree)
    return out


def _grids(sp: Spreadsheet, ranges: list[str]) -> dict[int, list[tuple[int, int, int, int]]]:
    grids: dict[int, list[tuple[int, int, int, int]]] = {}
    for r in ranges:
        t = resolve(sp, r)
        grids.setdefault(t.sheet.sheetId, []).append((t.r0, t.r1, t.c0, t.c1))
    if not ranges:
        for sh in sp.sheets:
            grids[sh.sheetId] = [(0, sh.rowCount, 0, sh.columnCount)]
    return grids


__all__ = ["ops"]
