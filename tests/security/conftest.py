"""The red team's scenario: fresh markers in everything that judges an agent, canaries in what it
is handed, and a look at what the hostile program found."""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from dtu.runner.records import Trajectory

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HOSTILE = HERE / "hostile.py"

SCENARIO = """\
id: redteam-probe
title: Say hello
intent: Say hello in the general channel of our Slack workspace. {canary_intent}
public: {{team: Acme, note: {canary_public}}}
seed:
  slack:
    me: dana
    users:
      - {{id: U0DANA0001, name: dana, real_name: Dana Scully}}
    channels:
      - {{id: C0GENERAL1, name: general, general: true, members: [dana]}}
reference:
  - twin: slack
    op: conversations.list
    note: {ref_note}
  - {{twin: slack, op: chat.postMessage, args: {{channel: C0GENERAL1, text: "hello {ref_arg}"}}, required: true}}
checks:
  - id: says-hello
    query: "slack.channels.C0GENERAL1.messages[?contains(text, '{check_query}')]"
    op: exists
    description: {check_desc}
  - id: says-it-warmly
    query: "slack.channels.C0GENERAL1.messages[0].text"
    op: matches
    value: "{check_value}|hello"
judge:
  rubric: {rubric} the greeting must be warm
"""
HIDDEN_FIELDS = ("ref_note", "ref_arg", "check_query", "check_desc", "check_value", "rubric")
CANARY_FIELDS = ("canary_intent", "canary_public", "canary_file")


def marker() -> str:
    return "DTU" + "MK" + secrets.token_hex(8)  # never written whole in any source file


class Plant(msgspec.Struct):
    """Markers planted for one attack: hidden ones that must never be found, canaries that must."""

    hidden: dict[str, str]
    canaries: dict[str, str]
    since: float


def plant(folder: Path, launch: Path | None) -> Plant:
    """The scenario file in `folder`, and a canary file in the launch directory when it is ours."""
    p = Plant({k: marker() for k in HIDDEN_FIELDS}, {k: marker() for k in CANARY_FIELDS}, time.time() - 5)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "redteam.yaml").write_text(SCENARIO.format(**p.hidden, **p.canaries))
    if launch is not None:
        (launch / "canary.txt").write_text(p.canaries["canary_file"])
        (launch / "agent").mkdir(exist_ok=True)
        shutil.copy(HOSTILE, launch / "agent" / "hostile.py")
    else:
        del p.canaries["canary_file"]
    return p


_LISTENER: list[socket.socket] = []


@pytest.fixture(scope="session", autouse=True)
def host_listener() -> Iterator[None]:
    """A service on the host's loopback, open while the red team runs: no program may reach it."""
    with socket.create_server(("127.0.0.1", 0)) as s:
        _LISTENER.append(s)
        yield
        _LISTENER.clear()


def hostile_command(p: Plant, script: str, roots: str = "/", jobs: int = 2) -> str:
    port = _LISTENER[0].getsockname()[1]
    return (f"jobs={jobs},tail=8000000 -- {sys.executable} {script} --since {p.since:.0f} --roots {roots} "
            f"--listener {port}")


def findings(t: Trajectory) -> dict[str, Any]:
    out = t.info.get("stdout_tail", "").strip().splitlines()
    assert out, (t.error, t.info.get("stderr_tail", "")[-2000:])
    found: dict[str, Any] = json.loads(out[-1])
    return found


def judge(p: Plant, trajs: list[Trajectory]) -> list[dict[str, Any]]:
    """Fail on any leak or cross-world write; check the attack really ran. Returns the findings."""
    assert len(trajs) >= 2
    all_found = []
    for t in trajs:
        f = findings(t)
        all_found.append(f)
        assert t.info["sandbox"] == "bwrap" and t.info["network"] == "private"
        assert f["own_ok"] and f["upload"], "the hostile program could not use its own world"
        leaked = {name: f["found"][m] for name, m in p.hidden.items() if m in f["found"]}
        assert leaked == {}, f"hidden scenario text reached the agent: {leaked}"
        missed = [name for name, m in p.canaries.items() if m not in f["found"]]
        assert missed == [], f"the search is blind: it did not find the canaries {missed}"
        assert not f["stats"]["truncated"], "the search ran out of time before it covered the filesystem"
        assert f["unmounted"] == [], "the program removed mounts (a mask could be lifted)"
        assert f["xworld"] == [], f"cross-world writes succeeded: {f['xworld']}"
        opened = {k: v for k, v in f["admin"].items() if 200 <= v < 300 and not k.startswith("GET /_dtu/health")}
        assert opened == {}, f"the admin API answered a program agent: {opened}"
        # a liveness answer may be public, and says nothing of worlds, twins or scenarios
        said = [h for h in f["stats"].get("health", []) if json.loads(h) != {"ok": True}]
        assert said == [], f"/_dtu/health told a program agent more than liveness: {said}"
        # its network holds its door and nothing else: no host service, no way out
        assert f["net"]["ifaces"] == ["lo"] and f["net"]["listener"] != "connected", f["net"]
        assert f["net"]["outside"] != "connected", f["net"]
        assert f["anthropic"]["ok"] >= 1, f"the Anthropic endpoint was not reachable: {f['anthropic']}"
    for t in trajs:  # the victims' side: nothing of another trial landed in this world
        for c in t.calls:
            text = msgspec.json.encode(c.args).decode(errors="replace") if c.args is not None else ""
            assert c.op != "files.uploadToURL", f"trial {t.trial}: an upload reached its world: {c}"
            assert "XWORLD-from-trial" not in text, f"trial {t.trial}: another trial wrote into its world: {c}"
    by_trial = {t.trial: t for t in trajs}
    for f, t in zip(all_found, trajs, strict=True):  # the upload-URL attack aimed at the right files
        for k, fid in f["stats"].get("predicted", {}).items():
            victim = by_trial.get(int(k))
            if victim is not None:
                theirs = [c.answer.get("file_id") for c in victim.calls
                          if c.op == "files.getUploadURLExternal" and isinstance(c.answer, dict)]
                assert theirs == [fid], (t.trial, k, theirs, fid)
    return all_found
