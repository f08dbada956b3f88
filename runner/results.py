"""A run's folder: manifest.json, trajectories.jsonl (appended and flushed per trial), summary.json."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import msgspec

from .records import ENCODER, MANIFEST, TRAJECTORY, Manifest, Trajectory
from .stats import Summary

TRAJECTORIES = "trajectories.jsonl"


def new_run_id(seed: int) -> str:
    now = dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%d-%H%M%S}-{os.getpid() % 10000:04d}-s{seed}"


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

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def write_summary(self, summary: Summary) -> None:
        (self.path / "summary.json").write_bytes(msgspec.json.format(ENCODER.encode(summary)))

    # -- reading ------------------------------------------------------------------------------
    def manifest(self) -> Manifest:
        return MANIFEST.decode((self.path / "manifest.json").read_bytes())

    def trajectories(self) -> Iterator[Trajectory]:
        """Every complete trajectory line; a torn last line (a killed writer) is skipped."""
        p = self.path / TRAJECTORIES
        if not p.exists():
            return
        with open(p, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break
                try:
                    yield TRAJECTORY.decode(line)
                except msgspec.DecodeError:
                    continue

    def repair(self) -> None:
        """Cut a torn last line so appends start on a fresh line."""
        p = self.path / TRAJECTORIES
        if not p.exists():
            return
        data = p.read_bytes()
        if data and not data.endswith(b"\n"):
            p.write_bytes(data[: data.rfind(b"\n") + 1])
