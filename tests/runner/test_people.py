"""`people:`: one identity across twins (runner/people.py). Each person is created in every seeded
twin with the same name, email, title, manager and timezone; a twin's own entry for a person wins
there; mistakes name the file, line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dtu.runner.engine import prepare
from dtu.runner.errors import ScenarioError
from dtu.runner.scenario import load_file

ROOT = Path(__file__).resolve().parents[2]
OFFBOARDING = ROOT / "scenarios" / "cross" / "leaver-full-offboarding.yaml"

SCENARIO = """\
id: people-demo
title: People across twins
intent: Say hello.
people:
  - {name: Dana Scully, email: dana@acme.test, title: IT Manager, timezone: America/New_York, me: true}
  - {name: Fox Mulder, email: fox@acme.test, title: Agent, manager: dana@acme.test, department: X-Files}
seed:
  okta: {}
  slack:
    users:
      - {name: fox, real_name: Fox (Slack's own entry), email: fox@acme.test}
  jira: {projects: [{key: XF, name: X-Files, lead: dana@acme.test}]}
  google: {}
checks:
  - {query: slack.users, op: exists}
"""


def world_view(text: str, tmp_path: Path) -> dict[str, Any]:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    p = prepare([load_file(str(f))], 0)[0]
    return p.world(7).view()


def test_each_person_lives_in_every_seeded_twin(tmp_path: Path) -> None:
    v = world_view(SCENARIO, tmp_path)
    okta = {u["profile"]["email"]: u for u in v["okta"]["users"].values()}
    assert okta["fox@acme.test"]["profile"]["manager"] == "dana@acme.test"
    assert okta["fox@acme.test"]["profile"]["department"] == "X-Files"
    assert okta["dana@acme.test"]["profile"]["timezone"] == "America/New_York"
    assert (okta["dana@acme.test"]["profile"]["firstName"], okta["dana@acme.test"]["profile"]["lastName"]) == \
        ("Dana", "Scully")
    slack = {u["email"]: u for u in v["slack"]["users"].values()}
    assert slack["dana@acme.test"]["name"] == "dana" and slack["dana@acme.test"]["tz"] == "America/New_York"
    assert slack["fox@acme.test"]["real_name"] == "Fox (Slack's own entry)"  # the twin's own entry wins there
    assert v["slack"]["me"] == slack["dana@acme.test"]["id"]
    jira = {u["email"]: u for u in v["jira"]["users"].values()}
    assert jira["fox@acme.test"]["name"] == "Fox Mulder"
    assert v["jira"]["projects"]["XF"]["lead"] == jira["dana@acme.test"]["account_id"]
    assert set(v["google"]["users"]) == {"dana@acme.test", "fox@acme.test"}
    assert v["google"]["users"]["fox@acme.test"]["name"] == "Fox Mulder"


def test_a_bundled_scenario_names_each_person_once() -> None:
    """The cross-service offboarding scenario lists its four people once, with their ids pinned
    where its checks name them; every twin has them."""
    ld = load_file(str(OFFBOARDING))
    assert len(ld.scenario.people) == 4 and "users" not in ld.scenario.seed["slack"]
    v = prepare([ld], 0)[0].world(0).view()
    assert v["okta"]["users"]["00utomreed0000000001"]["profile"]["manager"] == "marcus.chen@acme.test"
    assert v["slack"]["users"]["U0TOMREED1"]["real_name"] == "Tom Reed"
    assert v["slack"]["me"] == "U0ITADMIN1" and v["slack"]["users"]["U0ITADMIN1"]["is_admin"]
    assert v["jira"]["users"]["5b10ac8d82e05b22cc7d4ef3"]["name"] == "Marcus Chen"
    assert v["google"]["me"] == "tom.reed@acme.test"  # the twin's own `me` wins


@pytest.mark.parametrize(("change", "field", "words"), [
    ("  - {name: Dana Twin, email: DANA@acme.test, handle: dana2}\n", "people[2].email", "already people[0]"),
    ("  - {name: Walter Skinner, email: walter@acme.test, manager: nobody@acme.test}\n", "people[2].manager",
     "not the email of anyone"),
    ("  - {name: Walter Skinner, email: walter@acme.test, me: true}\n", "people[2].me", "only one person"),
    ("  - {name: Walter Skinner, email: walter@acme.test, ids: {google: x}}\n", "people[2].ids.google",
     "okta, slack and jira"),
    ("  - {name: Walter Skinner, email: not-an-email}\n", "people[2].email", ""),
    ("  - {name: Walter Skinner, email: walter@acme.test, shoe_size: 11}\n", "people[2]", "shoe_size"),
])
def test_mistakes_name_file_line_and_field(tmp_path: Path, change: str, field: str, words: str) -> None:
    text = SCENARIO.replace("seed:\n", change + "seed:\n", 1)
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as e:
        load_file(str(f))
    msg = str(e.value)
    assert "bad.yaml" in msg and field in msg and words in msg, msg
    assert e.value.line == 7  # the added person's line


def test_people_need_a_twin_to_live_in(tmp_path: Path) -> None:
    text = SCENARIO.split("seed:\n")[0] + "checks:\n  - {query: calls, op: absent}\n"
    f = tmp_path / "nowhere.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError, match="no twin the people can live in is seeded"):
        load_file(str(f))
