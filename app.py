"""Entry point: first-run setup, the sign-in gate, role-based navigation, and the sidebar frame."""

from __future__ import annotations

import streamlit as st

from auth import audit
from auth.roles import ROLE_LABELS, pages_for
from jobs.setup import demo_is_built, ensure_ready
from ui import session

st.set_page_config(page_title="Go-live dashboard", page_icon=":material/rocket_launch:", layout="wide")


@st.cache_resource(show_spinner=False)
def _ready(config_path: str) -> bool:
    """Create or upgrade the stores once per process and config (first run builds the demo)."""
    settings = session.settings()
    if settings.demo and not demo_is_built(settings):
        bar = st.progress(0.0, text="Setting up the demo practice for the first time...")
        ensure_ready(settings, lambda f, m: bar.progress(min(1.0, f), text=m))
        bar.empty()
    else:
        ensure_ready(settings)
    return True


_ready(session.config_path())
user = session.current_user()

if user is not None and session.idle_expired():
    session.sign_out(audit.IDLE_TIMEOUT)
    st.session_state["signed_out_reason"] = "You were signed out after 15 minutes without activity."
    user = None

if user is None:
    nav = st.navigation([st.Page("app_pages/login.py", title="Sign in", icon=":material/login:", default=True)],
                       position="hidden")
else:
    session.touch()
    sections: dict[str, list] = {}
    for spec in pages_for(user.role):
        sections.setdefault(spec.section, []).append(
            st.Page(str(spec.path.relative_to(spec.path.parent.parent)), title=spec.title, icon=spec.icon or None,
                    url_path=spec.key, default=spec.key == "home"))
    nav = st.navigation(sections)
    with st.sidebar:
        st.caption(f"Signed in as **{user.display_name}** ({ROLE_LABELS.get(user.role, user.role)})")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            session.sign_out()
            st.rerun()

nav.run()
