"""The plan as a Gantt chart (plotly): current bars, baseline due dates beside them, today's line,
slips in days, overdue and blocked highlighted, and the critical path outlined."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from tracker.plan import MilestoneView

COLOURS = {"done": "#2e7d32", "in_progress": "#1565c0", "not_started": "#90a4ae", "blocked": "#c62828",
           "overdue": "#ef6c00"}
DAY_MS = 86_400_000


def state_of(m: MilestoneView, today: dt.date) -> str:
    if m.status == "blocked":
        return "blocked"
    if m.overdue(today):
        return "overdue"
    return m.status


def build_gantt(milestones: list[MilestoneView], today: dt.date, critical: list[int] | None = None) -> go.Figure:
    critical_ids = set(critical or [])
    rows = [m for m in milestones if m.due_date is not None]
    labels = [("★ " if m.id in critical_ids else "") + (m.title if len(m.title) <= 48 else m.title[:47] + "…")
              + f" #{m.id}" for m in rows]
    fig = go.Figure()
    for state, colour in COLOURS.items():
        picked = [(lab, m) for lab, m in zip(labels, rows, strict=True) if state_of(m, today) == state]
        if not picked:
            continue
        starts = [(m.start_date or m.due_date) for _, m in picked]
        fig.add_trace(go.Bar(
            y=[lab for lab, _ in picked], base=[s.isoformat() for s in starts],
            x=[max(1, (m.due_date - s).days + 1) * DAY_MS for (_, m), s in zip(picked, starts, strict=True)],
            orientation="h", name=state.replace("_", " "), marker_color=colour,
            marker_line_color=["#000" if m.id in critical_ids else colour for _, m in picked],
            marker_line_width=[3 if m.id in critical_ids else 0 for _, m in picked],
            text=[_slip_text(m) for _, m in picked], textposition="outside",
            customdata=[[m.owner, str(m.baseline_due_date or "added later"), m.blocked_reason or ""] for _, m in picked],
            hovertemplate="%{y}<br>due %{x|%d %b %Y}<br>owner %{customdata[0]}<br>baseline %{customdata[1]}"
                          "<br>%{customdata[2]}<extra></extra>"))
    base = [(lab, m) for lab, m in zip(labels, rows, strict=True) if m.baseline_due_date]
    if base:
        fig.add_trace(go.Scatter(x=[m.baseline_due_date.isoformat() for _, m in base], y=[lab for lab, _ in base],
                                 mode="markers", name="baseline due", marker_symbol="line-ns-open",
                                 marker_size=16, marker_line_width=2, marker_color="#37474f",
                                 hovertemplate="baseline due %{x|%d %b %Y}<extra></extra>"))
    fig.add_shape(type="line", x0=today.isoformat(), x1=today.isoformat(), y0=0, y1=1, yref="paper",
                  line={"color": "#6a1b9a", "dash": "dash", "width": 2})
    fig.add_annotation(x=today.isoformat(), y=1, yref="paper", text="today", showarrow=False, yanchor="bottom",
                       font={"color": "#6a1b9a"})
    fig.update_layout(barmode="overlay", height=max(320, 26 * len(rows) + 120), xaxis_type="date",
                      yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": labels},
                      margin={"l": 10, "r": 10, "t": 30, "b": 10}, legend_orientation="h",
                      legend={"y": -0.08})
    return fig


def _slip_text(m: MilestoneView) -> str:
    slip = m.slip_days()
    if slip:
        return f"{slip:+d} d"
    return ""
