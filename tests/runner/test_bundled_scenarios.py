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
    assert per_folder["people"] >= 20, f"people has {per_folder['people']} scenarios"


def test_people_scenarios_spread_over_the_twins() -> None:
    """Scenarios in which people act: Slack alone, and Slack with each other twin."""
    people = [ld.scenario for ld in LOADED if ld.path.split("/")[-2] == "people"]
    assert all("people" in sc.tags and sc.deadline is not None and any(p.acts for p in sc.people) for sc in people)
    seeded = Counter(frozenset(sc.seed) for sc in people)
    assert seeded[frozenset({"slack"})] >= 5
    for twin in ("okta", "jira", "google"):
        assert sum(n for twins, n in seeded.items() if {"slack", twin} <= twins) >= 2, twin
