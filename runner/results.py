"""A run's folder: manifest.json, trajectories (appended and flushed per trial), summary.json.

Trajectories are appended to trajectories.jsonl, one flushed line per trial, so a killed run
loses no finished trial. `compress()` (called when a run ends) moves those lines into
trajectories.jsonl.zst as more independent zstd frames of FRAME_LINES lines; a resumed run
appends a fresh .jsonl and compresses it into more frames. `trajectories()` reads the frames, then the .jsonl."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

import msgspec
import zstandard

from .records import ENCODER, MANIFEST, TRAJECTORY, Manifest, ScenarioDigest, Trajectory
from .scenario import BUNDLED, Loaded
from .stats import Summary

TRAJECTORIES = "trajectories.jsonl"
COMPRESSED = "trajectories.jsonl.zst"
ZSTD_LEVEL = 9
# Lines per zstd frame: enough that a frame shares its seed data across trials (see SUMMARY.md),
# few enough that a viewer reads one trajectory by decompressing one frame (store_index.py).
FRAME_LINES = 1000
_CHUNK = 1 << 20


def new_run_id(seed: int, out: str | os.PathLike[str] | None = None) -> str:
    """A run id from the time, the process and the seed; with `out`, one no folder there has yet
    (two runs started by one process within a second get -2, -3, ...)."""
    now = dt.datetime.now(dt.UTC)
    base = f"{now:%Y%m%d-%H%M%S}-{os.getpid() % 10000:04d}-s{seed}"
    run_id, n = base, 1
    while out is not None and (Path(out) / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


class RunDir:
    """Where a run's records live. Trajectories are appended as trials finish."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._out: IO[bytes] | None = None
        self._buf = bytearray()

    # -- writing ------------------------------------------------------------------------------
    def create(self, manifest: Manifest) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "manifest.json").write_bytes(msgspec.json.format(ENCODER.encode(manifest)))

    def open(self) -> None:
        self._out = open(self.path / TRAJECTORIES, "ab")  # noqa: SIM115 - closed in close()

    def append(self, t: Trajectory) -> None:
        """Write one trajectory line and flush it, so a killed run loses no finished trial."""
        out = self._out
        assert out is not None, "RunDir.open() first"
        buf = self._buf
        buf.clear()
        ENCODER.encode_into(t, buf)
        buf.extend(b"\n")
        out.write(buf)
        out.flush()

    def append_raw(self, lines: bytes) -> None:
        """Write already-encoded trajectory lines (from a worker process) and flush them."""
        out = self._out
        assert out is not None, "RunDir.open() first"
        out.write(lines)
        out.flush()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def write_summary(self, summary: Summary) -> None:
        (self.path / "summary.json").write_bytes(msgspec.json.format(ENCODER.encode(summary)))

    # -- reading ------------------------------------------------------------------------------
    def manifest(self, resolved: bool = True) -> Manifest:
        """The run's manifest; its scenario paths resolved to files (`resolve_scenarios`) unless
        `resolved` is False (then as stored: relative to their roots)."""
        m = MANIFEST.decode((self.path / "manifest.json").read_bytes())
        return resolve_scenarios(m, self.path) if resolved else m

    def trajectories(self) -> Iterator[Trajectory]:
        """Every complete trajectory: the compressed frames, then the plain lines.

        A torn last line (a killed writer) is skipped; a trial seen twice (a compress cut short
        between writing its frame and removing the .jsonl) is read once."""
        seen: set[tuple[str, str, int]] = set()
        for t in self._all():
            key = t.key
            if key not in seen:
                seen.add(key)
                yield t

    def _all(self) -> Iterator[Trajectory]:
        z = self.path / COMPRESSED
        if z.exists():
            with open(z, "rb") as f:
                reader = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True)
                yield from _decode_lines(_lines(reader))
        p = self.path / TRAJECTORIES
        if p.exists():
            with open(p, "rb") as f:
                yield from _decode_lines(f)

    def compress(self, level: int = ZSTD_LEVEL) -> None:
        """Move trajectories.jsonl into more frames of trajectories.jsonl.zst (complete lines only)."""
        p = self.path / TRAJECTORIES
        if not p.exists():
            return
        data = p.read_bytes()
        data = data[: data.rfind(b"\n") + 1]
        if data:
            cctx = zstandard.ZstdCompressor(level=level, write_checksum=True)
            lines = data.splitlines(keepends=True)
            with open(self.path / COMPRESSED, "ab") as out:
                for i in range(0, len(lines), FRAME_LINES):
                    out.write(cctx.compress(b"".join(lines[i:i + FRAME_LINES])))
                out.flush()
                os.fsync(out.fileno())
        p.unlink()

    def rewrite(self, trajectories: Iterable[Trajectory], level: int = ZSTD_LEVEL) -> None:
        """Replace every stored trajectory (a re-score) with compressed frames of FRAME_LINES lines,
        streamed, then swapped in atomically. `trajectories` may be this run's own `trajectories()`."""
        tmp = self.path / (COMPRESSED + ".tmp")
        cctx = zstandard.ZstdCompressor(level=level, write_checksum=True)
        buf = bytearray()
        n = 0
        with open(tmp, "wb") as f:
            for t in trajectories:
                ENCODER.encode_into(t, buf, -1)
                buf.extend(b"\n")
                n += 1
                if n == FRAME_LINES:
                    f.write(cctx.compress(buf))
                    buf.clear()
                    n = 0
            if buf:
                f.write(cctx.compress(buf))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path / COMPRESSED)
        (self.path / TRAJECTORIES).unlink(missing_ok=True)

    def repair(self) -> None:
        """Cut a torn last line so appends start on a fresh line."""
        p = self.path / TRAJECTORIES
        if not p.exists():
            return
        data = p.read_bytes()
        if data and not data.endswith(b"\n"):
            p.write_bytes(data[: data.rfind(b"\n") + 1])


