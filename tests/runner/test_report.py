"""Reports: JUnit XML, the GitHub step summary, the self-contained HTML report (in a real headless
Chromium), `dtu report`, and `dtu run --min-satisfaction` gating."""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from dtu.runner import cli
from dtu.runner.checks import CheckResult
from dtu.runner.records import Manifest, ScenarioDigest, Trajectory
from dtu.runner.report_files import HTML, JUNIT, write_reports
from dtu.runner.report_md import markdown, write_step_summary
from dtu.runner.results import RunDir
from dtu.runner.stats import SUMMARY
from dtu.twins.core import Call

CHROMIUM = "/usr/bin/chromium"
BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "slack" / "launch-channel.yaml"
SCENARIOS = [f"scn-{i:02d}" for i in range(12)]


def trajectory(agent: str, sid: str, trial: int, ok: bool, error: str | None = None,
               info: dict[str, Any] | None = None) -> Trajectory:
    checks = [CheckResult("posted", ok, None if ok else "[]"), CheckResult("invited", True)]
    calls = [Call("slack", "chat.postMessage", {"channel": "C1", "text": "hi </script><!-- & \u2603"}, 200,
                  {"ok": True, "ts": "1.0"}, 1.0),
             Call("slack", "conversations.invite", {"channel": "C1", "users": "U1"}, 200 if ok else 404,
                  {"ok": ok, "error": None if ok else "channel_not_found"}, 2.0)]
    judge = {"probability": 0.75, "reason": "mostly there", "cached": True} if sid == SCENARIOS[0] else None
    return Trajectory(scenario=sid, agent=agent, trial=trial, seed=trial, satisfied=ok and error is None,
                      score=1.0 if ok else 0.5, checks=checks, calls=calls, digest=f"{trial:032x}", error=error,
                      judge=judge, info=info or {})


def make_run(root: Path, agents: tuple[str, ...] = ("base", "cand")) -> RunDir:
    rd = RunDir(root / "run")
    rd.create(Manifest(run_id="run-1", dtu_version="0.1.0", created="now", agents=list(agents), seed=0, trials=5,
                       concurrency=1, timeout=1.0, arguments=[], scenario_set="x",
                       scenarios=[ScenarioDigest(s, str(root / f"{s}.yaml"), "0") for s in SCENARIOS]))
    for i, s in enumerate(SCENARIOS):  # scenario files, for their tags
        (root / f"{s}.yaml").write_text(f"id: {s}\ntitle: t\nintent: i\ntags: [tag-{'even' if i % 2 == 0 else 'odd'}]\n"
                                        "seed:\n  slack: {}\nchecks:\n  - {query: slack, op: exists}\n")
    rd.open()
    for ai, agent in enumerate(agents):
        for si, sid in enumerate(SCENARIOS):
            for k in range(5):
                ok = k >= (si + 3 * ai) % 6
                info = {"model_kind": "scripted-twin", "sandbox": "off", "stderr_tail": "oops\n"} if ai == 1 else {}
                rd.append(trajectory(agent, sid, k, ok, error="timeout after 1s" if (si, k, ai) == (3, 0, 1) else None,
                                     info=info))
    rd.close()
    rd.compress()
    return rd


def test_junit_has_a_testcase_per_scenario_with_properties_and_failure_text(tmp_path: Path) -> None:
    rd = make_run(tmp_path)
    write_reports(rd, step_summary=False)
    root = ET.parse(rd.path / JUNIT).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["dtu.base", "dtu.cand"]
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == SCENARIOS
    props = {p.get("name"): p.get("value") for p in cases[2].iter("property")}
    assert props["satisfaction"] == "0.6" and float(props["ci_low"]) < 0.6 < float(props["ci_high"])
    failure = cases[2].find("failure")
    assert failure is not None and failure.text is not None
    assert "posted (2/5)" in failure.text
    assert "base/scn-02/0, base/scn-02/1" in failure.text
    assert cases[0].find("failure") is None  # 5/5
    labels = {p.get("name"): p.get("value") for p in suites[1].find("properties") or []}
    assert (labels["model"], labels["sandbox"], labels["interval"]) == ("twin", "off", "cluster-bootstrap")
    assert suites[1].get("failures") == str(sum(c.find("failure") is not None for c in suites[1].findall("testcase")))


