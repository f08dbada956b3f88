"""Sheets v4 developer metadata and data filters.

Developer metadata (key, value, visibility) sits on the spreadsheet, a sheet, or a band of rows or
columns (`Spreadsheet.developerMetadata`, as Sheets sends it). The batchUpdate requests
createDeveloperMetadata / updateDeveloperMetadata / deleteDeveloperMetadata change it;
developerMetadata.get and developerMetadata.search read it; DataFilters (a1Range, gridRange or
developerMetadataLookup) select it, and select ranges for values.batchGetByDataFilter.
Metadata on rows or columns does not move when rows or columns are inserted or deleted."""

from __future__ import annotations

from typing import Any

import msgspec

from .registry import Body, G, ops
from .sheets_access import Target, as_list, invalid, not_found, open_book, resolve
from .sheets_batch import HANDLERS, Book, RequestError
from .sheets_model import Sheet, Spreadsheet
from .sheets_values import _render, _value_range

BASE = "/v4/spreadsheets"
VISIBILITY = ("DOCUMENT", "PROJECT")
MD_FIELDS = ("metadataKey", "metadataValue", "location", "visibility")


def _sheet(sp: Spreadsheet, sheet_id: Any) -> Sheet:
    for sh in sp.sheets:
        if sh.sheetId == sheet_id:
            return sh
    raise RequestError(f"No grid with id: {sheet_id}")


def location(sp: Spreadsheet, loc: Any) -> dict[str, Any]:
    """A request's DeveloperMetadataLocation as Sheets answers it (with `locationType`)."""
    if not isinstance(loc, dict):
        raise RequestError("developerMetadata.location is required")
    given = [k for k in ("spreadsheet", "sheetId", "dimensionRange") if loc.get(k) is not None]
    if len(given) != 1:
        raise RequestError("A location must set exactly one of spreadsheet, sheetId or dimensionRange")
    if given[0] == "spreadsheet":
        return {"locationType": "SPREADSHEET", "spreadsheet": True}
    if given[0] == "sheetId":
        return {"locationType": "SHEET", "sheetId": _sheet(sp, loc["sheetId"]).sheetId}
    dr = loc["dimensionRange"]
    sh = _sheet(sp, dr.get("sheetId", 0))
    dim = dr.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise RequestError("dimensionRange.dimension must be ROWS or COLUMNS")
    limit = sh.rowCount if dim == "ROWS" else sh.columnCount
    start, end = int(dr.get("startIndex", 0)), int(dr.get("endIndex", limit))
    if not 0 <= start < end <= limit:
        raise RequestError(f"Invalid dimensionRange: [{start}, {end}) is outside the sheet")
    return {"locationType": "ROW" if dim == "ROWS" else "COLUMN",
            "dimensionRange": {"sheetId": sh.sheetId, "dimension": dim, "startIndex": start, "endIndex": end}}


def _box(sp: Spreadsheet, loc: dict[str, Any]) -> tuple[int, int, int, int, int] | None:
    """(sheetId, r0, r1, c0, c1) a location covers; None for the whole spreadsheet."""
    if loc["locationType"] == "SPREADSHEET":
        return None
    if loc["locationType"] == "SHEET":
        sh = _sheet(sp, loc["sheetId"])
        return sh.sheetId, 0, sh.rowCount, 0, sh.columnCount
    dr = loc["dimensionRange"]
    sh = _sheet(sp, dr["sheetId"])
    if dr["dimension"] == "ROWS":
        return sh.sheetId, dr["startIndex"], dr["endIndex"], 0, sh.columnCount
    return sh.sheetId, 0, sh.rowCount, dr["startIndex"], dr["endIndex"]


def _overlap(a: tuple[int, int, int, int, int] | None, b: tuple[int, int, int, int, int] | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2] and a[3] < b[4] and b[3] < a[4]


def _grid_box(sp: Spreadsheet, g: dict[str, Any]) -> tuple[int, int, int, int, int]:
    sh = _sheet(sp, g.get("sheetId", 0))
    return (sh.sheetId, int(g.get("startRowIndex", 0)), int(g.get("endRowIndex", sh.rowCount)),
            int(g.get("startColumnIndex", 0)), int(g.get("endColumnIndex", sh.columnCount)))


def _target_box(t: Target) -> tuple[int, int, int, int, int]:
    sh = t.sheet
    return sh.sheetId, t.r0, min(t.r1, sh.rowCount), t.c0, min(t.c1, sh.columnCount)


