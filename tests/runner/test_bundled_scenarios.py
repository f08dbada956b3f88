"""The whole bundled library passes `dtu lint`: each scenario decodes, its reference plan satisfies
every check, doing nothing fails one, and so does deleting any step marked required."""

from __future__ import annotations

from collections import Counter

import pytest

from dtu.runner.lint import lint_loaded
from dtu.runner.scenario import BUNDLED, Loaded, load_all

LOADED = load_all([BUNDLED])


@pytest.mark.parametrize("ld", LOADED, ids=[ld.id for ld in LOADED])
def test_scenario_lints_clean(ld: Loaded) -> None:
    errors = [str(f) for f in lint_loaded(ld) if f.level == "error"]
    assert not errors, "\n".join(errors)


def test_library_size_and_spread() -> None:
    assert len(LOADED) >= 100
    per_folder = Counter(ld.path.split("/")[-2] for ld in LOADED)
    for service in ("slack", "okta", "jira", "drive", "docs", "sheets"):
        assert per_folder[service] >= 10, f"{service} has {per_folder[service]} scenarios"
    assert per_folder["cross"] >= 25
