"""A pytest plugin: `pytest --dtu PATH --dtu-agent NAME` runs each scenario as a test item.

Each item runs `--dtu-trials` trials of the agent on its scenario (each in a fresh world) and
fails when the satisfaction is below `--dtu-min` (default 1.0), naming the failing checks and
trials. Registered as the `dtu` pytest11 entry point; it does nothing without `--dtu`.

`--dtu PATH` and `--dtu=PATH` alike take PATH as the option's value. Given `--dtu` and no test
paths of its own, pytest runs exactly those scenarios (not its `testpaths` or the current
folder); with test paths (`pytest tests/x.py --dtu scenarios/`) it runs both. A scenario file
that does not load stops the session with its file, line and field (exit status 4)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the plugin loads in every pytest session: import dtu itself only when --dtu is given
    from .records import Trajectory
    from .scenario import Loaded


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dtu", "dtu scenarios as tests")
    group.addoption("--dtu", action="append", default=[], metavar="PATH",
                    help="run the scenarios under PATH (file or folder; repeatable) as test items")
    group.addoption("--dtu-agent", default="scripted", metavar="SPEC", help="agent spec (default: scripted)")
    group.addoption("--dtu-trials", type=int, default=5, metavar="N", help="trials per scenario (default 5)")
    group.addoption("--dtu-min", type=float, default=1.0, metavar="X",
                    help="an item fails when its satisfaction is below X (default 1.0)")
    group.addoption("--dtu-seed", type=int, default=0, metavar="SEED", help="run seed (default 0)")
    group.addoption("--dtu-timeout", type=float, default=300.0, metavar="S", help="seconds per trial")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("dtu", default=[]) and config.args_source != pytest.Config.ArgsSource.ARGS:
        # pytest would otherwise collect its `testpaths` (or the invocation folder) as well
        config.args = []


class ScenarioFailed(Exception):
    """A scenario's satisfaction was below the threshold."""


class ScenarioFile(pytest.File):
    """A scenario file, as the parent of its item (so node ids read `path/to/file.yaml::scenario-id`)."""

    def collect(self) -> list[pytest.Item]:
        return []  # items are made in pytest_collection_modifyitems, from the --dtu paths


class ScenarioItem(pytest.Item):
    """One scenario: its trials run when the item runs."""

    def __init__(self, *, loaded: Loaded, **kw: Any) -> None:
        super().__init__(**kw)
        self.loaded = loaded
        self.trajectories: list[Trajectory] = []
        for tag in loaded.scenario.tags:
            if tag.isidentifier():
                self.add_marker(tag)

    def runtest(self) -> None:
        from .agents_loader import resolve
        from .engine import RunOptions, prepare, run_all, run_async

        opt = self.config.getoption
        agent = resolve(opt("dtu_agent"))
        opts = RunOptions(trials=opt("dtu_trials"), concurrency=100, seed=opt("dtu_seed"),
                          timeout=opt("dtu_timeout"))
        out: list[Trajectory] = []
        run_async(run_all([agent], prepare([self.loaded], opts.seed), opts, out.append))
        out.sort(key=lambda t: t.trial)
        self.trajectories = out
        satisfied = sum(t.satisfied for t in out)
        rate = satisfied / len(out) if out else 0.0
        self.user_properties.append(("satisfaction", rate))
        if rate < opt("dtu_min"):
            raise ScenarioFailed(self._explain(out, rate, opt("dtu_min")))

    def _explain(self, out: list[Trajectory], rate: float, threshold: float) -> str:
        from .stats import wilson

        k = sum(t.satisfied for t in out)
        lo, hi = wilson(k, len(out))
        failed = Counter(c.id for t in out for c in t.checks if not c.passed)
        lines = [f"satisfaction {rate:.3f} ({k}/{len(out)}, 95% CI [{lo:.3f}, {hi:.3f}]) "
                 f"is below --dtu-min {threshold:g}"]
        if failed:
            lines.append("failed checks: " + ", ".join(f"{cid} ({n}/{len(out)})" for cid, n in failed.most_common()))
        for t in out:
            if not t.satisfied:
                why = t.error or ", ".join(c.id for c in t.checks if not c.passed)
                lines.append(f"  {t.agent}/{t.scenario}/{t.trial}: {why}")
        return "\n".join(lines)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.loaded.path, 0, f"dtu scenario {self.loaded.id}"


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect, so they apply to scenarios too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    paths = config.getoption("dtu", default=[])
    if not paths:
        return
    from .errors import DtuError
    from .scenario import load_all

    try:
        loaded = load_all(paths)
    except DtuError as e:
        raise pytest.UsageError(f"--dtu: {e}") from None
    for tag in sorted({t for ld in loaded for t in ld.scenario.tags if t.isidentifier()}):
        config.addinivalue_line("markers", f"{tag}: dtu scenario tag")
    for ld in loaded:
        parent = ScenarioFile.from_parent(session, path=Path(ld.path).resolve())
        items.append(ScenarioItem.from_parent(parent, name=ld.id, loaded=ld))
