"""Helpers for agent tests: scenarios from text, and runs of agents on them in-process."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from dtu.runner.engine import Prepared, RunOptions, run_all
from dtu.runner.records import Trajectory
from dtu.runner.scenario import BUNDLED, Loaded, load_all, load_file
from dtu.twins.registry import TWINS

HOLDOUT = """\
id: holdout-probe
title: Post a hello
intent: Say hello in the general channel of our Slack workspace.
public: {team: Acme, tone: friendly}
seed:
  slack:
    me: dana
    users:
      - {id: U0DANA0001, name: dana, real_name: Dana Scully}
    channels:
      - {id: C0GENERAL1, name: general, general: true, members: [dana]}
%(extra_seed)s
reference:
  - twin: slack
    op: conversations.list
    save: {gid: "channels[?name=='general'] | [0].id"}
    note: HIDDEN-NOTE-5512
  - {twin: slack, op: chat.postMessage, args: {channel: "${gid}", text: "hello HIDDEN-REFARG-9931"}, required: true}
checks:
  - id: hidden-check-7781
    query: "slack.channels.C0GENERAL1.messages[?contains(text, 'HIDDEN-REFARG-9931')]"
    op: exists
    description: HIDDEN-DESC-3319
  - id: hidden-check-7782
    query: "slack.channels.C0GENERAL1.messages[0].text"
    op: matches
    value: "HIDDEN-VALUE-4471|hello"
judge:
  rubric: HIDDEN-RUBRIC-2208 the greeting must be warm
"""

# Text only the hidden parts of HOLDOUT contain: check ids, queries, values, descriptions,
# reference arguments and notes, the rubric.
HIDDEN = ("HIDDEN-NOTE-5512", "HIDDEN-REFARG-9931", "hidden-check-7781", "hidden-check-7782",
          "HIDDEN-DESC-3319", "HIDDEN-VALUE-4471", "HIDDEN-RUBRIC-2208", "contains(text",
          "[?name=='general']", "messages[0].text")


def holdout(tmp_path: Path, extra_seed: str = "") -> Loaded:
    p = tmp_path / "holdout.yaml"
    p.write_text(HOLDOUT % {"extra_seed": extra_seed})
    return load_file(p)


def leaks(text: str) -> list[str]:
    return [h for h in HIDDEN if h in text]


def bundled(prefix: str) -> list[Loaded]:
    return [ld for ld in load_all([BUNDLED]) if ld.id.startswith(prefix)]


def launch() -> Loaded:
    return next(ld for ld in load_all([BUNDLED / "slack"]) if ld.id == "slack-launch-channel")


def run(agents: list[Any], loaded: list[Loaded], trials: int = 1, timeout: float = 60.0,
        concurrency: int = 8, seed: int = 0) -> list[Trajectory]:
    out: list[Trajectory] = []
    prepared = [Prepared(ld, seed, TWINS) for ld in loaded]
    opts = RunOptions(trials=trials, concurrency=concurrency, seed=seed, timeout=timeout)
    asyncio.run(run_all(agents, prepared, opts, out.append))
    return sorted(out, key=lambda t: (t.agent, t.scenario, t.trial))


@pytest.fixture
def no_anthropic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests use the scripted twin, never a real key a developer has set."""
    for k in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(k, raising=False)
