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


def _folder(pytester: pytest.Pytester) -> Path:
    """Two bundled scenarios in a folder, next to a `tests/` folder that pytest's testpaths name."""
    scen = pytester.mkdir("scen")
    for name in ("launch-channel.yaml", "thread-followup.yaml"):
        (scen / name).write_bytes((BUNDLED.parent / name).read_bytes())
    tests = pytester.mkdir("tests")
    (tests / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\ntestpaths = tests\n")
    return scen


def test_dtu_space_path_runs_exactly_that_folder(pytester: pytest.Pytester) -> None:
    scen = _folder(pytester)
    for form in (["--dtu", str(scen)], [f"--dtu={scen}"], ["--dtu", "scen"]):
        result = pytester.runpytest(*args(*form, "--dtu-agent", "scripted", "--dtu-trials", "1", "-v"))
        result.assert_outcomes(passed=2)
        result.stdout.fnmatch_lines(["*launch-channel.yaml::slack-launch-channel PASSED*",
                                     "*thread-followup.yaml::slack-thread-followup PASSED*"])
        assert "test_plain" not in result.stdout.str()


def test_dtu_with_explicit_test_paths_runs_both(pytester: pytest.Pytester) -> None:
    scen = _folder(pytester)
    result = pytester.runpytest(*args("tests", "--dtu", str(scen), "--dtu-trials", "1", "-v"))
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_plain.py::test_plain PASSED*"])


def test_a_broken_scenario_is_a_usage_error_not_a_traceback(pytester: pytest.Pytester) -> None:
    bad = pytester.makefile(".yaml", ghost=(
        "id: ghost\ntitle: ghost\nintent: post\nseed:\n  slack:\n    users: [{name: dana}]\n"
        "    channels: [{name: general, members: [dana, ghost]}]\n"
        "checks: [{query: slack.users, op: exists}]\n"))
    result = pytester.runpytest(*args("--dtu", str(bad)))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"{bad}:7: seed.slack.channels[0].members[1]: unknown user 'ghost'" in result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
