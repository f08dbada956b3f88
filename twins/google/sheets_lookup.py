"""Lookup, multi-criteria and date functions: VLOOKUP, HLOOKUP, MATCH, INDEX, SUMIFS, COUNTIFS,
DATE, YEAR, MONTH, DAY, TEXT."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from .sheets_coerce import FErr, Rng, Value, compare, number, scalar, text
from .sheets_format import from_serial, render, serial
from .sheets_functions import matcher

Fn = Callable[[list[Value]], Value]


def _int(v: Value) -> int | FErr:
    n = number(scalar(v))
    return n if isinstance(n, FErr) else int(n)


def _truthy(args: list[Value], i: int, default: bool) -> bool:
    if len(args) <= i or args[i] is None:
        return default
    v = scalar(args[i])
    return bool(number(v)) if not isinstance(number(v), FErr) else default


def _find(key: Value, cells: list[Value], exact: bool) -> int | None:
    """The position of `key` in `cells`: an exact (case-insensitive, wildcard) match, or the last
    value not greater than it in a sorted list."""
    if exact:
        test = matcher(key) if isinstance(key, str) else (lambda v: v is not None and compare(v, key) == 0)
        return next((i for i, v in enumerate(cells) if test(v)), None)
    found = None
    for i, v in enumerate(cells):
        if v is None or v == "":
            continue
        if compare(v, key) <= 0:
            found = i
        else:
            break
    return found


def _lookup(by_rows: bool) -> Fn:
    def run(args: list[Value]) -> Value:
        if len(args) < 3 or not isinstance(args[1], Rng):
            return FErr("#N/A")
        key = scalar(args[0])
        if isinstance(key, FErr):
            return key
        idx = _int(args[2])
        if isinstance(idx, FErr):
            return idx
        rows = args[1].rows
        lines = rows if by_rows else [list(col) for col in zip(*rows, strict=False)]
        if idx < 1 or any(idx > len(line) for line in lines[:1]):
            return FErr("#REF!")
        pos = _find(key, [line[0] if line else None for line in lines], not _truthy(args, 3, True))
        if pos is None:
            return FErr("#N/A")
        line = lines[pos]
        return line[idx - 1] if idx - 1 < len(line) else None
    return run


def _match(args: list[Value]) -> Value:
    if len(args) < 2 or not isinstance(args[1], Rng):
        return FErr("#N/A")
    key = scalar(args[0])
    kind = _int(args[2]) if len(args) > 2 else 1
    if isinstance(kind, FErr):
        return kind
    cells = args[1].flat()
    if kind == 0:
        pos = _find(key, cells, True)
    elif kind == 1:
        pos = _find(key, cells, False)
    else:
        pos = None
        for i, v in enumerate(cells):
            if v is not None and compare(v, key) >= 0:
                pos = i
    return FErr("#N/A") if pos is None else pos + 1


def _index(args: list[Value]) -> Value:
    if not args or not isinstance(args[0], Rng):
        return FErr("#N/A")
    rows = args[0].rows
    r = _int(args[1]) if len(args) > 1 else 0
    c = _int(args[2]) if len(args) > 2 else 0
    if isinstance(r, FErr):
        return r
    if isinstance(c, FErr):
        return c
    if len(rows) == 1 and len(args) == 2:  # one row: the second argument picks the column
        r, c = 1, r
    r, c = max(r, 1), max(c, 1)
    if r > len(rows) or c > max((len(x) for x in rows), default=0):
        return FErr("#REF!")
    row = rows[r - 1]
    return row[c - 1] if c - 1 < len(row) else None


def _ifs(kind: str) -> Fn:
    def run(args: list[Value]) -> Value:
        first = 1 if kind == "sum" else 0
        if len(args) < first + 2 or (len(args) - first) % 2:
            return FErr("#N/A")
        pairs = [(args[i], matcher(scalar(args[i + 1]))) for i in range(first, len(args), 2)]
        if not all(isinstance(rng, Rng) for rng, _ in pairs):
            return FErr("#VALUE!")
        cells = [rng.flat() for rng, _ in pairs if isinstance(rng, Rng)]
        size = min(len(c) for c in cells)
        hits = [i for i in range(size) if all(test(col[i]) for col, (_, test) in zip(cells, pairs, strict=True))]
        if kind == "count":
            return len(hits)
        if not isinstance(args[0], Rng):
            return FErr("#VALUE!")
        vals = args[0].flat()
        return sum(v for i in hits if i < len(vals) and isinstance(v := vals[i], int | float) and not isinstance(v, bool))
    return run


def _date(args: list[Value]) -> Value:
    if len(args) != 3:
        return FErr("#N/A")
    parts = [_int(a) for a in args]
    for p in parts:
        if isinstance(p, FErr):
            return p
    y, m, d = (int(p) for p in parts)  # type: ignore[arg-type]
    try:
        y += (m - 1) // 12
        m = (m - 1) % 12 + 1
        return serial(_dt.datetime(y, m, 1) + _dt.timedelta(days=d - 1))
    except (ValueError, OverflowError):
        return FErr("#NUM!")


def _part(name: str) -> Fn:
    def run(args: list[Value]) -> Value:
        n = number(scalar(args[0])) if args else FErr("#N/A")
        if isinstance(n, FErr):
            return n
        try:
            d = from_serial(float(n))
        except (ValueError, OverflowError):
            return FErr("#NUM!")
        out: Any = getattr(d, name)
        return out
    return run


def _text_fn(args: list[Value]) -> Value:
    if len(args) != 2:
        return FErr("#N/A")
    v, pattern = scalar(args[0]), text(scalar(args[1]))
    if isinstance(v, FErr):
        return v
    if not isinstance(v, int | float) or isinstance(v, bool):
        return text(v)
    low = pattern.lower()
    kind = "DATE" if any(t in low for t in ("yy", "dd", "mmm", "h:", ":ss")) or low in ("m/d", "d/m") else "NUMBER"
    return render(v, {"type": kind, "pattern": pattern})


LOOKUP_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "VLOOKUP": _lookup(True), "HLOOKUP": _lookup(False), "MATCH": _match, "INDEX": _index,
    "SUMIFS": _ifs("sum"), "COUNTIFS": _ifs("count"),
    "DATE": _date, "YEAR": _part("year"), "MONTH": _part("month"), "DAY": _part("day"), "TEXT": _text_fn,
}

__all__ = ["LOOKUP_FUNCTIONS"]
