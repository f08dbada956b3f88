"""Holdout sealing: a lock file of scenario digests that a run can insist on."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import msgspec

from .errors import DtuError
from .scenario import Loaded, set_digest


class Lock(msgspec.Struct):
    """scenarios.lock: a digest per scenario (sha256 of its file) and one for the set."""

    set: str
    scenarios: dict[str, str]
    version: int = 1


def make_lock(loaded: Iterable[Loaded]) -> Lock:
    items = list(loaded)
    return Lock(set=set_digest(items), scenarios={ld.id: ld.digest for ld in sorted(items, key=lambda x: x.id)})


def write_lock(lock: Lock, path: str | os.PathLike[str]) -> None:
    Path(path).write_bytes(msgspec.json.format(msgspec.json.encode(lock)) + b"\n")


def read_lock(path: str | os.PathLike[str]) -> Lock:
    try:
        return msgspec.json.decode(Path(path).read_bytes(), type=Lock)
    except OSError as e:
        raise DtuError(f"--lock {path}: cannot read: {e.strerror}") from None
    except msgspec.DecodeError as e:
        raise DtuError(f"--lock {path}: not a dtu lock file: {e}") from None


def verify(lock: Lock, loaded: Iterable[Loaded], path: str = "scenarios.lock") -> None:
    """Refuse a scenario set that differs from the lock, naming what changed."""
    have = {ld.id: ld.digest for ld in loaded}
    changed = sorted(k for k in have.keys() & lock.scenarios.keys() if have[k] != lock.scenarios[k])
    added = sorted(have.keys() - lock.scenarios.keys())
    missing = sorted(lock.scenarios.keys() - have.keys())
    if changed or added or missing:
        parts = [f"{name}: {', '.join(ids)}" for name, ids in
                 (("changed", changed), ("not in the lock", added), ("missing", missing)) if ids]
        raise DtuError(f"the scenario set differs from {path} ({'; '.join(parts)}); "
                       "re-seal with `dtu seal` if the change is intended")
