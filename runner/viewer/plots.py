"""The viewer's plots, made with plotly and drawn in the browser by the plotly.js that ships in
the plotly package (served by the viewer; nothing is fetched from the network). Each function
returns a figure as JSON for a page's `data-figure` attribute."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from ..compare import Comparison
from ..history import Entry
from ..stats import Summary
from ..store_index import Entry as Stored

_LAYOUT = dict(template="plotly_white", margin=dict(l=50, r=20, t=40, b=50), height=340,
               legend=dict(orientation="h", y=-0.25), font=dict(size=12))


def _json(fig: go.Figure) -> str:
    fig.update_layout(**_LAYOUT)
    return str(pio.to_json(fig, validate=False, pretty=False))


def _errors(y: Sequence[float], lo: Sequence[float], hi: Sequence[float]) -> dict[str, object]:
    return dict(type="data", symmetric=False, array=[h - v for v, h in zip(y, hi, strict=True)],
                arrayminus=[v - low for v, low in zip(y, lo, strict=True)])


def versions(entries: Sequence[Entry]) -> str:
    """Satisfaction over versions, one line per agent, oldest first, with 95% intervals."""
    fig = go.Figure()
    by_agent: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        by_agent[e.agent].append(e)
    for agent, es in by_agent.items():
        x = [f"{e.label or e.run_id}<br>{e.created[:10]}" for e in es]
        y = [e.satisfaction for e in es]
        fig.add_trace(go.Scatter(x=x, y=y, name=agent, mode="lines+markers",
                                 error_y=_errors(y, [e.ci_low for e in es], [e.ci_high for e in es]),
                                 customdata=[e.run_id for e in es],
                                 hovertemplate="%{customdata}<br>satisfaction %{y:.3f}<extra>" + agent + "</extra>"))
    fig.update_layout(title="Satisfaction by version (95% CI)", yaxis=dict(range=[-0.02, 1.02], title="satisfaction"),
                      xaxis=dict(type="category"))
    return _json(fig)


def by_tag(summary: Summary) -> str:
    fig = go.Figure()
    for a in summary.agents:
        tags = sorted(a.by_tag, key=lambda t: t.tag)
        y = [t.satisfaction for t in tags]
        fig.add_trace(go.Bar(x=[t.tag for t in tags], y=y, name=a.agent,
                             error_y=_errors(y, [t.ci_low for t in tags], [t.ci_high for t in tags])))
    fig.update_layout(title="Satisfaction by tag (95% CI)", barmode="group", yaxis=dict(range=[0, 1.05]))
    return _json(fig)


def pass_k(summary: Summary) -> str:
    """pass^k: the chance that k trials in a row all satisfy, per agent (mean over scenarios)."""
    fig = go.Figure()
    for a in summary.agents:
        ks = list(range(1, len(a.pass_hat_k) + 1))
        fig.add_trace(go.Scatter(x=ks, y=a.pass_hat_k, name=a.agent, mode="lines+markers"))
    fig.update_layout(title="pass^k (every one of k trials satisfied)", xaxis=dict(title="k", dtick=1),
                      yaxis=dict(range=[-0.02, 1.02]))
    return _json(fig)


def distributions(entries: Sequence[Stored], bins: int = 30) -> str:
    """Steps and world time per trajectory, per agent, binned here (a run may hold 100,000)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("steps per trajectory", "world time per trajectory (s)"))
    agents = sorted({e.agent for e in entries})
    for col, attr in ((1, "steps"), (2, "world_s")):
        values = np.array([getattr(e, attr) for e in entries], dtype=float)
        if not len(values):
            continue
        edges = np.histogram_bin_edges(values, bins=min(bins, max(1, len(np.unique(values)))))
        for i, agent in enumerate(agents):
            mine = np.array([getattr(e, attr) for e in entries if e.agent == agent], dtype=float)
            counts, _ = np.histogram(mine, bins=edges)
            fig.add_trace(go.Bar(x=((edges[:-1] + edges[1:]) / 2).tolist(), y=counts.tolist(), name=agent,
                                 legendgroup=agent, showlegend=col == 1, marker_color=_colour(i)), row=1, col=col)
    fig.update_layout(barmode="overlay", title="Steps and world time")
    fig.update_traces(opacity=0.75)
    return _json(fig)


def deltas(c: Comparison) -> str:
    """A forest plot: each scenario's difference B - A with its interval, regressions first."""
    rows = c.scenarios[:60]
    fig = go.Figure(go.Scatter(
        x=[r.diff for r in rows], y=[r.scenario for r in rows], mode="markers",
        marker=dict(color=["#c0392b" if r.verdict == "regression" else "#27ae60" if r.verdict == "improvement"
                           else "#7f8c8d" for r in rows]),
        error_x=_errors([r.diff for r in rows], [r.ci_low for r in rows], [r.ci_high for r in rows]),
        hovertemplate="%{y}: %{x:+.2f}<extra></extra>"))
    fig.add_vline(x=0, line_dash="dot")
    fig.update_layout(title="B − A per scenario (95% CI)", xaxis=dict(range=[-1.05, 1.05]),
                      yaxis=dict(autorange="reversed"))
    fig.update_layout(**_LAYOUT)
    fig.update_layout(height=max(300, 22 * len(rows) + 100))
    return str(pio.to_json(fig, validate=False, pretty=False))


def _colour(i: int) -> str:
    palette = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880")
    return palette[i % len(palette)]
