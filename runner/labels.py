"""Version labels: which version of each agent a run measured, for the run history.

`--label LABEL` labels every agent of the run; `--label AGENT=LABEL` one of them. Otherwise the
label is found from the agent's program: `git describe --tags --always --dirty` of the
repository holding it (a command or MCP agent's program file, or a plugin's module), else the
program file's sha256 (first 12 hex digits), else dtu's own version for agents that ship with
dtu outside a repository."""

from __future__ import annotations

import hashlib
import inspect
import os
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import DtuError


def parse(values: Sequence[str], names: Sequence[str]) -> dict[str, str]:
    """`--label` values as {agent: label}; a bare label applies to every agent."""
    out: dict[str, str] = {}
    for v in values:
        agent, sep, label = v.partition("=")
        if sep and agent in names:
            if not label.strip():
                raise DtuError(f"--label {v}: the label is empty")
            out[agent] = label.strip()
            continue
        if not v.strip():
            raise DtuError("--label: the label is empty")
        for n in names:
            out.setdefault(n, v.strip())
    return out


def program_files(agent: Any) -> list[Path]:
    """The files an agent's code lives in: a program agent's script or executable, else its class's module."""
    cmd = getattr(agent, "cmd", None)
    if isinstance(cmd, str):
        try:
            words = shlex.split(cmd)
        except ValueError:
            words = cmd.split()
        files = [Path(w) for w in words if not w.startswith("-") and os.path.isfile(w)]
        if files:
            return [files[-1]] if len(files) > 1 and os.access(files[0], os.X_OK) else files[:1]
        return []
    try:
        return [Path(inspect.getfile(type(agent)))]
    except (TypeError, OSError):
        return []


def _git(folder: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(folder), "describe", "--tags", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def found(agent: Any) -> str:
    """A label for an agent nobody labelled ("" when nothing identifies its version)."""
    files = program_files(agent)
    if not files:
        return ""
    f = files[0].resolve()
    described = _git(f.parent)
    if described is not None:
        return described
    if f.is_relative_to(Path(__file__).resolve().parents[1]):
        return f"dtu {__version__}"
    try:
        return "sha256:" + hashlib.sha256(f.read_bytes()).hexdigest()[:12]
    except OSError:
        return ""


def labels(values: Sequence[str], agents: Sequence[Any]) -> dict[str, str]:
    """Every agent's label: given with --label, else found."""
    names = [a.name for a in agents]
    given = parse(values, names)
    return {a.name: given.get(a.name) or found(a) for a in agents}