def filter_box(sp: Spreadsheet, f: dict[str, Any]) -> tuple[int, int, int, int, int] | None:
    """The cells an a1Range or gridRange filter names (None: the filter is a lookup)."""
    if f.get("a1Range") is not None:
        return _target_box(resolve(sp, str(f["a1Range"])))
    if f.get("gridRange") is not None:
        return _grid_box(sp, f["gridRange"])
    return None


def matches(sp: Spreadsheet, md: dict[str, Any], f: dict[str, Any]) -> bool:
    """Whether a DataFilter selects this metadata."""
    kinds = [k for k in ("a1Range", "gridRange", "developerMetadataLookup") if f.get(k) is not None]
    if len(kinds) != 1:
        raise RequestError("A DataFilter must set exactly one of a1Range, gridRange or developerMetadataLookup")
    if kinds[0] != "developerMetadataLookup":
        return _overlap(filter_box(sp, f), _box(sp, md["location"]))
    lk = f["developerMetadataLookup"]
    for key in ("metadataId", "metadataKey", "metadataValue", "visibility", "locationType"):
        want = lk.get(key)
        have = md.get(key) if key != "locationType" else md["location"]["locationType"]
        if want is not None and want != have:
            return False
    if lk.get("metadataLocation") is not None:
        loc = location(sp, lk["metadataLocation"])
        if lk.get("locationMatchingStrategy", "EXACT_LOCATION") == "INTERSECTING_LOCATION":
            return _overlap(_box(sp, loc), _box(sp, md["location"]))
        return loc == md["location"]
    return True


def _new_id(ctx: G, sp: Spreadsheet) -> int:
    taken = {m["metadataId"] for m in sp.developerMetadata}
    while True:
        mid = 1 + int(ctx.env.random() * 2_000_000_000)
        if mid not in taken:
            return mid


def _metadata(ctx: G, sp: Spreadsheet, body: dict[str, Any], mid: int | None = None) -> dict[str, Any]:
    key = body.get("metadataKey")
    if not key:
        raise RequestError("developerMetadata.metadataKey is required")
    vis = body.get("visibility")
    if vis not in VISIBILITY:
        raise RequestError("developerMetadata.visibility must be DOCUMENT or PROJECT")
    out: dict[str, Any] = {"metadataId": mid if mid is not None else _new_id(ctx, sp), "metadataKey": key}
    if body.get("metadataValue") is not None:
        out["metadataValue"] = str(body["metadataValue"])
    out["location"] = location(sp, body.get("location"))
    out["visibility"] = vis
    return out


