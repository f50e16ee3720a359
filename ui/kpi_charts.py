"""Plotly figure builders for the KPI screens (pure functions: frames in, figures out)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from metrics.registry import Kpi

STATUS_COLOURS = {"met": "#2e7d32", "not_met": "#c62828", "no_target": "#546e7a", "no_data": "#9e9e9e"}
GO_LIVE_COLOUR = "#1565c0"
TARGET_BAND = "rgba(46, 125, 50, 0.12)"


def _scale(unit: str) -> float:
    return 100.0 if unit == "ratio" else 1.0


def _suffix(unit: str) -> str:
    return {"ratio": " %", "currency": "", "days": " d", "hours": " h", "minutes": " min"}.get(unit, "")


def trend_figure(trend: pd.DataFrame, spec: Kpi, go_live: dt.date, height: int = 220) -> go.Figure:
    """Weekly values of one KPI, a vertical go-live marker and the target as a band on the good side."""
    data = trend[trend["kpi"] == spec.id].sort_values("week") if not trend.empty else trend
    scale = _scale(spec.unit)
    fig = go.Figure()
    if not data.empty:
        y = pd.to_numeric(data["value"], errors="coerce") * scale
        fig.add_trace(go.Scatter(x=pd.to_datetime(data["week"]), y=y, mode="lines+markers", name=spec.name,
                                 connectgaps=False, line={"width": 2},
                                 hovertemplate="week of %{x|%b %d}: %{y:.2f}" + _suffix(spec.unit) + "<extra></extra>"))
    if spec.target is not None:
        t = spec.target * scale
        values = pd.to_numeric(data["value"], errors="coerce").dropna() * scale if not data.empty else pd.Series()
        top = max([t * 1.5 if t > 0 else 1.0, *(values.tolist() or [0])])
        low = min([0.0, *(values.tolist() or [0])])
        y0, y1 = (t, max(top, t) * 1.05) if spec.direction == "higher" else (low, t)
        fig.add_hrect(y0=y0, y1=y1, fillcolor=TARGET_BAND, line_width=0, layer="below",
                      annotation_text=f"target {spec.target_text}", annotation_position="top left")
    x = pd.Timestamp(go_live)
    fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line={"color": GO_LIVE_COLOUR, "dash": "dash"})
    fig.add_annotation(x=x, y=1, yref="paper", text="go-live", showarrow=False, font={"color": GO_LIVE_COLOUR},
                       yanchor="bottom")
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, showlegend=False,
                      title={"text": spec.name, "font": {"size": 14}}, yaxis_title=_suffix(spec.unit).strip() or None)
    return fig


def denial_figure(breakdown: pd.DataFrame, dimension: str, labels: dict[str, str] | None = None) -> go.Figure:
    """Denial rate by category (or payer) per window, stacked: the parts add up to the total rate."""
    data = breakdown[(breakdown["dimension"] == dimension) & (breakdown["kpi"] == "denial_rate")]
    fig = go.Figure()
    for group, part in data.groupby("group", dropna=False, sort=True):
        name = (labels or {}).get(group, group) if group is not None else "(none)"
        fig.add_trace(go.Bar(x=part["window"], y=part["value"] * 100, name=str(name),
                             hovertemplate="%{x}: %{y:.2f} %<extra>" + str(name) + "</extra>"))
    fig.update_layout(barmode="stack", height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      yaxis_title="% of first-decided claims",
                      title={"text": f"Denials by {dimension.replace('_', ' ')}", "font": {"size": 14}})
    return fig


def sparkline_values(cells_by_window: dict[str, float | None], windows: list[str], unit: str) -> list[float]:
    """Values for a table sparkline (None becomes 0 so the line keeps its length)."""
    scale = _scale(unit)
    return [0.0 if cells_by_window.get(w) is None else float(cells_by_window[w]) * scale for w in windows]


def payback_figure(cost: float, monthly: float, months: int = 36) -> go.Figure:
    """Cumulative recovered revenue against the implementation cost."""
    xs = list(range(0, months + 1))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=xs, y=[monthly * m for m in xs], mode="lines", name="recovered revenue"))
    fig.add_hline(y=cost, line={"dash": "dash", "color": "#c62828"}, annotation_text="implementation cost")
    fig.update_layout(height=280, margin={"l": 10, "r": 10, "t": 30, "b": 10}, xaxis_title="months after go-live",
                      yaxis_title="USD", title={"text": "Payback", "font": {"size": 14}})
    return fig
