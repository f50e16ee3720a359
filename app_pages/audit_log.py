"""Audit log (administrator): who did what and when, filtered by user, action and date; CSV/Excel export."""

import datetime as dt

import streamlit as st

from auth import audit
from ui import session
from ui.exports import download_buttons

session.require_role("audit_log")
database_url = session.settings().database_url

st.title("Audit log")
st.caption("Sign-ins, sign-outs, failed sign-ins, lock-outs, every change and every view of patient-level "
           "data. Times are UTC.")

EVERYONE, EVERY_ACTION = "Everyone", "Every action"
today = dt.datetime.now(dt.UTC).date()
left, middle, right = st.columns(3)
who = left.selectbox("User", [EVERYONE, *audit.usernames(database_url)], key="audit_user")
what = middle.selectbox("Action", [EVERY_ACTION, *audit.actions(database_url)], key="audit_action")
days = right.date_input("Dates", (today - dt.timedelta(days=30), today), max_value=today, key="audit_dates")

picked = list(days) if isinstance(days, tuple | list) else [days]
start, end = (picked[0], picked[-1]) if picked else (today, today)  # one end picked so far: that day
frame = audit.events(
    database_url,
    username=None if who == EVERYONE else who,
    action=None if what == EVERY_ACTION else what,
    since=dt.datetime.combine(start, dt.time()),
    until=dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
)

st.caption(f"{len(frame)} event(s), newest first" + (" (the newest 5,000)" if len(frame) >= 5000 else ""))
st.dataframe(frame, hide_index=True, width="stretch",
             column_config={"when": st.column_config.DatetimeColumn("when (UTC)", format="YYYY-MM-DD HH:mm:ss")})
download_buttons(frame, "audit-log", audit_resource="audit_log", sheet="Audit log")
