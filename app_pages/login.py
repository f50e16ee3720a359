"""Sign-in form. The demo's accounts are listed only while the app runs a demo config."""

import streamlit as st

from auth.users import DEMO_PASSWORD, DEMO_USERS, AuthError, authenticate
from ui import session

settings = session.settings()
st.title("Go-live dashboard")
st.caption("Sign in to follow your practice's move to its new practice management system.")

reason = st.session_state.pop("signed_out_reason", None)
if reason:
    st.info(reason)

with st.form("sign_in", clear_on_submit=False):
    username = st.text_input("Username")
    password = st.text_input("Password", type="password")
    submitted = st.form_submit_button("Sign in", type="primary")

if submitted:
    try:
        user = authenticate(settings.database_url, username.strip(), password, session.session_uid())
    except AuthError as exc:
        st.error(str(exc))
    else:
        session.sign_in(user)
        st.rerun()

if settings.demo:
    with st.container(border=True):
        st.markdown("**Demo practice.** Every role has an account; the password is "
                    f"`{DEMO_PASSWORD}` for all of them.")
        st.markdown(" · ".join(f"`{u}` ({r.replace('_', ' ')})" for u, r, _ in DEMO_USERS))
        if session.moment_choosable():
            moments = {"after": "100 days after go-live", "before": "three weeks before go-live"}
            current = st.session_state.get(session.MOMENT_KEY, "after")
            chosen = st.radio("Show the practice", list(moments), format_func=moments.get,
                              index=list(moments).index(current), horizontal=True, key="demo_moment_choice")
            if chosen != current:
                st.session_state[session.MOMENT_KEY] = chosen
                st.rerun()
