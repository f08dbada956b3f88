"""Spreadsheets shared between worlds, copied on write.

A remembered Sheets write (`sheets_values._remembered`, `sheets_ops.spreadsheets_batch_update`)
gives every world that sends it at the same point of a scenario the same resulting spreadsheet. It
used to be decoded afresh for each (tens of µs for a small roster). Now the result is one object
(`Kept.take`, `share`d): worlds hold it as their file's `sheet` and read it as it is; a write first
takes a private copy with `own` (decoded from the encoding kept beside it). So a shared spreadsheet is never changed
in place, and no world sees another's edits.

Which objects are shared is known by identity while they live (a weak map, so an id is never
mistaken for a later object's), not by any field: a shared spreadsheet encodes exactly as a private
one, so snapshots and digests do not change. `intact` re-encodes every live shared spreadsheet
against its kept encoding (the tests' guard that nothing wrote through one)."""

from __future__ import annotations

import weakref

import msgspec

from .sheets_model import Spreadsheet
from .state import DriveFile

_ENC = msgspec.msgpack.Encoder()
_DEC = msgspec.msgpack.Decoder(Spreadsheet)
_LIVE: weakref.WeakValueDictionary[int, Spreadsheet] = weakref.WeakValueDictionary()
_ENCODED: dict[int, bytes] = {}


def _forget(key: int) -> None:
    _ENCODED.pop(key, None)


def share(sp: Spreadsheet, data: bytes | None = None) -> Spreadsheet:
    """Mark `sp` (encoding to `data`) read-only from now on and return it."""
    key = id(sp)
    if _LIVE.get(key) is not sp:
        _ENCODED[key] = data if data is not None else _ENC.encode(sp)
        _LIVE[key] = sp
        weakref.finalize(sp, _forget, key)
    return sp


def is_shared(sp: Spreadsheet) -> bool:
    return _LIVE.get(id(sp)) is sp


def encoded(sp: Spreadsheet) -> bytes:
    """`sp`'s MessagePack encoding (kept for a shared one)."""
    return _ENCODED[id(sp)] if _LIVE.get(id(sp)) is sp else _ENC.encode(sp)


def copy(sp: Spreadsheet) -> Spreadsheet:
    """A private deep copy of `sp`."""
    return _DEC.decode(encoded(sp))


def own(f: DriveFile) -> Spreadsheet:
    """The file's spreadsheet, made private to this world first if it is shared: call before
    changing it in place."""
    sp = f.sheet
    assert sp is not None
    if _LIVE.get(id(sp)) is sp:
        sp = f.sheet = _DEC.decode(_ENCODED[id(sp)])
    return sp


class Kept:
    """A remembered result's spreadsheet: its encoding, decoded and shared the first time a world
    takes it. (Sharing the writing world's own object instead would make that world's next write
    copy it: a scenario whose writes are never repeated would pay a copy for every write.)"""

    __slots__ = ("data", "sp")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.sp: Spreadsheet | None = None

    def take(self) -> Spreadsheet:
        sp = self.sp
        if sp is None:
            sp = self.sp = share(_DEC.decode(self.data), self.data)
        return sp


def intact() -> list[Spreadsheet]:
    """Shared spreadsheets that no longer encode as they did when shared (none, unless a write
    skipped `own`)."""
    return [sp for key, sp in list(_LIVE.items()) if _ENC.encode(sp) != _ENCODED.get(key)]


__all__ = ["Kept", "copy", "encoded", "intact", "is_shared", "own", "share"]
