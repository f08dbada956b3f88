"""Shared pieces of the vendor-schema tests (tests/twins/<twin>/test_schema.py) and the Node SDK
tests (tests/twins/<twin>/test_*_node.py).

- `library_calls(twin)`: every call the bundled library produces for a twin, with its answer:
  the scripted agent (each scenario's reference plan) and the noisy agent (skipped and corrupted
  steps, hence error answers) over every bundled scenario, 2 trials each, made once per session
  by a real `dtu run` and read back from its run folder.
- `Tally`: counts valid responses per operation, feeds docs/conformance.md
  (`conformance.record_schema`) and says which ones failed and why. An answer the vendor's schema
  has nothing to check against (a raw download, a body the spec shows only by example) is an
  `Unchecked` outcome (`tally.skip`): kept apart, never counted in the share.
- `check_library(tally, check)` / `check_sweep(tally, answers, check, ops)`: the two tests every
  spec-checked twin runs, given that twin's own `check` (op, status, body -> problems).
- `node_or_skip()` / `run_node(...)`: the `node` binary with tests/node/node_modules installed
  (a skip locally, a failure under CI), and one run of a script there that prints one JSON line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from dtu.twins.core import Call
from tests import conformance

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "tests" / "node"
MIN_VALID = 0.99  # the share of responses per twin that must match the vendor's schema


@cache
def _library() -> tuple[Call, ...]:
    from dtu.runner import cli
    from dtu.runner.results import RunDir

    with tempfile.TemporaryDirectory() as tmp:
        code = cli.main(["run", "--agent", "scripted", "--agent", "noisy", "--trials", "2", "--quiet",
                         "--out", tmp, "--history", os.path.join(tmp, "h.sqlite"), "--max-errored", "1"])
        assert code in (0, 1), f"dtu run over the bundled library exited {code}"
        (run,) = Path(tmp).glob("*/")
        return tuple(c for t in RunDir(run).trajectories() for c in t.calls)


def library_calls(twin: str) -> list[Call]:
    """Every call the bundled library makes to `twin` (scripted and noisy agents, 2 trials each),
    people's included; not what no operation answers (a person's click, an event delivery)."""
    from dtu.twins.registry import TWINS

    ops = TWINS[twin].ops.ops
    return [c for c in _library() if c.twin == twin and c.op in ops]


@dataclass(frozen=True)
class Unchecked:
    """A check's outcome when the vendor's schema has nothing to check the answer against (raw
    bytes, a body shown only by example): neither valid nor invalid, and not in the share."""

    why: str


class Tally:
    """Valid / checked responses per operation of one twin; failures kept with their reasons;
    unchecked answers counted apart, with why."""

    def __init__(self, twin: str) -> None:
        self.twin = twin
        self.valid: dict[str, int] = defaultdict(int)
        self.checked: dict[str, int] = defaultdict(int)
        self.unchecked: dict[str, int] = defaultdict(int)
        self.failures: list[str] = []
        self.skipped: dict[str, set[str]] = defaultdict(set)  # op -> why

    def add(self, op: str, problems: list[str], where: str = "") -> None:
        """One response of `op` checked against the schema: `problems` is empty when it validated."""
        self.checked[op] += 1
        ok = not problems
        self.valid[op] += ok
        conformance.record_schema(self.twin, op, ok)
        if not ok:
            self.failures.append(f"{op}{f' ({where})' if where else ''}: " + "; ".join(problems[:3]))

    def skip(self, op: str, why: str) -> None:
        """One response of `op` that nothing was checked against: not in the share, "n/a" in the matrix."""
        self.unchecked[op] += 1
        self.skipped[op].add(why)
        conformance.record_schema(self.twin, op, None)

    def record(self, op: str, outcome: list[str] | Unchecked, where: str = "") -> None:
        """A check's outcome: problems (`add`) or `Unchecked` (`skip`)."""
        if isinstance(outcome, Unchecked):
            self.skip(op, outcome.why)
        else:
            self.add(op, outcome, where)

    @property
    def share(self) -> float:
        total = sum(self.checked.values())
        return sum(self.valid.values()) / total if total else 0.0

    def assert_share(self, minimum: float = MIN_VALID) -> None:
        total = sum(self.checked.values())
        assert total, f"{self.twin}: no response was checked"
        assert self.share >= minimum, (
            f"{self.twin}: {self.share:.1%} of {total} responses match the vendor schema (need {minimum:.0%}); "
            f"first failures:\n  " + "\n  ".join(self.failures[:20]))


Check = Callable[[str, int, Any], "list[str] | Unchecked | None"]
"""A twin's schema check of one answer (operation, status, body): its problems (empty when it
validates); `Unchecked(why)` when the vendor's schema documents the answer but gives nothing to
check it against; None when the operation is not in the vendor's schema at all."""


def check_library(tally: Tally, check: Check) -> None:
    """Every call the bundled library made to the tally's twin, checked and counted; then the share."""
    calls = library_calls(tally.twin)
    assert calls, f"the bundled library made no {tally.twin} call"
    for c in calls:
        got = check(c.op, c.status, c.body)
        if got is not None:
            tally.record(c.op, got, "library")
    tally.assert_share()


def check_sweep(tally: Tally, answers: Iterable[tuple[str, int, Any]], check: Check, ops: Iterable[str], *,
                ok: Callable[[Any], bool] | None = None, every_answer_checked: bool = True) -> None:
    """A sweep's answers (operation, status, body) checked and counted, then the share. Each of `ops`
    must have answered at least one success and one error (a success: status < 400, or `ok(body)`
    when given). With `every_answer_checked`, an answer `check` has no schema for fails the test."""
    succeeded: set[str] = set()
    failed: set[str] = set()
    for op, status, body in answers:
        (succeeded if (ok(body) if ok is not None else status < 400) else failed).add(op)
        got = check(op, status, body)
        if got is None:
            assert not every_answer_checked, f"{op} ({status}): the spec has no response to check it against"
            continue
        tally.record(op, got, f"sweep {status}")
    names = set(ops)
    assert names - succeeded == set(), "operations the sweep never saw succeed"
    assert names - failed == set(), "operations the sweep never saw fail"
    tally.assert_share()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def node_or_skip(package: str) -> str:
    """The `node` binary, once `package` is installed in tests/node; a skip locally, a failure in CI."""
    path = shutil.which("node")
    why = None
    if path is None:
        why = "`node` is not on PATH"
    elif not (NODE_DIR / "node_modules" / package / "package.json").is_file():
        why = f"tests/node/node_modules/{package} is absent: run `(cd tests/node && npm ci)`"
    if why is not None:
        if _in_ci():
            pytest.fail(f"CI is set but the Node SDK {package} cannot run: {why}")
        pytest.skip(f"Node SDK {package} not installed: {why}")
    assert path is not None
    return path


def run_node(node: str, script: str, env: dict[str, str], args: list[str] | None = None,
             timeout: float = 60) -> Any:
    """Run tests/node/<script> with `env` added; its last stdout line, parsed as JSON. A non-zero
    exit or no output fails the test with the script's stderr."""
    full = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", **env)
    proc = subprocess.run([node, str(NODE_DIR / script), *(args or [])], cwd=NODE_DIR, env=full,
                          capture_output=True, text=True, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0 and lines, f"{script} exited {proc.returncode}; stderr:\n{proc.stderr[-4000:]}"
    return json.loads(lines[-1])
