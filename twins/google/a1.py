"""A1 notation, as the Sheets API reads and writes it.

Forms read: `Sheet1!A1:B2`, `A1:B2` (the first sheet), `'My Sheet'!A:A`, `A5:A`, `1:2`, `A1`,
a bare sheet name (`Sheet1`, `'My Sheet'`), R1C1 (`Sheet1!R1C1:R2C3`). Rows and columns are
0-based here; ends are exclusive, and None means "to the edge of the grid"."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from ..core.memo import text_cache

MAX_COLUMNS = 18278  # ZZZ
MAX_ROWS = 10_000_000

_END = re.compile(r"^\$?([A-Za-z]{1,3})?\$?([0-9]+)?$")
_R1C1 = re.compile(r"^[Rr]([0-9]+)?(?:[Cc]([0-9]+))?$|^[Cc]([0-9]+)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELLISH = re.compile(r"^(?:[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*|[A-Za-z]{1,3}|[0-9]+)$")
_KEY = re.compile(r"^([A-Z]{1,3})([0-9]+)$")


class A1Error(ValueError):
    """A range the Sheets API cannot parse; the message is the range as given."""


class A1(NamedTuple):
    """A parsed A1 range: the sheet title (None: the first sheet) and 0-based, end-exclusive bounds."""

    sheet: str | None
    r0: int
    r1: int | None
    c0: int
    c1: int | None


@functools.lru_cache(maxsize=1 << 14)
def col_letters(c: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    c += 1
    while c > 0:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """A -> 0, Z -> 25, AA -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


@functools.lru_cache(maxsize=1 << 16)
def cell_key(r: int, c: int) -> str:
    """The A1 name of a cell: (0, 0) -> "A1"."""
    return f"{col_letters(c)}{r + 1}"


@functools.lru_cache(maxsize=1 << 16)
def parse_key(key: str) -> tuple[int, int]:
    """The (row, column) of an A1 cell name without sheet or `$`: "B3" -> (2, 1)."""
    m = _KEY.match(key)
    if m is None:
        raise A1Error(key)
    return int(m.group(2)) - 1, col_index(m.group(1))


def quote_sheet(title: str) -> str:
    """A sheet title as it appears before `!`: quoted when it is not a plain identifier."""
    if _PLAIN_TITLE.match(title) and not _CELLISH.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """(sheet title or None, range part or None) of an A1 string; raises A1Error."""
    s = text.strip()
    if not s:
        raise A1Error(text)
    if s.startswith("'"):
        i, title = 1, []
        while True:
            j = s.find("'", i)
            if j < 0:
                raise A1Error(text)
            title.append(s[i:j])
            if s[j + 1:j + 2] == "'":
                title.append("'")
                i = j + 2
                continue
            rest = s[j + 1:]
            break
        name = "".join(title)
        if not name:
            raise A1Error(text)
        if not rest:
            return name, None
        if not rest.startswith("!") or len(rest) == 1:
            raise A1Error(text)
        return name, rest[1:]
    if "!" in s:
        name, _, part = s.rpartition("!")
        if not name or not part:
            raise A1Error(text)
        return name, part
    return None, s


def _endpoint(part: str) -> tuple[int | None, int | None]:
    """(row, col), 0-based, either None when absent, of one side of a range."""
    m = _END.match(part)
    if m is not None and (m.group(1) or m.group(2)):
        col = col_index(m.group(1)) if m.group(1) else None
        row = int(m.group(2)) - 1 if m.group(2) else None
        if (row is not None and not 0 <= row < MAX_ROWS) or (col is not None and col >= MAX_COLUMNS):
            raise A1Error(part)
        return row, col
    m = _R1C1.match(part)
    if m is not None and (m.group(1) or m.group(2) or m.group(3)):
        row = int(m.group(1)) - 1 if m.group(1) else None
        cs = m.group(2) or m.group(3)
        col = int(cs) - 1 if cs else None
        if (row is not None and row < 0) or (col is not None and col < 0):
            raise A1Error(part)
        return row, col
    raise A1Error(part)


def parse_cells(part: str) -> tuple[int, int | None, int, int | None]:
    """(r0, r1, c0, c1) of the cell part of a range (`A1:B2`, `A:A`, `1:2`, `A5:A`, `B3`)."""
    if ":" in part:
        a, _, b = part.partition(":")
        ra, ca = _endpoint(a)
        rb, cb = _endpoint(b)
        r0 = ra or 0
        c0 = ca or 0
        r1 = rb + 1 if rb is not None else None
        c1 = cb + 1 if cb is not None else None
        if ra is None and rb is not None and ca is not None and cb is None:
            raise A1Error(part)  # "A:5"
        if r1 is not None and r1 <= r0:
            r0, r1 = r1 - 1, r0 + 1
        if c1 is not None and c1 <= c0:
            c0, c1 = c1 - 1, c0 + 1
        return r0, r1, c0, c1
    r, c = _endpoint(part)
    if r is None or c is None:
        raise A1Error(part)
    return r, r + 1, c, c + 1


@text_cache(4096)
def parse(text: str) -> A1:
    """Parse an A1 (or R1C1) range; a bare name is a whole sheet. Raises A1Error. (Every world of
    a scenario sends the same ranges: each is parsed once.)"""
    try:
        sheet, part = split_sheet(text)
        if part is None:
            return A1(sheet, 0, None, 0, None)
        if sheet is None:
            try:
                return A1(None, *parse_cells(part))
            except A1Error:
                return A1(part, 0, None, 0, None)  # a bare sheet name
        return A1(sheet, *parse_cells(part))
    except A1Error:
        raise A1Error(text) from None


def format_range(title: str | None, r0: int, r1: int, c0: int, c1: int) -> str:
    """`Sheet1!A1:B2` for rows [r0, r1) and columns [c0, c1); one cell is `Sheet1!A1`."""
    prefix = quote_sheet(title) + "!" if title is not None else ""
    start = cell_key(r0, c0)
    if r1 - r0 <= 1 and c1 - c0 <= 1:
        return prefix + start
    return f"{prefix}{start}:{cell_key(r1 - 1, c1 - 1)}"


__all__ = ["A1", "A1Error", "cell_key", "col_index", "col_letters", "format_range", "parse", "parse_key",
           "quote_sheet", "split_sheet"]