BUNDLED_ROOT = "bundled"


def scenario_digests(loaded: Sequence[Loaded], roots: Sequence[str], launch_dir: str) -> list[ScenarioDigest]:
    """Manifest entries for a run's scenarios: each path relative to the root it was found under
    (a folder given on the command line, the folder of a file given, or the bundled library),
    the root relative to the launch directory. Nothing absolute is written."""
    bases: list[Path] = []
    for r in roots:
        p = Path(os.path.abspath(r))
        bases.append(p.parent if p.is_file() else p)
    bases.sort(key=lambda b: len(b.parts), reverse=True)  # the innermost root that holds a file
    bundled = BUNDLED.resolve()
    out = []
    for ld in loaded:
        f = Path(os.path.abspath(ld.path))
        if f.resolve().is_relative_to(bundled):  # the library that ships with dtu, wherever it is
            base, root, f = bundled, BUNDLED_ROOT, f.resolve()
        else:
            base = next((b for b in bases if f.is_relative_to(b)), f.parent)
            root = os.path.relpath(base, launch_dir)
        out.append(ScenarioDigest(ld.id, f.relative_to(base).as_posix(), ld.digest, root))
    return out


def resolve_scenarios(m: Manifest, run_dir: str | os.PathLike[str] | None = None) -> Manifest:
    """The manifest with each scenario's `path` turned into a file dtu can open: bundled ones
    under this dtu's library; others under their root, taken relative to the current directory,
    else to the run's launch directory (found from the run folder); absolute paths (manifests
    written before roots existed) as they are. A file found nowhere keeps the first candidate, so
    the error that follows names a path."""
    out = []
    for s in m.scenarios:
        if not s.root:
            out.append(s)
            continue
        if s.root == BUNDLED_ROOT:
            out.append(ScenarioDigest(s.id, str(BUNDLED / s.path), s.sha256, s.root))
            continue
        candidates = [Path(s.root) / s.path]
        if run_dir is not None and m.launch:
            candidates.append(Path(os.path.normpath(Path(run_dir) / m.launch / s.root / s.path)))
        found = next((c for c in candidates if c.is_file()), candidates[0])
        out.append(ScenarioDigest(s.id, str(found), s.sha256, s.root))
    return msgspec.structs.replace(m, scenarios=out)


def _lines(reader: IO[bytes]) -> Iterator[bytes]:
    """Newline-terminated lines of a byte stream, read in large chunks; a torn tail is yielded as is."""
    rest = b""
    while True:
        chunk = reader.read(_CHUNK)
        if not chunk:
            break
        data = rest + chunk
        end = data.rfind(b"\n") + 1
        if end:
            yield from data[:end].splitlines(keepends=True)
        rest = data[end:]
    if rest:
        yield rest


def _decode_lines(lines: Iterator[bytes] | IO[bytes]) -> Iterator[Trajectory]:
    for line in lines:
        if not line.endswith(b"\n"):
            break
        try:
            yield TRAJECTORY.decode(line)
        except msgspec.DecodeError:
            continue