def create_developer_metadata(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sp = book.sp
    given = body.get("developerMetadata") or {}
    mid = given.get("metadataId")
    if mid is not None:
        if not isinstance(mid, int) or mid <= 0:
            raise RequestError("developerMetadata.metadataId must be a positive integer")
        if any(m["metadataId"] == mid for m in sp.developerMetadata):
            raise RequestError(f"Developer metadata with ID {mid} already exists.")
    md = _metadata(ctx, sp, given, mid)
    sp.developerMetadata.append(md)
    return {"createDeveloperMetadata": {"developerMetadata": _copy(md)}}


def update_developer_metadata(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sp = book.sp
    filters = body.get("dataFilters") or []
    mask = body.get("fields")
    if not filters:
        raise RequestError("dataFilters is required")
    if not mask:
        raise RequestError("fields is required")
    names = MD_FIELDS if mask == "*" else tuple(x.strip() for x in str(mask).split(","))
    for n in names:
        if n not in MD_FIELDS:
            raise RequestError(f"Invalid field mask: {n}")
    new = body.get("developerMetadata") or {}
    updated = []
    for md in sp.developerMetadata:
        if any(matches(sp, md, f) for f in filters):
            if "metadataKey" in names:
                md["metadataKey"] = new.get("metadataKey") or md["metadataKey"]
            if "metadataValue" in names:
                if new.get("metadataValue") is None:
                    md.pop("metadataValue", None)
                else:
                    md["metadataValue"] = str(new["metadataValue"])
            if "location" in names:
                md["location"] = location(sp, new.get("location"))
            if "visibility" in names:
                if new.get("visibility") not in VISIBILITY:
                    raise RequestError("developerMetadata.visibility must be DOCUMENT or PROJECT")
                md["visibility"] = new["visibility"]
            updated.append(_copy(md))
    return {"updateDeveloperMetadata": {"developerMetadata": updated}}


def delete_developer_metadata(ctx: G, book: Book, body: dict[str, Any]) -> dict[str, Any]:
    sp = book.sp
    f = body.get("dataFilter")
    if not isinstance(f, dict):
        raise RequestError("dataFilter is required")
    gone = [m for m in sp.developerMetadata if matches(sp, m, f)]
    ids = {m["metadataId"] for m in gone}
    sp.developerMetadata = [m for m in sp.developerMetadata if m["metadataId"] not in ids]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": gone}}


HANDLERS.update({"createDeveloperMetadata": create_developer_metadata,
                 "updateDeveloperMetadata": update_developer_metadata,
                 "deleteDeveloperMetadata": delete_developer_metadata})


def _copy(md: dict[str, Any]) -> dict[str, Any]:
    """A deep copy (an answer never shares objects with the state)."""
    out: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(md))
    return out


def _checked(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except RequestError as e:
        raise invalid(str(e)) from None


# -- operations -----------------------------------------------------------------------------------

class ByDataFilter(msgspec.Struct):
    spreadsheetId: str
    dataFilters: list[dict[str, Any]] | None = None
    majorDimension: str | None = None
    valueRenderOption: str | None = None
    dateTimeRenderOption: str | None = None


@ops.op("sheets.spreadsheets.values.batchGetByDataFilter", "POST",
        BASE + "/{spreadsheetId}/values:batchGetByDataFilter", mutates=False)
def values_batch_get_by_data_filter(ctx: G, p: ByDataFilter) -> Body:
    """Read the values a list of DataFilters select: an A1 range (`a1Range`), a `gridRange`, or the
    rows, columns or sheets that developer metadata (`developerMetadataLookup`) is attached to.
    One MatchedValueRange per selected range, with the filters that selected it."""
    _, sp = open_book(ctx, p.spreadsheetId)
    opts = _render(p.majorDimension, p.valueRenderOption, p.dateTimeRenderOption)
    out: list[Body] = []
    for f in as_list(p.dataFilters):
        if not isinstance(f, dict):
            raise invalid("Invalid dataFilters: each must be a DataFilter object")
        boxes: list[tuple[int, int, int, int, int]] = []
        box = _checked(filter_box, sp, f)
        if box is not None:
            boxes.append(box)
        else:
            for md in sp.developerMetadata:
                if _checked(matches, sp, md, f):
                    b = _box(sp, md["location"])
                    if b is not None:
                        boxes.append(b)
        for sid, r0, r1, c0, c1 in boxes:
            sh = next(s for s in sp.sheets if s.sheetId == sid)
            t = Target(sh, r0, r1, c0, c1, r1 - r0 == 1 and c1 - c0 == 1, False, False)
            out.append({"valueRange": _value_range(sp, t, *opts), "dataFilters": [f]})
    body: Body = {"spreadsheetId": p.spreadsheetId}
    if out:
        body["valueRanges"] = out
    return body


class SearchMetadata(msgspec.Struct):
    spreadsheetId: str
    dataFilters: list[dict[str, Any]] | None = None


@ops.op("sheets.spreadsheets.developerMetadata.search", "POST",
        BASE + "/{spreadsheetId}/developerMetadata:search", mutates=False)
def developer_metadata_search(ctx: G, p: SearchMetadata) -> Body:
    """Find developer metadata by DataFilters (a developerMetadataLookup on id, key, value,
    visibility or location, or an a1Range/gridRange its location intersects)."""
    _, sp = open_book(ctx, p.spreadsheetId)
    filters = as_list(p.dataFilters)
    if not filters:
        raise invalid("dataFilters must not be empty")
    found: list[Body] = []
    for md in sp.developerMetadata:
        hit = [f for f in filters if _checked(matches, sp, md, f)]
        if hit:
            found.append({"developerMetadata": _copy(md), "dataFilters": hit})
    return {"matchedDeveloperMetadata": found} if found else {}


class GetMetadata(msgspec.Struct):
    spreadsheetId: str
    metadataId: int


@ops.op("sheets.spreadsheets.developerMetadata.get", "GET",
        BASE + "/{spreadsheetId}/developerMetadata/{metadataId}", mutates=False)
def developer_metadata_get(ctx: G, p: GetMetadata) -> Body:
    """Get one piece of developer metadata by its id."""
    _, sp = open_book(ctx, p.spreadsheetId)
    for md in sp.developerMetadata:
        if md["metadataId"] == p.metadataId:
            return _copy(md)
    raise not_found()


__all__ = ["location", "matches"]
