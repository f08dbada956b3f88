"""`dtu run` as a CI gate: the baseline a run is judged against, and its exit code.

Exit codes (when several apply, the highest in this list wins):

  130  interrupted: the run stopped early (Ctrl-C, SIGTERM); the run folder is resumable
    2  could not judge: every trial errored, more errored trials than --max-errored allows, no
       scenario in common with the baseline run, or bad input (usage errors, DtuError)
    1  regressed: a significant regression against the baseline (as `dtu compare` judges it),
       or satisfaction below --min-satisfaction
    0  passed

An interrupted run is not judged at all. "Could not judge" wins over "regressed": when too many
trials errored (a missing key, a sandbox that cannot start, timeouts), the satisfaction figures
measure the set-up rather than the agent, and a regression found in them is not one to trust."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

from .compare import Comparison, compare, within
from .errors import DtuError
from .records import Trajectory
from .stats import Summary

EXIT_PASSED = 0
EXIT_REGRESSED = 1
EXIT_UNJUDGED = 2
EXIT_INTERRUPTED = 130
MAX_ERRORED = 0.1

EPILOG = """exit codes (when several apply, the highest listed here wins):
  130  interrupted (Ctrl-C, SIGTERM): the partial run is resumable with
       `dtu run --resume RUN_DIR`
  2    could not judge: every trial errored, errored trials above --max-errored,
       no scenario in common with the --baseline run, or bad input or usage
  1    regressed: a significant regression against the baseline (as `dtu compare`
       judges it), or satisfaction below --min-satisfaction
  0    passed"""


class Baseline(msgspec.Struct, frozen=True):
    """What a run is compared with: one of its own agents, or the agent(s) of an earlier run."""

    agent: str | None = None
    run: str | None = None  # an earlier run's folder


class Verdict(msgspec.Struct):
    code: int
    reasons: list[str] = []


def parse_baseline(value: str, names: Sequence[str]) -> Baseline:
    """`--baseline`: an agent of this run (by name), else an earlier run's folder."""
    if value in names:
        return Baseline(agent=value)
    if (Path(value) / "manifest.json").is_file():
        return Baseline(run=value)
    if os.sep in value or "/" in value or Path(value).exists():
        raise DtuError(f"--baseline {value}: not a run folder (no manifest.json there); "
                       "pass a folder under runs/, e.g. --baseline runs/<run id>")
    raise DtuError(f"--baseline {value}: not an agent of this run (agents: {', '.join(names)}) "
                   "nor a run folder; pass an agent name or runs/<run id>")


def default_baseline(names: Sequence[str]) -> Baseline | None:
    """With two or more agents and no --baseline, the first agent is the baseline."""
    return Baseline(agent=names[0]) if len(names) > 1 else None


def comparisons(summary: Summary, baseline: Baseline | None, alpha: float = 0.05) -> list[Comparison]:
    """This run's agents against the baseline: its own agent (every other agent compared with
    it), or an earlier run (each agent compared with the earlier run's agent of the same name,
    else its first agent) over the scenarios both ran."""
    if baseline is None:
        return []
    if baseline.agent is not None:
        return within(summary, baseline.agent, alpha)
    assert baseline.run is not None
    from .report_files import load_summary, open_run

    rd = open_run(baseline.run)
    base = load_summary(rd)
    names = [a.agent for a in base.agents]
    if not names:
        raise DtuError(f"--baseline {baseline.run}: that run has no finished trial to compare with")
    first = _first_agent(rd.manifest().agents, names)
    out = []
    for a in summary.agents:
        theirs = a.agent if a.agent in names else first
        out.append(compare(base.for_agent(theirs), summary.for_agent(a.agent), alpha,
                           f"{base.run_id}:{theirs}", f"{summary.run_id}:{a.agent}",
                           summary.resamples, summary.bootstrap_seed))
    return out


def _first_agent(specs: Sequence[str], names: Sequence[str]) -> str:
    from .compare import baseline_of

    return baseline_of(specs, names) or names[0]


def common_scenarios(c: Comparison) -> int:
    return len(c.scenarios)


def errors_of(trajectories: Iterable[Trajectory]) -> Counter[str]:
    """How many trials ended with each error message."""
    return Counter(t.error for t in trajectories if t.error is not None)


def verdict(summary: Summary, comparisons: Sequence[Comparison], *, interrupted: bool = False,
            min_satisfaction: float | None = None, max_errored: float = MAX_ERRORED,
            errors: Counter[str] | None = None, baseline: Baseline | None = None) -> Verdict:
    """The exit code of a run and every reason for it (all that apply, the deciding one first)."""
    if interrupted:
        return Verdict(EXIT_INTERRUPTED, ["the run was interrupted; its trials were not judged"])
    unjudged: list[str] = []
    regressed: list[str] = []
    trials = sum(a.trials for a in summary.agents)
    errored = sum(a.errored for a in summary.agents)
    common = errors.most_common(1)[0] if errors else None
    most = f"; most common error ({common[1]}x): {common[0]}" if common else ""
    if trials == 0:
        unjudged.append("no trial finished")
    elif errored == trials:
        unjudged.append(f"every trial errored ({errored} of {trials}){most}")
    elif errored / trials > max_errored:
        unjudged.append(f"{errored} of {trials} trials errored ({errored / trials:.1%}), above --max-errored "
                        f"{max_errored:g}{most}")
    for c in comparisons:
        if baseline is not None and baseline.run is not None and common_scenarios(c) == 0:
            unjudged.append(f"{c.b} has no scenario in common with the baseline {c.a} (baseline ran "
                            f"{_few(c.only_a)}; this run ran {_few(c.only_b)})")
        elif c.significant_regression:
            regressed.append(f"{c.b} regressed against {c.a} (baseline): mean satisfaction {c.a_mean:.3f} -> "
                             f"{c.b_mean:.3f}" + (f"; regressions: {_few(c.regressions)}" if c.regressions else ""))
    if min_satisfaction is not None:
        for a in summary.agents:
            if a.satisfaction < min_satisfaction:
                regressed.append(f"{a.agent}: satisfaction {a.satisfaction:.3f} is below --min-satisfaction "
                                 f"{min_satisfaction:g}")
    if unjudged:
        return Verdict(EXIT_UNJUDGED, unjudged + regressed)
    if regressed:
        return Verdict(EXIT_REGRESSED, regressed)
    return Verdict(EXIT_PASSED)


def _few(ids: Sequence[str], limit: int = 5) -> str:
    if not ids:
        return "none"
    return ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
