"""dtu lint: scenarios that cannot pass, cannot fail, or mark a step required that is not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dtu.runner.lint import lint_paths

HEAD = """
intent: Post the release note in general.
seed:
  slack:
    users: [{id: U0DANA0001, name: dana}]
    channels: [{id: C0GENERAL1, name: general, members: [dana]}]
"""
POST = "  - {twin: slack, op: chat.postMessage, args: {channel: C0GENERAL1, text: 'v2 is out'}, required: true}\n"
AUTH = "  - {twin: slack, op: auth.test, required: true}\n"
POSTED = "  - {id: posted, query: \"slack.channels.C0GENERAL1.messages[?contains(text, 'v2')]\", op: exists}\n"


def write(tmp: Path, name: str, reference: str, checks: str) -> Path:
    p = tmp / f"{name}.yaml"
    p.write_text(f"id: {name}\ntitle: {name}{HEAD}reference:\n{reference}checks:\n{checks}")
    return p


def test_good_scenario_has_no_findings(tmp_path: Path) -> None:
    write(tmp_path, "good", POST, POSTED)
    assert lint_paths([tmp_path]) == []


def test_findings_name_file_line_and_field(tmp_path: Path) -> None:
    write(tmp_path, "cannot-fail", POST, "  - {id: users, query: slack.users, op: exists}\n")
    write(tmp_path, "cannot-pass", POST,
          "  - {id: wrong, query: \"slack.channels.C0GENERAL1.messages[?text=='v3']\", op: exists}\n")
    write(tmp_path, "needless-step", POST + AUTH, POSTED)
    found = {(Path(f.path).stem, f.field): f for f in lint_paths([tmp_path]) if f.level == "error"}
    assert ("cannot-fail", "checks") in found
    wrong = found[("cannot-pass", "checks[0]")]
    assert wrong.line == 11 and "wrong" in wrong.message
    needless = found[("needless-step", "reference[1]")]
    assert needless.line == 10 and "required" in needless.message
    assert str(needless).startswith(str(tmp_path / "needless-step.yaml") + ":10: error: reference[1]:")
    # a check that cannot fail also makes its required step needless
    assert set(found) == {("cannot-fail", "checks"), ("cannot-fail", "reference[0]"),
                          ("cannot-pass", "checks[0]"), ("needless-step", "reference[1]")}


def test_cli_exit_status(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    write(good, "good", POST, POSTED)
    ok = subprocess.run([sys.executable, "-m", "dtu.runner", "lint", str(good)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    write(tmp_path, "cannot-fail", POST, "  - {id: users, query: slack.users, op: exists}\n")
    bad = subprocess.run([sys.executable, "-m", "dtu.runner", "lint", str(tmp_path)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "cannot-fail.yaml" in bad.stderr and "cannot fail" in bad.stderr


def test_seal_and_locked_run(tmp_path: Path) -> None:
    scen = tmp_path / "s"
    scen.mkdir()
    path = write(scen, "good", POST, POSTED)
    lock = tmp_path / "scenarios.lock"
    subprocess.run([sys.executable, "-m", "dtu.runner", "seal", str(scen), "-o", str(lock)], check=True,
                   capture_output=True)
    args = [sys.executable, "-m", "dtu.runner", "run", str(scen), "--lock", str(lock), "--trials", "1",
            "--quiet", "--out", str(tmp_path / "runs")]
    assert subprocess.run(args, capture_output=True).returncode == 0
    path.write_text(path.read_text().replace("v2 is out", "v2 is out now"))
    refused = subprocess.run(args, capture_output=True, text=True)
    assert refused.returncode == 2
    assert "changed: good" in refused.stderr


def test_a_seed_error_names_its_own_twin_and_field(tmp_path: Path) -> None:
    """Regression: an error in `seed.jira` was reported on `seed.slack` (the first twin seeded),
    with a hint about users and channels."""
    p = tmp_path / "jira-status.yaml"
    p.write_text("id: jira-status\ntitle: t\nintent: i\nseed:\n  slack: {}\n  jira:\n    projects: [{key: OPS}]\n"
                 "    issues:\n      - {project: OPS, summary: s, status: Blocked}\n"
                 "checks: [{query: jira.issues, op: exists}]\n")
    [f] = lint_paths([tmp_path])
    assert (f.field, f.line) == ("seed.jira.issues[0].status", 9)
    assert "unknown status 'Blocked'" in f.message and "To Do" in f.fix


def test_lint_refuses_what_used_to_crash_a_run(tmp_path: Path) -> None:
    """Each of these passed lint (or was only found by a run, as a traceback)."""
    write(tmp_path, "ghost", POST, POSTED)
    ghost = tmp_path / "ghost.yaml"
    ghost.write_text(ghost.read_text().replace("members: [dana]", "members: [dana, ghost]"))
    write(tmp_path, "regex", POST, "  - {id: rx, query: \"slack.channels.C0GENERAL1.messages[0].text\", "
                                   "op: matches, value: 'v2 ('}\n")
    found = {(Path(f.path).stem, f.field) for f in lint_paths([tmp_path])}
    assert found == {("ghost", "seed.slack.channels[0].members[1]"), ("regex", "checks[0].value")}
    run = subprocess.run([sys.executable, "-m", "dtu.runner", "run", str(ghost), "--trials", "1", "--quiet",
                          "--out", str(tmp_path / "runs")], capture_output=True, text=True)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert f"{ghost}:7: seed.slack.channels[0].members[1]: unknown user 'ghost'" in run.stderr
