"""Users (administrator): every login, add one, disable or enable it, reset its password. All audited."""

import pandas as pd
import streamlit as st

from auth.roles import ROLE_LABELS, ROLES
from auth.users import create_user, list_users, reset_password, set_active
from ui import flash, session

user = session.require_role("users")
database_url = session.settings().database_url
actor = session.actor()

st.title("Users")
st.caption("Who can sign in, with which role. Every change here is written to the audit log.")

flash.show("users")

people = list_users(database_url)
st.dataframe(pd.DataFrame([{
    "Username": p.username, "Name": p.display_name, "Role": ROLE_LABELS.get(p.role, p.role),
    "Active": p.active, "Locked until (UTC)": p.locked_until if p.is_locked() else None,
    "Last sign-in (UTC)": p.last_login_at,
} for p in people]), hide_index=True, width="stretch")


def _done(message: str) -> None:
    flash.done("users", message)


add, status, password = st.tabs(["Add a user", "Disable or enable", "Reset a password"])

with add, st.form("add_user", clear_on_submit=True):
    username = st.text_input("Username", key="new_username")
    name = st.text_input("Full name", key="new_name")
    role = st.selectbox("Role", ROLES, format_func=lambda r: ROLE_LABELS.get(r, r), key="new_role")
    first = st.text_input("Password", type="password", key="new_password")
    again = st.text_input("Repeat the password", type="password", key="new_password_again")
    if st.form_submit_button("Add user", type="primary"):
        if first != again:
            st.error("The two passwords differ.")
        else:
            try:
                create_user(database_url, username.strip(), role, first, name.strip(), actor=actor)
            except ValueError as exc:
                st.error(str(exc).capitalize())
            else:
                _done(f"Added {username.strip()} ({ROLE_LABELS[role]}).")

others = [p for p in people if p.username != user.username]
with status:
    if not others:
        st.info("There is no other user yet.")
    else:
        chosen = st.selectbox("User", [p.username for p in others], key="status_user")
        target = next(p for p in others if p.username == chosen)
        st.caption("You cannot disable your own account here.")
        if target.active:
            if st.button("Disable", key="disable_user", type="primary"):
                set_active(database_url, chosen, False, actor)
                _done(f"Disabled {chosen}: they can no longer sign in.")
        elif st.button("Enable again", key="enable_user"):
            set_active(database_url, chosen, True, actor)
            _done(f"Enabled {chosen} again.")

with password, st.form("reset_password", clear_on_submit=True):
    chosen = st.selectbox("User", [p.username for p in people], key="reset_user")
    first = st.text_input("New password", type="password", key="reset_password_1")
    again = st.text_input("Repeat the new password", type="password", key="reset_password_2")
    st.caption("Resetting a password also lifts a lock-out after failed sign-ins.")
    if st.form_submit_button("Reset password", type="primary"):
        if first != again:
            st.error("The two passwords differ.")
        else:
            try:
                reset_password(database_url, chosen, first, actor)
            except ValueError as exc:
                st.error(str(exc).capitalize())
            else:
                _done(f"New password set for {chosen}.")
