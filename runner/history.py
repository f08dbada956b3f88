"""The run history: every `dtu run` records its summary in a SQLite store, so satisfaction can be
followed across agent versions (`dtu history`, `dtu view`).

The store is `<runs folder>/history.sqlite` unless `--history` (or DTU_HISTORY) names a file or
a `sqlite:///path` URL. One row per (run, agent) with its version label, interval and labels;
one per (run, agent, tag) and per (run, agent, scenario). Recording the same run again (a
resume, a re-score, a viewer that found a run the store did not know) replaces its rows."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import msgspec

from .errors import DtuError
from .records import Manifest
from .results import RunDir
from .stats import Summary

FILE = "history.sqlite"
ENV = "DTU_HISTORY"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT NOT NULL, agent TEXT NOT NULL, label TEXT NOT NULL, created TEXT NOT NULL,
    path TEXT NOT NULL, dtu_version TEXT NOT NULL, scenario_set TEXT NOT NULL, complete INTEGER NOT NULL,
    scenarios INTEGER NOT NULL, trials INTEGER NOT NULL, satisfied INTEGER NOT NULL, errored INTEGER NOT NULL,
    satisfaction REAL NOT NULL, ci_low REAL NOT NULL, ci_high REAL NOT NULL, interval TEXT NOT NULL,
    model TEXT NOT NULL, sandbox TEXT NOT NULL,
    PRIMARY KEY (run_id, agent));
CREATE TABLE IF NOT EXISTS tags (
    run_id TEXT NOT NULL, agent TEXT NOT NULL, tag TEXT NOT NULL, scenarios INTEGER NOT NULL,
    trials INTEGER NOT NULL, satisfaction REAL NOT NULL, ci_low REAL NOT NULL, ci_high REAL NOT NULL,
    PRIMARY KEY (run_id, agent, tag));
CREATE TABLE IF NOT EXISTS scenarios (
    run_id TEXT NOT NULL, agent TEXT NOT NULL, scenario TEXT NOT NULL, trials INTEGER NOT NULL,
    satisfied INTEGER NOT NULL, errored INTEGER NOT NULL,
    PRIMARY KEY (run_id, agent, scenario));
CREATE INDEX IF NOT EXISTS runs_by_agent ON runs (agent, created);
"""


class Entry(msgspec.Struct):
    """One agent of one run, as the history holds it."""

    run_id: str
    agent: str
    label: str
    created: str
    path: str
    dtu_version: str
    scenario_set: str
    complete: bool
    scenarios: int
    trials: int
    satisfied: int
    errored: int
    satisfaction: float
    ci_low: float
    ci_high: float
    interval: str
    model: str
    sandbox: str


class TagPoint(msgspec.Struct):
    run_id: str
    agent: str
    tag: str
    scenarios: int
    trials: int
    satisfaction: float
    ci_low: float
    ci_high: float


def location(value: str | None, out: str | os.PathLike[str] = "runs") -> Path:
    """The store's file: `value` (a path or a sqlite:///path URL), else DTU_HISTORY, else
    <out>/history.sqlite. Other database URLs are refused with a clear error."""
    value = value or os.environ.get(ENV) or None
    if value is None:
        return Path(out) / FILE
    if "://" in value:
        scheme, _, rest = value.partition("://")
        if scheme != "sqlite":
            raise DtuError(f"history {value!r}: only SQLite is supported; give a file path or sqlite:///path")
        # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy writes them
        return Path(rest[1:] if rest.startswith("/") else rest)
    return Path(value)


class History:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @contextmanager
    def _db(self, write: bool) -> Iterator[sqlite3.Connection]:
        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            con = sqlite3.connect(":memory:")  # nothing recorded yet: an empty store
            con.executescript(_SCHEMA)
            yield con
            con.close()
            return
        try:
            con = sqlite3.connect(self.path, timeout=30)
        except sqlite3.Error as e:
            raise DtuError(f"history {self.path}: {e}") from None
        try:
            con.executescript(_SCHEMA)
            with con:
                yield con
        except sqlite3.DatabaseError as e:
            raise DtuError(f"history {self.path}: {e} (move the file aside to start a new history)") from None
        finally:
            con.close()

    def record(self, manifest: Manifest, summary: Summary, run_path: str | os.PathLike[str]) -> None:
        """Record (or record again) every agent of a run."""
        path = os.path.abspath(run_path)
        labels = manifest.labels
        with self._db(write=True) as con:
            for table in ("runs", "tags", "scenarios"):
                con.execute(f"DELETE FROM {table} WHERE run_id = ?", (summary.run_id,))
            for a in summary.agents:
                con.execute("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (
                    summary.run_id, a.agent, labels.get(a.agent, ""), manifest.created, path, manifest.dtu_version,
                    manifest.scenario_set, int(summary.complete), a.scenarios, a.trials, a.satisfied, a.errored,
                    a.satisfaction, a.ci_low, a.ci_high, a.interval, a.model, a.sandbox))
                con.executemany("INSERT INTO tags VALUES (?,?,?,?,?,?,?,?)", [
                    (summary.run_id, a.agent, t.tag, t.scenarios, t.trials, t.satisfaction, t.ci_low, t.ci_high)
                    for t in a.by_tag])
            con.executemany("INSERT INTO scenarios VALUES (?,?,?,?,?,?)", [
                (summary.run_id, s.agent, s.scenario, s.trials, s.satisfied, s.errored) for s in summary.scenarios])

    def entries(self, agents: Sequence[str] = ()) -> list[Entry]:
        """Every recorded (run, agent), oldest first; only `agents` when given."""
        sql = "SELECT * FROM runs"
        params: tuple[str, ...] = ()
        if agents:
            sql += f" WHERE agent IN ({','.join('?' * len(agents))})"
            params = tuple(agents)
        with self._db(write=False) as con:
            rows = con.execute(sql + " ORDER BY created, run_id, agent", params).fetchall()
        return [Entry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), *r[8:]) for r in rows]

    def tags(self, agents: Sequence[str] = (), tags: Sequence[str] = ()) -> list[TagPoint]:
        sql = "SELECT t.* FROM tags t JOIN runs r USING (run_id, agent) WHERE 1=1"
        params: list[str] = []
        for col, vals in (("t.agent", agents), ("t.tag", tags)):
            if vals:
                sql += f" AND {col} IN ({','.join('?' * len(vals))})"
                params += vals
        with self._db(write=False) as con:
            rows = con.execute(sql + " ORDER BY r.created, t.run_id, t.agent, t.tag", params).fetchall()
        return [TagPoint(*r) for r in rows]

    def known(self) -> set[str]:
        with self._db(write=False) as con:
            return {r[0] for r in con.execute("SELECT DISTINCT run_id FROM runs")}


def add_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--history", default=None, metavar="PATH|sqlite:///PATH",
                   help=f"the run history store (default ${ENV}, else history.sqlite in the runs folder)")


def record_run(value: str | None, rd: RunDir, summary: Summary) -> None:
    """Record a finished (or interrupted) run in the history next to it; a store that cannot be
    written costs a warning, never the run."""
    try:
        History(location(value, rd.path.parent)).record(rd.manifest(resolved=False), summary, rd.path)
    except (DtuError, OSError, sqlite3.Error) as e:
        print(f"dtu: warning: the run is not in the history: {e}", file=sys.stderr)
