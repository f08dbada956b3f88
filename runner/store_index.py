"""An index over a run's trajectory store, so a viewer pages through 100,000 trajectories without
reading them all.

The store (runner/results.py) is a file of independent zstd frames, then an uncompressed
.jsonl tail while a run is going. The index lists, per trajectory, what a list page shows
(agent, scenario, trial, verdict, error, steps, world and wall time) and where its line is: a
frame (its byte offset and length in the .zst) and the line within it, or a byte offset in the
.jsonl. Reading one trajectory then decompresses one frame (`FRAME_LINES` lines at most, as dtu
writes them), not the run.

The index of the compressed part is cached next to it (`trajectories.idx`, msgpack) with the
file's inode and size: a resumed run's new frames are scanned on their own, a rewritten store
(a re-score) is indexed again. The .jsonl tail is scanned on every load (it is small: the trials
of a run still going). A folder dtu cannot write to keeps its index in memory."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import msgspec
import zstandard

from .records import TRAJECTORY, Trajectory
from .results import COMPRESSED, TRAJECTORIES

INDEX = "trajectories.idx"
VERSION = 1
ERROR_CHARS = 160  # how much of an error message the index keeps


class _Call(msgspec.Struct):
    t: float = 0.0


class _Light(msgspec.Struct):
    """What the index needs of a trajectory line; msgspec skips the rest (arguments, bodies)."""

    scenario: str
    agent: str
    trial: int
    satisfied: bool
    score: float
    calls: list[_Call]
    error: str | None = None
    wall_ms: float = 0.0


_LIGHT = msgspec.json.Decoder(_Light)


class Entry(msgspec.Struct, array_like=True):
    agent: str
    scenario: str
    trial: int
    satisfied: bool
    score: float
    error: str | None
    steps: int
    world_s: float  # world time from the first call to the last
    wall_ms: float
    frame: int  # index into Index.frames; -1: in the .jsonl tail, `line` is a byte offset there
    line: int


class Index(msgspec.Struct):
    version: int
    inode: int
    size: int  # bytes of the .zst indexed
    frames: list[tuple[int, int]]  # (offset, length) of each frame
    entries: list[Entry]


_ENC = msgspec.msgpack.Encoder()
_DEC = msgspec.msgpack.Decoder(Index)


def _entry(line: bytes, frame: int, pos: int) -> Entry | None:
    try:
        t = _LIGHT.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    calls = t.calls
    world = calls[-1].t - calls[0].t if calls else 0.0
    err = t.error[:ERROR_CHARS] if t.error else None
    return Entry(t.agent, t.scenario, t.trial, t.satisfied, t.score, err, len(calls), world, t.wall_ms, frame, pos)


def _scan_frames(path: Path, start: int, index: Index) -> None:
    """Index the frames of `path` from byte `start` on (a torn last frame is left for later)."""
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read()
    pos = 0
    dctx = zstandard.ZstdDecompressor()
    while pos < len(data):
        obj = dctx.decompressobj()
        try:
            out = obj.decompress(data[pos:])
        except zstandard.ZstdError:
            break
        if not obj.eof:
            break  # a frame still being written
        length = len(data) - pos - len(obj.unused_data)
        frame = len(index.frames)
        index.frames.append((start + pos, length))
        for i, line in enumerate(out.splitlines(keepends=True)):
            if line.endswith(b"\n"):
                e = _entry(line, frame, i)
                if e is not None:
                    index.entries.append(e)
        pos += length
    index.size = start + pos


class Store:
    """A run folder's trajectories, by index. `entries` lists each trajectory once (a trial stored
    twice is listed where it was first stored, as `RunDir.trajectories()` reads it)."""

    def __init__(self, run: str | os.PathLike[str], cache_frames: int = 4) -> None:
        self.path = Path(run)
        self._frames: OrderedDict[int, list[bytes]] = OrderedDict()
        self._cache_frames = cache_frames
        self.index = self._load()
        self.entries = self._dedup(self.index.entries + self._tail())

    def _load(self) -> Index:
        z = self.path / COMPRESSED
        if not z.exists():
            return Index(VERSION, 0, 0, [], [])
        st = z.stat()
        cached = self.path / INDEX
        index: Index | None = None
        if cached.exists():
            try:
                index = _DEC.decode(cached.read_bytes())
            except (msgspec.DecodeError, msgspec.ValidationError):
                index = None
        if index is None or index.version != VERSION or index.inode != st.st_ino or index.size > st.st_size:
            index = Index(VERSION, st.st_ino, 0, [], [])
        if index.size < st.st_size:
            _scan_frames(z, index.size, index)
            tmp = cached.with_suffix(".idx.tmp")
            try:
                tmp.write_bytes(_ENC.encode(index))
                os.replace(tmp, cached)
            except OSError:  # a folder we may only read: keep the index in memory
                pass
        return index

    def _tail(self) -> list[Entry]:
        p = self.path / TRAJECTORIES
        if not p.exists():
            return []
        out = []
        pos = 0
        with open(p, "rb") as f:
            for line in f:
                if line.endswith(b"\n"):
                    e = _entry(line, -1, pos)
                    if e is not None:
                        out.append(e)
                pos += len(line)
        return out

    @staticmethod
    def _dedup(entries: list[Entry]) -> list[Entry]:
        seen: set[tuple[str, str, int]] = set()
        out = []
        for e in entries:
            key = (e.agent, e.scenario, e.trial)
            if key not in seen:
                seen.add(key)
                out.append(e)
        return out

    def find(self, agent: str, scenario: str, trial: int) -> Entry | None:
        for e in self.entries:
            if e.trial == trial and e.scenario == scenario and e.agent == agent:
                return e
        return None

    def read(self, e: Entry) -> Trajectory:
        """The whole trajectory an entry points at: one frame decompressed (cached), or one line."""
        if e.frame < 0:
            with open(self.path / TRAJECTORIES, "rb") as f:
                f.seek(e.line)
                return TRAJECTORY.decode(f.readline())
        lines = self._frames.get(e.frame)
        if lines is None:
            offset, length = self.index.frames[e.frame]
            with open(self.path / COMPRESSED, "rb") as f:
                f.seek(offset)
                data = zstandard.ZstdDecompressor().decompress(f.read(length), max_output_size=1 << 31)
            lines = data.splitlines(keepends=True)
            self._frames[e.frame] = lines
            if len(self._frames) > self._cache_frames:
                self._frames.popitem(last=False)
        else:
            self._frames.move_to_end(e.frame)
        return TRAJECTORY.decode(lines[e.line])


def write(run: str | os.PathLike[str]) -> None:
    """Index a run's store now (at the end of a run), so a viewer opens it without scanning."""
    Store(run)
