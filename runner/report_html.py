"""A self-contained HTML report: one file, inline CSS/JS/data, no network.

Satisfaction per scenario with interval bars, pass^k curves (inline SVG), A/B deltas when the
run has several agents, and a trajectory viewer (each call, its arguments, the response, the
checks). The page is runner/templates/report.html with the run's data injected as JSON."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec

from .compare import Comparison
from .records import Manifest, Trajectory
from .stats import Summary

TEMPLATE = Path(__file__).resolve().parent / "templates" / "report.html"
MARK = "__DTU_DATA__"
PER_SCENARIO_UNSATISFIED = 3
PER_SCENARIO_SATISFIED = 1
MAX_TRAJECTORIES = 1000
SHORT = 600  # characters of a call's arguments or response kept in the report (`dtu view` has them whole)
_ENC = msgspec.json.Encoder()


def pick(trajectories: Iterable[Trajectory]) -> tuple[list[Trajectory], int]:
    """The trajectories worth showing (unsatisfied ones first, a few satisfied ones), and the total."""
    bad: dict[tuple[str, str], list[Trajectory]] = defaultdict(list)
    good: dict[tuple[str, str], list[Trajectory]] = defaultdict(list)
    total = 0
    for t in trajectories:
        total += 1
        key = (t.agent, t.scenario)
        if not t.satisfied and len(bad[key]) < PER_SCENARIO_UNSATISFIED:
            bad[key].append(t)
        elif t.satisfied and len(good[key]) < PER_SCENARIO_SATISFIED:
            good[key].append(t)
    ranked: list[tuple[int, tuple[str, str], Trajectory]] = []
    for key in set(bad) | set(good):
        group = sorted(bad.get(key, []), key=lambda t: t.trial) + sorted(good.get(key, []), key=lambda t: t.trial)
        ranked += [(rank, key, t) for rank, t in enumerate(group)]
    # Over the cap, every scenario keeps its first trajectories rather than the first scenarios all of theirs.
    ranked.sort(key=lambda r: (r[0], r[1]))
    kept = sorted(ranked[:MAX_TRAJECTORIES], key=lambda r: (r[1], r[0]))
    return [t for _, _, t in kept], total


def _short(x: Any) -> Any:
    text = _ENC.encode(x).decode()
    if len(text) <= SHORT:
        return x
    return {"_shortened": f"{text[:SHORT]}… ({len(text):,} characters; `dtu view` shows it whole)"}


def shorten(t: Trajectory) -> Trajectory:
    """The trajectory with long call payloads cut (a Docs document, a users.list page), which
    would otherwise make most of the report's weight."""
    calls = [msgspec.structs.replace(c, args=_short(c.args), body=_short(c.answer)) for c in t.calls]
    return msgspec.structs.replace(t, calls=calls)


def render(summary: Summary, trajectories: Iterable[Trajectory], manifest: Manifest | None = None,
           comparisons: list[Comparison] | None = None) -> str:
    shown, total = pick(trajectories)
    shown = [shorten(t) for t in shown]
    data: dict[str, Any] = {
        "summary": summary,
        "manifest": {"run_id": manifest.run_id, "dtu_version": manifest.dtu_version, "seed": manifest.seed,
                     "trials": manifest.trials, "agents": manifest.agents} if manifest else None,
        "comparisons": comparisons or [],
        "trajectories": shown,
        "trajectory_count": total,
    }
    payload = msgspec.json.encode(data).decode()
    # Inside <script>, "</" could close the element and "<!--" open a comment: escape both.
    payload = payload.replace("</", "<\\/").replace("<!--", "<\\u0021--")
    return TEMPLATE.read_text(encoding="utf-8").replace(MARK, payload, 1)
