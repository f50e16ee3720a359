"""Figures and small helpers for the training, staff pulse and vendor pages (plotly, no streamlit)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from config.settings import Settings, demo_anchor
from tracker.training import GATE, RoleGroupStatus


def reporting_day(settings: Settings) -> dt.date:
    """The day the figures are "as of": the demo's generation day in the demo (so its story holds on
    any later day), today otherwise."""
    if settings.demo:
        anchor = demo_anchor(settings.database_url)
        if anchor is not None:
            return anchor
    return dt.date.today()


def gate_figure(statuses: list[RoleGroupStatus]) -> go.Figure:
    """Completion rate per role group as bars, with the 90 % gate as a line."""
    labels = [g.label for g in statuses]
    rates = [g.rate if g.rate is not None else 0 for g in statuses]
    colors = ["#2e7d32" if g.meets_gate else "#c62828" for g in statuses]
    text = [f"{g.completed}/{g.active_staff}" if g.active_staff else "nobody" for g in statuses]
    fig = go.Figure(
        go.Bar(
            x=rates,
            y=labels,
            orientation="h",
            marker_color=colors,
            text=text,
            textposition="auto",
            hovertemplate="%{y}: %{x:.0%}<extra></extra>",
        )
    )
    fig.add_vline(
        x=GATE, line_dash="dash", line_color="#555", annotation_text="90 % gate", annotation_position="top"
    )
    fig.update_layout(
        xaxis={"range": [0, 1], "tickformat": ".0%", "title": "trained and passed"},
        yaxis={"autorange": "reversed"},
        height=80 + 45 * len(statuses),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    return fig


def tco_figure(long: pd.DataFrame) -> go.Figure:
    """Stacked cost components per vendor, one group of bars per horizon (3 and 5 years)."""
    fig = go.Figure()
    if long.empty:
        return fig
    for component, part in long.groupby("component", sort=False):
        fig.add_trace(
            go.Bar(
                name=component,
                x=[part["horizon"], part["vendor"]],
                y=part["cost"],
                hovertemplate="%{x}<br>" + component + ": $%{y:,.0f}<extra></extra>",
            )
        )
    totals = long.groupby(["horizon", "vendor"], sort=False)["cost"].sum().reset_index()
    fig.add_trace(
        go.Scatter(
            x=[totals["horizon"], totals["vendor"]],
            y=totals["cost"],
            mode="text",
            text=[f"${v:,.0f}" for v in totals["cost"]],
            textposition="top center",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        barmode="stack",
        yaxis={"title": "total cost (USD)", "tickformat": "$,.0f"},
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=460,
    )
    return fig


def enps_figure(table: pd.DataFrame) -> go.Figure:
    """eNPS per round as bars on the -100..+100 scale."""
    fig = go.Figure()
    if table.empty:
        return fig
    values = table["enps"].astype(float).fillna(0)
    fig.add_trace(
        go.Bar(
            x=table["round"],
            y=values,
            text=[f"{v:+.0f}" for v in values],
            marker_color=["#2e7d32" if v >= 0 else "#c62828" for v in values],
            customdata=table["responses"],
            hovertemplate="%{x}: %{y:+.0f} (%{customdata} answers)<extra></extra>",
        )
    )
    fig.update_layout(
        yaxis={"range": [-100, 100], "title": "eNPS"}, height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10}
    )
    return fig
