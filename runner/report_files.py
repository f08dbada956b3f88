"""Writing a run's reports into its folder: summary.json, junit.xml, report.html, and the
GitHub Actions step summary when GITHUB_STEP_SUMMARY is set."""

from __future__ import annotations

from collections import defaultdict

from .compare import Comparison, within
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


def failing(trajectories: list[Trajectory]) -> dict[tuple[str, str], list[int]]:
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    for t in trajectories:
        if not t.satisfied:
            out[(t.agent, t.scenario)].append(t.trial)
    for v in out.values():
        v.sort()
    return dict(out)


def write_reports(rd: RunDir, summary: Summary | None = None, threshold: float = 1.0,
                  tags: dict[str, list[str]] | None = None, step_summary: bool = True) -> Summary:
    """Write every report of a run from its records (computing the summary unless given)."""
    manifest: Manifest = rd.manifest()
    trajectories = list(rd.trajectories())
    if summary is None:
        expected = len(manifest.agents) * len(manifest.scenarios) * manifest.trials
        summary = summarize(manifest.run_id, trajectories, tags if tags is not None else tags_of(rd),
                            complete=len(trajectories) >= expected)
    comparisons: list[Comparison] = within(summary)
    rd.write_summary(summary)
    (rd.path / JUNIT).write_bytes(junit_xml(summary, failing(trajectories), threshold))
    (rd.path / HTML).write_text(render(summary, trajectories, manifest, comparisons), encoding="utf-8")
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


def open_run(path: str) -> RunDir:
    from .errors import DtuError

    rd = RunDir(path)
    if not (rd.path / "manifest.json").exists():
        raise DtuError(f"{path}: not a run folder (no manifest.json); pass a folder under runs/")
    return rd
