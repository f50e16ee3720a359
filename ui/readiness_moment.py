"""The sidebar control that switches the demo between its two moments (three weeks before / 100 days after).

Each moment has its own config and data folder; app.py builds the other moment's demo (with a progress
bar) the first time it is chosen. Hidden when the app runs a given config (APP_CONFIG) or a real practice.
"""

from __future__ import annotations

import streamlit as st

from ui import session

MOMENTS = {"before": "3 weeks before go-live", "after": "100 days after go-live"}


def moment_switch() -> None:
    if not session.moment_choosable() or not session.settings().demo:
        return
    current = st.session_state.get(session.MOMENT_KEY, "after")
    chosen = st.radio("Demo moment", list(MOMENTS), format_func=MOMENTS.get, index=list(MOMENTS).index(current),
                      key="sidebar_moment_choice",
                      help="The same demo practice before its go-live (readiness) or after it (results).")
    if chosen != current:
        st.session_state[session.MOMENT_KEY] = chosen
        st.rerun()
