"""Entry point: first-run setup, the sign-in gate, role-based navigation, and the sidebar frame."""

from __future__ import annotations

import streamlit as st

from auth import audit
from auth.roles import PAGES, ROLE_LABELS, pages_for
from jobs.setup import demo_is_built, ensure_ready_once, ready_in_process
from ui import freshness, session

st.set_page_config(page_title="Go-live dashboard", page_icon=":material/rocket_launch:", layout="wide")


def _prepare_stores() -> None:
    """Create or upgrade the stores once per process and config; the first run builds the demo.

    Several sessions may arrive at once on a fresh server: the first builds, the others wait and show
    its progress (jobs.setup.ensure_ready_once). The demo is marked ready only when it is complete."""
    settings = session.settings()
    if ready_in_process(settings):
        return
    first_run = settings.demo and not demo_is_built(settings)
    text = "Setting up the demo practice for the first time..." if first_run else "Preparing the databases..."
    bar = st.progress(0.0, text=text)

    def show(fraction: float, message: str) -> None:
        bar.progress(min(1.0, max(0.0, fraction)), text=message)

    try:
        ensure_ready_once(settings, show, waiting=show)
    finally:
        bar.empty()
    if first_run:
        session.reload_settings()


_prepare_stores()
user = session.current_user()

if user is not None and session.idle_expired():
    session.sign_out(audit.IDLE_TIMEOUT)
    st.session_state["signed_out_reason"] = "You were signed out after 15 minutes without activity."
    user = None


@st.fragment(run_every=60)
def _idle_watchdog() -> None:
    """Reruns only follow clicks, so an idle screen would keep showing data: once a minute, check the
    idle clock and rerun the whole app (which signs out) when it has run out."""
    if session.current_user() is not None and session.idle_expired():
        st.rerun(scope="app")


if user is None:
    # Every page's address answers with the sign-in form, so a bookmarked or shared link gets no "page not
    # found", and after sign-in the same address opens the page it names (when the role may see it).
    sign_in = [st.Page("app_pages/login.py", title="Sign in", icon=":material/login:", default=True)]
    sign_in += [st.Page("app_pages/login.py", title="Sign in", icon=":material/login:", url_path=spec.key)
                for spec in PAGES]
    nav = st.navigation(sign_in, position="hidden")
else:
    session.touch()
    sections: dict[str, list] = {}
    for spec in pages_for(user.role):
        sections.setdefault(spec.section, []).append(
            st.Page(str(spec.path.relative_to(spec.path.parent.parent)), title=spec.title, icon=spec.icon or None,
                    url_path=spec.key, default=spec.key == "home"))
    nav = st.navigation(sections, expanded=True)
    with st.sidebar:
        _idle_watchdog()
        st.caption(f"Signed in as **{user.display_name}** ({ROLE_LABELS.get(user.role, user.role)})")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            session.sign_out()
            st.rerun()
        from ui.readiness_moment import moment_switch  # demo only: before / after go-live

        moment_switch()
    freshness.show_banner(session.settings())  # warns when data is over a day old or a sync failed

nav.run()
