"""JUnit XML: one testsuite per agent, one testcase per scenario.

A testcase fails when its satisfaction is below the threshold (1.0 unless --min-satisfaction
says otherwise); the failure text names the failing checks and the unsatisfied trajectories
(agent/scenario/trial), and every testcase carries its satisfaction and interval as properties."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from .stats import ScenarioStats, Summary

Failing = Mapping[tuple[str, str], list[int]]  # (agent, scenario) -> unsatisfied trial numbers


def failure_text(s: ScenarioStats, failing: list[int], limit: int = 20) -> str:
    lines = [f"satisfaction {s.satisfaction:.3f} ({s.satisfied}/{s.trials}), "
             f"95% CI [{s.ci_low:.3f}, {s.ci_high:.3f}]"]
    if s.failed_checks:
        lines.append("failed checks: " + ", ".join(
            f"{cid} ({n}/{s.trials})" for cid, n in sorted(s.failed_checks.items(), key=lambda kv: (-kv[1], kv[0]))))
    if s.errored:
        lines.append(f"errored trials: {s.errored}")
    if failing:
        ids = [f"{s.agent}/{s.scenario}/{k}" for k in failing[:limit]]
        more = f" and {len(failing) - limit} more" if len(failing) > limit else ""
        lines.append("unsatisfied trajectories: " + ", ".join(ids) + more)
        lines.append(f"inspect one: dtu show RUN --agent {s.agent} --scenario {s.scenario} --trial {failing[0]}")
    return "\n".join(lines)


def junit_xml(summary: Summary, failing: Failing, threshold: float = 1.0) -> bytes:
    root = ET.Element("testsuites", name=f"dtu {summary.run_id}")
    for a in summary.agents:
        mine = summary.for_agent(a.agent)
        bad = [s for s in mine if s.satisfaction < threshold]
        suite = ET.SubElement(root, "testsuite", name=f"dtu.{a.agent}", tests=str(len(mine)),
                              failures=str(len(bad)), errors="0", skipped="0")
        props = ET.SubElement(suite, "properties")
        for k, v in (("satisfaction", a.satisfaction), ("ci_low", a.ci_low), ("ci_high", a.ci_high),
                     ("interval", a.interval), ("trials", a.trials), ("errored", a.errored), ("model", a.model),
                     ("sandbox", a.sandbox), *(("note", n) for n in a.notes)):
            ET.SubElement(props, "property", name=k, value=f"{v:.6g}" if isinstance(v, float) else str(v))
        for s in mine:
            case = ET.SubElement(suite, "testcase", name=s.scenario, classname=f"dtu.{a.agent}")
            cp = ET.SubElement(case, "properties")
            for k, v in (("satisfaction", s.satisfaction), ("ci_low", s.ci_low), ("ci_high", s.ci_high),
                         ("satisfied", s.satisfied), ("trials", s.trials), ("errored", s.errored),
                         ("mean_score", s.mean_score)):
                ET.SubElement(cp, "property", name=k, value=f"{v:.6g}" if isinstance(v, float) else str(v))
            if s.satisfaction < threshold:
                f = ET.SubElement(case, "failure", type="unsatisfied",
                                  message=f"satisfaction {s.satisfaction:.3f} < {threshold:g}")
                f.text = failure_text(s, failing.get((s.agent, s.scenario), []))
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"
