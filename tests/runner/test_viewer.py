"""`dtu view` in a real Chromium: the runs list, a run, a scenario's trials (paged), a trajectory
(timeline, state changes, checks, the final world in the twin views), a comparison with the
verdict `dtu compare` gives, and who may open it. One `dtu view` process on 127.0.0.1 serves
real runs made by `dtu run` for the whole module. Each page keeps a screenshot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dtu.runner import cli
from dtu.runner.checks import CheckResult
from dtu.runner.history import History
from dtu.runner.records import Trajectory
from dtu.runner.results import RunDir
from dtu.twins.core import Call
from tests.browser import chromium, screenshot, watch

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = [str(ROOT / "scenarios" / f) for f in ("slack/launch-channel.yaml", "slack/pin-decision.yaml",
                                                    "jira/bug-triage.yaml")]
HOSTILE = "<script>window.pwned = 1</script><img src=x onerror='window.pwned = 2'>"


@dataclass
class Viewer:
    base: str
    login: str
    token: str
    out: Path
    runs: dict[str, RunDir]


def run(out: Path, *args: str) -> RunDir:
    before = set(out.glob("*/")) if out.exists() else set()
    code = cli.main(["run", *args, "--quiet", "--out", str(out)])
    assert code in (0, 1), code
    (new,) = set(out.glob("*/")) - before
    return RunDir(new)


def hostile_run(out: Path, template: RunDir) -> RunDir:
    """A run whose agent wrote markup everywhere it could: output, error, arguments."""
    rd = RunDir(out / "hostile")
    m = template.manifest(resolved=False)
    rd.create(type(m)(**{**{f: getattr(m, f) for f in m.__struct_fields__}, "run_id": "hostile-run",
                         "created": "2026-01-01T00:00:00+00:00"}))
    (rd.path / "manifest.json").write_bytes((template.path / "manifest.json").read_bytes()
                                            .replace(m.run_id.encode(), b"hostile-run"))
    rd.open()
    sid = m.scenarios[0].id
    rd.append(Trajectory(scenario=sid, agent="noisy", trial=0, seed=1, satisfied=False, score=0.0,
                         checks=[CheckResult("posted", False, HOSTILE)],
                         calls=[Call("slack", "chat.postMessage", {"channel": "C1", "text": HOSTILE}, 200,
                                     {"ok": True, "message": {"text": HOSTILE}}, 1.7e9)],
                         digest="0", error=HOSTILE, info={"stderr_tail": HOSTILE}))
    rd.close()
    rd.compress()
    assert cli.main(["report", str(rd.path), "--quiet"]) == 0
    return rd


@pytest.fixture(scope="module")
def viewer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Viewer]:
    tmp = tmp_path_factory.mktemp("view")
    out = tmp / "runs"
    os.environ.pop("DTU_HISTORY", None)
    first = run(out, *SCENARIOS, "--trials", "4", "--agent", "scripted", "--agent", "noisy",
                "--label", "noisy=noisy-v1", "--label", "scripted=ref")
    second = run(out, *SCENARIOS, "--trials", "4", "--agent", "noisy:skip=0.7", "--label", "noisy-v2")
    many = run(out, SCENARIOS[0], "--trials", "120", "--agent", "noisy", "--label", "noisy-v3")
    hostile = hostile_run(out, first)
    proc = subprocess.Popen([sys.executable, "-m", "dtu.runner.cli", "view", "--out", str(out), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.match(r"dtu view: (http://127\.0\.0\.1:\d+)/login\?token=(\S+)", line)
        assert m, line + (proc.stderr.read() if proc.stderr else "")
        yield Viewer(m.group(1), f"{m.group(1)}/login?token={m.group(2)}", m.group(2), out,
                     {"first": first, "second": second, "many": many, "hostile": hostile})
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 0  # SIGTERM is a normal stop
        assert "Traceback" not in err, err


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(viewer: Viewer, browser: Any) -> Iterator[tuple[Any, list[str]]]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    p = context.new_page()
    problems = watch(p)
    p.goto(viewer.login)
    yield p, problems
    context.close()
    assert problems == []


def rid(rd: RunDir) -> str:
    return rd.manifest(resolved=False).run_id


def plotted(p: Any, selector: str) -> bool:
    p.wait_for_selector(f"{selector} .main-svg", timeout=15_000)
    return p.locator(f"{selector} .main-svg").count() >= 1


def test_login_leaves_a_session_cookie_and_the_runs_list(page: tuple[Any, list[str]], viewer: Viewer) -> None:
    p, _ = page
    assert p.url == viewer.base + "/"  # the token left the address bar
    (cookie,) = p.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and viewer.token not in cookie["value"]
    rows = p.locator("tr.run-row")
    assert rows.count() == 5  # first: scripted + noisy; second; many; hostile
    text = p.locator("table.runs").inner_text()
    for label in ("noisy-v1", "noisy-v2", "noisy-v3", "ref"):
        assert label in text
    assert plotted(p, "#fig-versions")
    legend = p.locator("#fig-versions").inner_text()
    assert "noisy" in legend and "scripted" in legend
    screenshot(p, "view-runs")


def test_run_page_cards_plots_and_scenarios_worst_first(page: tuple[Any, list[str]], viewer: Viewer) -> None:
    p, _ = page
    first = viewer.runs["first"]
    p.goto(f"{viewer.base}/run/{rid(first)}")
    assert p.locator(".card").count() == 2
    assert "noisy-v1" in p.locator(".card[data-agent=noisy]").inner_text()
    rows = p.locator("tr.scenario-row")
    assert rows.count() == len(SCENARIOS) * 2
    worst = {}
    for i in range(rows.count()):
        sid = rows.nth(i).get_attribute("data-scenario")
        sat = float(rows.nth(i).locator("td.sat").inner_text())
        worst[sid] = min(sat, worst.get(sid, 1.0))
    assert list(worst.values()) == sorted(worst.values())
    for fig in ("#fig-tags", "#fig-passk", "#fig-dist"):
        assert plotted(p, fig), fig
    screenshot(p, "view-run")
    p.locator("a.pair").first.click()
    p.wait_for_selector("#verdict")
    assert "noisy" in p.locator(".sides").inner_text() and "scripted" in p.locator(".sides").inner_text()


def test_compare_gives_dtu_compare_verdict(page: tuple[Any, list[str]], viewer: Viewer,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    p, _ = page
    first, second = viewer.runs["first"], viewer.runs["second"]
    code = cli.main(["compare", str(first.path), str(second.path), "--agent-a", "scripted", "--agent-b", "noisy"])
    capsys.readouterr()
    p.goto(viewer.base + "/compare")
    p.select_option("select[name=a]", f"{rid(first)}:scripted")
    p.select_option("select[name=b]", f"{rid(second)}:noisy")
    p.locator(".compare-form button").click()
    p.wait_for_selector("#verdict")
    verdict = p.locator("#verdict").inner_text()
    assert f"dtu compare exits {code}" in verdict
    assert ("regressed" in verdict) == (code == 1)
    rows = p.locator("tr.delta-row")
    assert rows.count() == len(SCENARIOS)
    kinds = [rows.nth(i).locator("td.verdict").inner_text() for i in range(rows.count())]
    rank = {"regression": 0, "improvement": 1, "same": 2}
    assert [rank[k] for k in kinds] == sorted(rank[k] for k in kinds)  # regressions first
    assert all(rows.nth(i).locator("td.reason").inner_text() for i in range(rows.count()))
    assert plotted(p, "#fig-deltas")
    screenshot(p, "view-compare")


def test_scenario_trials_are_paged_and_filtered(page: tuple[Any, list[str]], viewer: Viewer) -> None:
    p, _ = page
    many = viewer.runs["many"]
    sid = "slack-launch-channel"
    p.goto(f"{viewer.base}/run/{rid(many)}/s/{sid}")
    trials = p.locator("tr.trial-row")
    assert trials.count() == 50
    assert [trials.nth(i).get_attribute("data-trial") for i in (0, 49)] == ["0", "49"]
    screenshot(p, "view-scenario")
    p.locator("a[rel=next]").click()
    p.wait_for_url(re.compile(r"page=2"))
    assert p.locator("tr.trial-row").first.get_attribute("data-trial") == "50"
    p.locator("a[rel=next]").click()
    p.wait_for_url(re.compile(r"page=3"))
    assert p.locator("tr.trial-row").count() == 20
    p.locator("a.only-failed").click()
    p.wait_for_url(re.compile(r"only=failed"))
    bad = p.locator("tr.trial-row")
    stored = [t for t in many.trajectories() if not t.satisfied]
    assert bad.count() == min(50, len(stored)) and p.locator("tr.trial-row.ok").count() == 0


def test_trajectory_timeline_state_changes_checks_and_final_world(page: tuple[Any, list[str]],
                                                                   viewer: Viewer) -> None:
    p, _ = page
    first = viewer.runs["first"]
    t = next(t for t in first.trajectories() if t.agent == "scripted" and t.scenario == "slack-launch-channel")
    p.goto(f"{viewer.base}/run/{rid(first)}/t/{t.agent}/{t.scenario}/{t.trial}")
    assert "Satisfied" in p.locator("h1.verdict").inner_text()
    steps = p.locator("li.step")
    assert steps.count() == len(t.calls)
    assert [steps.nth(i).locator("code.op").inner_text() for i in range(steps.count())] == \
        [f"{c.twin}.{c.op}" for c in t.calls]
    writes = [i for i, c in enumerate(t.calls) if c.op in ("chat.postMessage", "conversations.create")]
    assert writes
    step = steps.nth(writes[0])
    step.locator("summary").click()
    assert step.locator("pre.args").is_visible()
    assert step.locator("table.patch tr").count() >= 1  # the call changed the state view
    assert p.locator("tr.check-row").count() == len(t.checks)
    assert p.locator("tr.check-row.bad").count() == 0
    screenshot(p, "view-trajectory")
    p.locator("a.world-link", has_text="slack").click()
    p.wait_for_load_state()
    body = p.locator("body").inner_text()
    channel = next(c.body["channel"]["name"] for c in t.calls if c.op == "conversations.create")
    assert channel in body
    screenshot(p, "view-final-world-slack")


def test_an_unsatisfied_trajectory_shows_what_the_checks_found(page: tuple[Any, list[str]], viewer: Viewer) -> None:
    p, _ = page
    first = viewer.runs["first"]
    t = next((t for t in first.trajectories() if not t.satisfied), None)
    if t is None:
        pytest.skip("the noisy agent satisfied every trial of this seed")
    p.goto(f"{viewer.base}/run/{rid(first)}/t/{t.agent}/{t.scenario}/{t.trial}")
    assert "Unsatisfied" in p.locator("h1.verdict").inner_text()
    failed = p.locator("tr.check-row.bad")
    assert failed.count() == sum(not c.passed for c in t.checks)
    assert failed.first.locator("td.found").inner_text() != ""


def test_agent_markup_is_shown_as_text(page: tuple[Any, list[str]], viewer: Viewer) -> None:
    p, _ = page
    p.goto(f"{viewer.base}/run/hostile-run/t/noisy/{viewer.runs['hostile'].manifest().scenarios[0].id}/0")
    p.locator("li.step summary").first.click()
    assert p.evaluate("window.pwned") is None
    assert HOSTILE in p.locator(".warning.error").inner_text()
    assert HOSTILE in p.locator("pre.tail").inner_text()
    assert p.locator("body script").count() == 1  # viewer.js only
    screenshot(p, "view-hostile")


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_only_the_printed_token_opens_the_viewer(viewer: Viewer) -> None:
    assert fetch(viewer.base + "/")[0] == 401
    assert fetch(f"{viewer.base}/run/{rid(viewer.runs['first'])}")[0] == 401
    assert fetch(viewer.base + "/login?token=wrong")[0] == 401
    assert fetch(viewer.base + "/", {"Authorization": "Bearer wrong"})[0] == 401
    code, _ = fetch(viewer.base + "/", {"Authorization": f"Bearer {viewer.token}"})
    assert code == 200
    code, _ = fetch(viewer.base + "/", {"Authorization": f"Bearer {viewer.token}", "Host": "evil.example:80"})
    assert code == 421  # DNS rebinding
    assert fetch(viewer.base + "/static/viewer.js")[0] == 200
    assert fetch(viewer.base + "/static/..%2fapp.py")[0] == 404
    code, text = fetch(viewer.base + "/run/nope", {"Authorization": f"Bearer {viewer.token}"})
    assert code == 404 and "Traceback" not in text
    code, _ = fetch(f"{viewer.base}/run/{rid(viewer.runs['first'])}/t/noisy/x/notanumber",
                    {"Authorization": f"Bearer {viewer.token}"})
    assert code == 404


def test_runs_made_before_the_history_are_recorded_by_the_viewer(tmp_path: Path, viewer: Viewer) -> None:
    from dtu.runner.viewer.catalog import Catalog

    copy = tmp_path / "elsewhere"
    shutil.copytree(viewer.runs["second"].path, copy / "r")
    h = History(tmp_path / "h.sqlite")
    runs = Catalog([copy], copy, h).refresh()
    assert [r.id for r in runs] == [rid(viewer.runs["second"])]
    assert [(e.agent, e.label) for e in h.entries()] == [("noisy", "noisy-v2")]