def test_step_summary_is_written_only_when_github_asks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rd = make_run(tmp_path)
    summary = write_reports(rd, step_summary=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert write_step_summary(summary) is False
    target = tmp_path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    write_reports(rd)
    md = target.read_text()
    assert md.startswith("## dtu run `run-1`")
    assert "| base |" in md and "`scn-05`" in md and "### cand vs base" in md
    assert "`cand/scn-03/0`: timeout after 1s" in md
    assert "> **cand**: twin model: this satisfaction says nothing about a real model" in md
    assert "> **cand**: --no-sandbox: not a holdout" in md and "> **base**" not in md
    assert "A (baseline) = run run-1, agent base; B = run run-1, agent cand." in md
    assert markdown(summary).count("\n| base | `scn-") == 12


def test_report_command_regenerates_every_file(tmp_path: Path) -> None:
    rd = make_run(tmp_path)
    assert cli.main(["report", str(rd.path), "--quiet"]) == 0
    for name in ("summary.json", JUNIT, HTML):
        assert (rd.path / name).stat().st_size > 0
    s = SUMMARY.decode((rd.path / "summary.json").read_bytes())
    assert s.complete and len(s.scenarios) == 24 and [e.trial for e in s.errors] == [0]
    assert cli.main(["report", str(tmp_path / "nowhere")]) == 2


def test_html_is_one_file_with_no_network_references(tmp_path: Path) -> None:
    rd = make_run(tmp_path)
    write_reports(rd, step_summary=False)
    html = (rd.path / HTML).read_text()
    for needle in ("http://", "https://", "<link rel=\"stylesheet\"", "src="):
        assert needle not in html.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
            '"http://www.w3.org/2000/svg"', ""), needle
    assert html.count("</script>") == 2  # the data block cannot close its element early


def chromium_args() -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_html_report_in_headless_chromium(tmp_path: Path) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
    rd = make_run(tmp_path)
    write_reports(rd, step_summary=False)
    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=chromium_args())
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto((rd.path / HTML).as_uri())
            page.wait_for_selector("tr.scenario-row")
            rows = page.locator("tr.scenario-row")
            assert rows.count() == 2 * len(SCENARIOS)
            shown = {(rows.nth(i).get_attribute("data-agent"), rows.nth(i).get_attribute("data-scenario"))
                     for i in range(rows.count())}
            assert shown == {(a, s) for a in ("base", "cand") for s in SCENARIOS}
            sats = [float(rows.nth(i).locator("td").nth(3).inner_text().rstrip("%")) for i in range(rows.count())]
            assert sats == sorted(sats)  # worst first
            assert rows.first.locator("svg rect").count() == 1  # the interval bar
            assert page.locator("#passk-svg polyline").count() == 4  # pass^k and pass@k for two agents
            assert page.locator("#ab-section").is_visible()
            page.locator("details.tags summary").first.click()
            assert "tag-even" in page.locator("details.tags").first.inner_text()
            assert page.locator(".ab-table tbody tr").count() == len(SCENARIOS)
            # the sides are named, and every verdict says why
            sides = page.locator("#ab .sides").inner_text()
            assert "A (baseline) = run run-1, agent base" in sides and "B = run run-1, agent cand" in sides
            assert "Holm" in page.locator("#ab").inner_text()
            assert page.locator(".ab-table td.reason").first.inner_text() != ""
            # the twin model and the missing sandbox are loud: a page banner and the agent's card
            warnings = page.locator("#warnings")
            assert warnings.is_visible() and "says nothing about a real model" in warnings.inner_text()
            assert "not a holdout" in warnings.inner_text()
            card = page.locator(".card[data-agent=cand]")
            assert card.locator(".badge.twin").is_visible() and card.locator(".badge.nosandbox").is_visible()
            assert "model: twin" in card.inner_text() and "sandbox: off" in card.inner_text()
            assert page.locator(".card[data-agent=base] .badge").count() == 0
            assert "pooled Wilson" not in page.locator(".card[data-agent=base]").inner_text()  # 12 scenarios
            assert "timeout after 1s" in page.locator("#errors").inner_text()
            top = "(s) => document.querySelector(s).getBoundingClientRect().top + window.scrollY"
            assert page.evaluate(top, "#ab-section") < page.evaluate(top, "#scenarios")  # A/B near the top
            shown = "(() => { const r = document.getElementById('tnote').getBoundingClientRect(); " \
                    "return r.top >= 0 && r.bottom <= window.innerHeight; })()"
            assert not page.evaluate(shown)
            page.locator("tr.scenario-row[data-agent=base][data-scenario=scn-00]").click()
            page.wait_for_function(shown)  # the click brings the trajectories into view
            view = page.locator("#tview")
            assert "base/scn-00/0" in view.locator("h3").inner_text()
            assert page.locator("#passk-svg polyline.passk-selected").count() == 1  # the scenario's own curve
            assert "judge: p=0.75" in view.inner_text()
            assert view.locator("details.call").count() == 2
            view.locator("details.call summary").nth(0).click()
            assert "</script><!-- & \u2603" in view.locator("details.call pre").nth(0).inner_text()
            assert "posted" in view.locator("ul.checks").inner_text()
            assert " at 1970-01-01T00:00:01.000Z" not in view.inner_text() and " at +1.000s" in view.inner_text()
            page.locator("tr.scenario-row[data-agent=cand][data-scenario=scn-05]").click()
            assert "twin model" in view.locator(".warn").first.inner_text()
            assert view.locator("pre.stderr_tail").inner_text() == "oops\n"
        finally:
            browser.close()
    assert problems == []
    assert [u for u in requests if not u.startswith("file://")] == []


