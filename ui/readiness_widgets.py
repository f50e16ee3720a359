"""Pieces of the Go / no-go page: verdict banner, criterion cards with their fix links, the score chart."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from auth.roles import PAGES_BY_KEY, can_view
from metrics.readiness import AMBER, GO, GO_WITH_RISKS, GREEN, NO_GO, RED, Criterion, Readiness
from ui.links import page_link

STATE_LABEL = {GREEN: "GREEN", AMBER: "AMBER", RED: "RED"}
STATE_ICON = {GREEN: ":material/check_circle:", AMBER: ":material/warning:", RED: ":material/cancel:"}
STATE_COLOUR = {GREEN: "green", AMBER: "orange", RED: "red"}
VERDICT_COLOUR = {GO: "#2e7d32", GO_WITH_RISKS: "#e69100", NO_GO: "#c62828"}


def criterion_label(c: Criterion) -> str:
    """One line naming the criterion and its state (also what the browser tests look for)."""
    return f"{c.title} · {STATE_LABEL[c.state]}{' · critical' if c.critical else ''}"


def verdict_banner(readiness: Readiness) -> None:
    box = {NO_GO: st.error, GO_WITH_RISKS: st.warning, GO: st.success}[readiness.verdict]
    head, _, rest = readiness.sentence.partition(": ")
    box(f"**{head}:** {rest}" if rest else readiness.sentence,
        icon={NO_GO: ":material/block:", GO_WITH_RISKS: ":material/report:", GO: ":material/verified:"}
        [readiness.verdict])


def fix_link(c: Criterion, role: str) -> None:
    """A link to the page where the criterion is fixed, when that page exists and the role may open it."""
    spec = PAGES_BY_KEY.get(c.page)
    if spec is None:
        return
    if can_view(role, c.page):
        try:
            if page_link(c.page, f"Fix on {spec.title}", icon=":material/arrow_forward:"):
                return
        except StreamlitPageNotFoundError:  # the page runs outside the app's navigation (AppTest)
            pass
    st.caption(f"Fixed on: {spec.title}")


def criterion_card(c: Criterion, role: str, *, show_link: bool = True, key_prefix: str = "live") -> None:
    """A bordered card: state, evidence, owner, link; details folded away."""
    with st.container(border=True, key=f"{key_prefix}_{c.key}"):
        left, right = st.columns([5, 2])
        with left:
            st.markdown(f"{STATE_ICON[c.state]} :{STATE_COLOUR[c.state]}[**{criterion_label(c)}**]")
            st.write(c.evidence)
        with right:
            st.caption(f"Owner: **{c.owner}**")
            if show_link:
                fix_link(c, role)
        if c.details:
            with st.expander("Evidence details"):
                for d in c.details:
                    st.markdown(f"- {d}")


def criteria_frame(readiness: Readiness) -> pd.DataFrame:
    """Every criterion as a table (for snapshots and exports)."""
    return pd.DataFrame([{
        "state": STATE_LABEL[c.state], "criterion": c.title, "critical": c.critical, "evidence": c.evidence,
        "owner": c.owner, "fixed on": PAGES_BY_KEY[c.page].title if c.page in PAGES_BY_KEY else c.page,
    } for c in readiness.criteria], columns=["state", "criterion", "critical", "evidence", "owner", "fixed on"])


def score_figure(history: pd.DataFrame, go_live: dt.date, decisions: list[tuple[dt.datetime, str]] = ()
                 ) -> go.Figure:
    """Daily readiness score (0-100) with each day's verdict as the marker colour, go-live and decisions marked."""
    fig = go.Figure()
    if not history.empty:
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(history["day"]), y=history["score"], mode="lines+markers", name="Readiness score",
            line={"color": "#5c6bc0"},
            marker={"color": [VERDICT_COLOUR.get(v, "#777") for v in history["verdict"]], "size": 7},
            customdata=history[["verdict", "green", "amber", "red"]].to_numpy(),
            hovertemplate="%{x|%b %d}: score %{y}<br>%{customdata[0]}<br>green %{customdata[1]}, "
                          "amber %{customdata[2]}, red %{customdata[3]}<extra></extra>"))
    go_live_x = pd.Timestamp(go_live)
    fig.add_shape(type="line", x0=go_live_x, x1=go_live_x, y0=0, y1=100, line={"dash": "dash", "color": "#444"})
    fig.add_annotation(x=go_live_x, y=100, text="go-live", showarrow=False, yshift=10)
    for when, label in decisions:
        x = pd.Timestamp(when)
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=100, line={"dash": "dot", "color": "#2e7d32"})
        fig.add_annotation(x=x, y=92, text=label, showarrow=False, xshift=-4, xanchor="right")
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 30, "b": 10}, showlegend=False,
                      yaxis={"range": [0, 105], "title": "score"}, xaxis={"title": None})
    return fig
