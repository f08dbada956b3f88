"""Writing a run's reports into its folder: summary.json, junit.xml, report.html, and the
GitHub Actions step summary when GITHUB_STEP_SUMMARY is set."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from .compare import Comparison, baseline_of, within
from .records import Manifest, Trajectory
from .report_html import render
from .report_junit import junit_xml
from .report_md import write_step_summary
from .results import RunDir
from .stats import Summary, summarize

JUNIT = "junit.xml"
HTML = "report.html"


def tags_of(rd: RunDir) -> dict[str, list[str]]:
    """Scenario tags, read back from the scenario files the manifest names (missing files: none)."""
    from .scenario import load_file

    out: dict[str, list[str]] = {}
    for s in rd.manifest().scenarios:
        try:
            out[s.id] = load_file(s.path).scenario.tags
        except Exception:
            out[s.id] = []
    return out


def _tee(trajectories: Iterable[Trajectory], failed: dict[tuple[str, str], list[int]]) -> Iterator[Trajectory]:
    """Pass trajectories through, noting the unsatisfied ones' trial numbers on the way."""
    for t in trajectories:
        if not t.satisfied:
            failed.setdefault((t.agent, t.scenario), []).append(t.trial)
        yield t


def comparisons_for(rd: RunDir, summary: Summary, baseline: str | None = None,
                    alpha: float = 0.05) -> list[Comparison]:
    """A run's agents against its baseline: the one named, else the run's first `--agent`."""
    names = [a.agent for a in summary.agents]
    return within(summary, baseline or baseline_of(rd.manifest().agents, names), alpha)


def write_reports(rd: RunDir, summary: Summary | None = None, threshold: float = 1.0,
                  tags: dict[str, list[str]] | None = None, step_summary: bool = True) -> Summary:
    """Write every report of a run from its records (computing the summary unless given).

    With several agents, each is compared with the run's first `--agent`."""
    manifest: Manifest = rd.manifest()
    if summary is None:
        expected = len(manifest.agents) * len(manifest.scenarios) * manifest.trials
        summary = summarize(manifest.run_id, rd.trajectories(), tags if tags is not None else tags_of(rd))
        summary.complete = sum(s.trials for s in summary.scenarios) >= expected
    comparisons = comparisons_for(rd, summary)
    rd.write_summary(summary)
    failed: dict[tuple[str, str], list[int]] = {}
    # One streaming pass over the records for both files: memory does not grow with the run.
    html = render(summary, _tee(rd.trajectories(), failed), manifest, comparisons)
    for v in failed.values():
        v.sort()
    (rd.path / JUNIT).write_bytes(junit_xml(summary, failed, threshold))
    (rd.path / HTML).write_text(html, encoding="utf-8")
    if step_summary:
        write_step_summary(summary, comparisons)
    return summary


def load_summary(rd: RunDir) -> Summary:
    """A run's summary.json, or its statistics computed afresh from its trajectories."""
    import msgspec

    from .stats import SUMMARY

    p = rd.path / "summary.json"
    if p.exists():
        try:
            return SUMMARY.decode(p.read_bytes())
        except msgspec.DecodeError:
            pass
    m = rd.manifest()
    return summarize(m.run_id, rd.trajectories(), tags_of(rd))


LATEST = "latest"


def open_run(path: str) -> RunDir:
    """The run folder at `path`; `<folder>/latest` (unless such a folder exists) names the newest
    run in <folder>, so `runs/latest` is the last `dtu run`."""
    from .errors import DtuError

    p = Path(path)
    if p.name == LATEST and not p.exists():
        runs = [d for d in p.parent.glob("*") if (d / "manifest.json").is_file()]
        if not runs:
            raise DtuError(f"{path}: no run under {p.parent}/ yet (`dtu run` writes one there)")
        p = max(runs, key=lambda d: ((d / "manifest.json").stat().st_mtime, d.name))
    rd = RunDir(p)
    if not (rd.path / "manifest.json").exists():
        raise DtuError(f"{path}: not a run folder (no manifest.json); pass a folder under runs/")
    return rd