def half(arg: str = "") -> Any:
    """An agent that plays the plan on even trials and does nothing on odd ones."""
    from dtu.agents.scripted import ScriptedAgent

    class Half(ScriptedAgent):
        async def run(self, task: Any, world: Any, plan: Any) -> None:
            if task.trial % 2 == 0:
                await super().run(task, world, plan)

    return Half("half")


@pytest.mark.parametrize(("threshold", "rc"), [("0.9", 1), ("0.5", 0), ("0.4", 0)])
def test_run_min_satisfaction_gates(tmp_path: Path, threshold: str, rc: int, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "runs"
    code = cli.main(["run", str(BUNDLED), "--out", str(out), "--trials", "4", "--quiet",
                     "--agent", f"{__name__}:half", "--min-satisfaction", threshold])
    assert code == rc
    if rc:
        assert "below --min-satisfaction" in capsys.readouterr().err
    (run,) = out.glob("*/")
    for name in ("summary.json", JUNIT, HTML, "trajectories.jsonl.zst"):
        assert (run / name).exists(), name
    assert not (run / "trajectories.jsonl").exists()
    shutil.rmtree(out)


def test_html_keeps_unsatisfied_trajectories_of_every_scenario_under_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    from dtu.runner import report_html

    monkeypatch.setattr(report_html, "MAX_TRAJECTORIES", len(SCENARIOS))
    ts = [trajectory("a", s, k, k % 2 == 0) for s in SCENARIOS for k in range(6)]
    shown, total = report_html.pick(ts)
    assert total == 72
    assert [(t.scenario, t.trial, t.satisfied) for t in shown] == [(s, 1, False) for s in SCENARIOS]
    shown, _ = report_html.pick(ts[:6])  # 3 unsatisfied, then 1 satisfied, per scenario
    assert [(t.trial, t.satisfied) for t in shown] == [(1, False), (3, False), (5, False), (0, True)]


def test_html_shortens_long_payloads() -> None:
    from dtu.runner import report_html

    t = trajectory("a", SCENARIOS[0], 0, True)
    big = {"text": "x" * 5000}
    t.calls[0] = Call("slack", "chat.postMessage", big, 200, {"ok": True}, 1.0)
    short = report_html.shorten(t)
    args = short.calls[0].args
    assert set(args) == {"_shortened"} and len(args["_shortened"]) < report_html.SHORT + 80
    assert "(5,011 characters; `dtu view` shows it whole)" in args["_shortened"]
    assert short.calls[0].body == {"ok": True} and short.calls[1] == t.calls[1]  # short payloads stay as they are
