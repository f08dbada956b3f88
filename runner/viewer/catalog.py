"""The runs a viewer shows: the folders it was given, the runs folder, and the run history.

Runs are found again on every listing (a run that finishes while the viewer is open appears),
summaries are read once per change of their file, and a run with a summary that the history
does not know yet is recorded in it, so `dtu history` also covers runs made before it existed."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from ..history import Entry, History
from ..records import MANIFEST, Manifest
from ..replay import RunWorlds
from ..stats import Summary
from ..store_index import Store

_SUMMARY = msgspec.json.Decoder(Summary)


@dataclass
class Run:
    id: str
    path: Path
    manifest: Manifest
    _summary: tuple[float, Summary | None] = (-1.0, None)
    _store: tuple[tuple[int, int], Store | None] = ((-1, -1), None)
    _worlds: RunWorlds | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def summary(self) -> Summary | None:
        """The run's summary.json (None while a run without one is going)."""
        p = self.path / "summary.json"
        try:
            mtime = p.stat().st_mtime
        except OSError:
            return None
        if mtime != self._summary[0]:
            try:
                self._summary = (mtime, _SUMMARY.decode(p.read_bytes()))
            except (OSError, msgspec.DecodeError, msgspec.ValidationError):
                return None
        return self._summary[1]

    def store(self) -> Store:
        """The run's trajectories by index, opened again when the store grew."""
        sizes = tuple(_size(self.path / name) for name in ("trajectories.jsonl.zst", "trajectories.jsonl"))
        if sizes != self._store[0] or self._store[1] is None:
            self._store = ((sizes[0], sizes[1]), Store(self.path))
        store = self._store[1]
        assert store is not None
        return store

    def worlds(self) -> RunWorlds:
        if self._worlds is None:
            from ..results import resolve_scenarios

            self._worlds = RunWorlds(resolve_scenarios(self.manifest, self.path))
        return self._worlds


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return -1


def _is_run(p: Path) -> bool:
    return (p / "manifest.json").is_file()


class Catalog:
    def __init__(self, dirs: list[Path], runs_folder: Path, history: History) -> None:
        self.dirs = dirs
        self.runs_folder = runs_folder
        self.history = history
        self.runs: dict[str, Run] = {}
        self.missing: list[Entry] = []  # runs the history knows whose folders are gone

    def _folders(self) -> list[Path]:
        found: list[Path] = []
        roots = self.dirs or [self.runs_folder]
        for d in roots:
            if _is_run(d):
                found.append(d)
            elif d.is_dir():
                found += sorted(p for p in d.iterdir() if _is_run(p))
        found += [Path(e.path) for e in self.history.entries() if _is_run(Path(e.path))]  # runs recorded elsewhere
        unique: dict[Path, Path] = {}
        for f in found:
            unique.setdefault(f.resolve(), f)
        return list(unique.values())

    def refresh(self) -> list[Run]:
        """Every run, newest first; runs the history lacks are recorded in it."""
        seen: dict[str, Run] = {}
        for folder in self._folders():
            key = str(folder.resolve())
            run = next((r for r in self.runs.values() if str(r.path.resolve()) == key), None)
            if run is None:
                try:
                    m = MANIFEST.decode((folder / "manifest.json").read_bytes())
                except (OSError, msgspec.DecodeError, msgspec.ValidationError):
                    continue  # a folder being created, or not a run after all
                rid = m.run_id
                while rid in seen:  # two copies of one run
                    rid += "+"
                run = Run(rid, folder, m, labels=dict(m.labels))
            seen[run.id] = run
        self.runs = seen
        known = self.history.known()
        for run in seen.values():
            s = run.summary()
            if s is not None and run.manifest.run_id not in known:
                with contextlib.suppress(Exception):  # a history we cannot write: the viewer still shows the run
                    self.history.record(run.manifest, s, run.path)
        entries = self.history.entries()
        here = {r.manifest.run_id for r in seen.values()}
        self.missing = [e for e in entries if e.run_id not in here and not os.path.isdir(e.path)]
        return sorted(seen.values(), key=lambda r: (r.manifest.created, r.id), reverse=True)

    def run(self, rid: str) -> Run:
        if rid not in self.runs:
            self.refresh()
        return self.runs[rid]  # KeyError: the app answers 404
