"""The pytest plugin: `pytest --dtu PATH --dtu-agent NAME` runs each scenario as a test item."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

from . import test_report  # noqa: F401 - imported once here: in-process inner runs load its `half` agent

pytest_plugins = ["pytester"]

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "slack" / "launch-channel.yaml"
HALF = "tests.runner.test_report:half"


@pytest.fixture(autouse=True)
def _ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


def args(*extra: str) -> list[str]:
    """The plugin loads from its pytest11 entry point once dtu is installed; name it otherwise."""
    registered = any(ep.value == "dtu.runner.pytest_plugin" for ep in entry_points(group="pytest11"))
    return ([] if registered else ["-p", "dtu.runner.pytest_plugin"]) + ["-p", "no:cacheprovider", *extra]


def test_each_scenario_is_a_passing_item(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*args(f"--dtu={BUNDLED}", "--dtu-agent", "scripted", "--dtu-trials", "3", "-v"))
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*launch-channel.yaml::slack-launch-channel PASSED*"])


def test_an_item_fails_below_the_threshold_and_says_why(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*args(f"--dtu={BUNDLED}", "--dtu-agent", HALF, "--dtu-trials", "4"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*satisfaction 0.500 (2/4, 95% CI*is below --dtu-min 1*",
        "*failed checks: channel-exists (2/4)*",
        "*half/slack-launch-channel/1: channel-exists*",
    ])
    ok = pytester.runpytest(*args(f"--dtu={BUNDLED}", "--dtu-agent", HALF, "--dtu-trials", "4", "--dtu-min", "0.5"))
    ok.assert_outcomes(passed=1)


def test_tags_are_markers_and_select_items(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*args(f"--dtu={BUNDLED}", "--dtu-trials", "1", "-m", "not slack", "--strict-markers"))
    result.assert_outcomes(deselected=1)
    result = pytester.runpytest(*args(f"--dtu={BUNDLED}", "--dtu-trials", "1", "-m", "easy", "--strict-markers"))
    result.assert_outcomes(passed=1)


def test_without_dtu_the_plugin_does_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest(*args())
    result.assert_outcomes(passed=1)
    assert ".yaml::" not in result.stdout.str()
    helped = pytester.runpytest(*args("--help"))
    helped.stdout.fnmatch_lines(["*--dtu=PATH*", "*--dtu-agent=SPEC*"])
