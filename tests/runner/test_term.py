"""The terminal report at 80 columns (a CI log): full scenario ids, the worst rows then a count of
the rest, folded tags, loud labels, and comparisons that name both sides and hide nothing."""

from __future__ import annotations

from rich.console import Console

from dtu.runner.compare import compare, within
from dtu.runner.report_term import print_comparison, print_summary
from dtu.runner.stats import Summary, summarize

from .test_compare import stats
from .test_stats import traj

IDS = [f"cross-account-offboarding-revokes-okta-and-slack-access-{i:03d}" for i in range(107)]


def run_of(failing: int = 15, agents: tuple[str, ...] = ("a",), info: dict[str, str] | None = None) -> Summary:
    """107 scenarios with long ids: the first `failing` below 1, the rest at 1.000; 41 tags."""
    ts = []
    for agent in agents:
        for i, sid in enumerate(IDS):
            for k in range(10):
                t = traj(sid, k, not (i < failing and k <= i % 5), agent=agent,
                         checks={"posted-in-the-launch-channel": not (i < failing and k <= i % 5)})
                t.info = dict(info or {})
                ts.append(t)
    return summarize("20261206-073000-1234-s0", ts, {sid: [f"tag-{i % 40}", "slack"] for i, sid in enumerate(IDS)})


def flat(text: str) -> str:
    """The text with its line wraps undone (for sentences that wrap at 80 columns)."""
    return " ".join(text.split())


def render(summary: Summary, width: int = 80, wide: bool = False) -> str:
    console = Console(width=width, record=True, color_system=None)
    print_summary(summary, console, wide=wide)
    return console.export_text()


def test_80_columns_show_full_ids_the_worst_rows_and_a_count_of_the_rest() -> None:
    text = render(run_of())
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    shown = [sid for sid in IDS if sid in lines]  # each id whole, on a line of its own
    assert len(shown) == 15 and set(shown) == set(IDS[:15])
    assert "…" not in "".join(line for line in lines if line.startswith("cross-"))
    assert "… and 92 more scenarios at 1.000; --wide shows all" in text
    assert "by tag (worst 5 of 41): " in flat(text) and "… and 36 more tags" in flat(text)


def test_wide_shows_every_scenario_and_tag() -> None:
    text = render(run_of(), wide=True)
    assert all(sid in text for sid in IDS) and "more scenarios" not in text
    assert all(f"tag-{i} " in text for i in range(40)) and "more tags" not in text
    assert text.count("cross-account-offboarding-revokes-okta-and-slack-access-") == 107


def test_a_wide_terminal_gets_one_row_per_scenario_with_the_bar() -> None:
    text = render(run_of(), width=160)
    rows = [line for line in text.splitlines() if line.startswith("cross-")]
    assert len(rows) == 15 and all("posted-in-the-launch-channel" in r or "1.000" in r for r in rows)
    assert "●" in text and max(len(line) for line in text.splitlines()) <= 160


def test_the_overall_interval_says_how_it_was_made() -> None:
    s = summarize("r", [traj("s1", k, True) for k in range(3)])
    text = render(s)
    assert "95% CI [0.439, 1.000] (pooled Wilson) over 1 scenario;" in text
    assert "too few scenarios (1 < 10) for a cluster bootstrap: pooled Wilson interval" in text


def test_a_twin_model_and_no_sandbox_are_loud() -> None:
    text = render(run_of(info={"model_kind": "scripted-twin", "sandbox": "off"}))
    assert "TWIN MODEL" in text and "NO SANDBOX" in text
    assert "twin model: this satisfaction says nothing about a real model" in text
    assert "--no-sandbox: not a holdout" in text
    quiet = render(run_of(info={"model_kind": "api", "sandbox": "bwrap"}))
    assert "TWIN MODEL" not in quiet and "not a holdout" not in quiet and "says nothing" not in quiet


def test_agent_text_is_never_read_as_markup() -> None:
    s = summarize("r", [traj("s1", 0, False, error="agent crashed: [bold red]fake[/] [link=http://x]y[/link]")])
    text = render(s)
    assert "agent crashed: [bold red]fake[/] [link=http://x]y[/link]" in text


def test_compare_names_both_sides_lists_significant_changes_first_and_counts_the_rest() -> None:
    a = [stats(sid, 5, 10) for sid in IDS]
    b = [stats(sid, 5, 10, "b") for sid in IDS]
    a[90], b[90] = stats(IDS[90], 0, 30), stats(IDS[90], 30, 30, "b")  # an improvement, late in id order
    a[100], b[100] = stats(IDS[100], 30, 30), stats(IDS[100], 0, 30, "b")  # a regression
    a[0], b[0] = stats(IDS[0], 10, 10), stats(IDS[0], 2, 10, "b")  # big but not significant after Holm
    c = compare(a, b, label_a="r1:v1", label_b="r2:v2", run_a="r1", run_b="r2")
    console = Console(width=80, record=True, color_system=None)
    print_comparison(c, console)
    text = console.export_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "A (baseline) = run r1, agent a" in text and "B            = run r2, agent b" in text
    ids = [line for line in lines if line in IDS]
    assert ids[:2] == [IDS[100], IDS[90]]  # the regression, then the improvement, before anything else
    assert len(ids) == 2 + 10 and "… and 95 more with no significant change" in text
    assert f"{IDS[0]}: same — not significant after Holm over 107 scenarios (p = 0.00071, adjusted 0.075 ≥ 0.05)" \
        in flat(text)
    wide = Console(width=80, record=True, color_system=None)
    print_comparison(c, wide, wide=True)
    assert sum(line in IDS for line in wide.export_text().splitlines()) == 107


def test_a_comparison_with_nothing_in_common_says_so() -> None:
    c = compare([stats("s1", 1, 2)], [stats("s2", 1, 2, "b")])
    console = Console(width=80, record=True, color_system=None)
    print_comparison(c, console)
    text = console.export_text()
    assert "no scenario in common: nothing to compare" in text and "Δ" not in text


def test_print_summary_keeps_its_old_call_shape() -> None:
    s = run_of(agents=("base", "cand"))
    console = Console(width=80, record=True, color_system=None)
    print_summary(s, console, 40, within(s))
    text = console.export_text()
    assert "… and 174 more scenario results at 1.000" in text and "B vs A: cand vs base (baseline)" in text


def test_long_failing_checks_wrap_under_their_own_column() -> None:
    checks = {f"the-{w}-message-was-posted-in-the-launch-channel": False for w in ("first", "second", "third")}
    s = summarize("r", [traj(IDS[0], k, False, checks=checks) for k in range(3)])
    lines = render(s).splitlines()
    start = lines.index(IDS[0])
    end = next(i for i, line in enumerate(lines) if line.startswith("a: satisfaction"))
    figures = lines[start + 1:end]
    assert figures[0].split()[:4] == ["0/3", "0.000", "[0.000,", "0.561]"] and len(figures) > 2
    column = figures[0].index("the-first")
    assert all(line[:column].isspace() for line in figures[1:])  # continuations under "failing checks"
    assert "".join(line[column:].strip() for line in figures) == ",".join(f"{c}×3" for c in checks)
