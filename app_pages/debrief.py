"""End-of-day debrief: a day's opened and resolved issues, blockers still open, by category; as a PDF."""

import datetime as dt

import streamlit as st

from tracker import issue_log, plan
from ui import session

user = session.require_role("debrief")
settings = session.settings()
url = settings.database_url

st.title("End-of-day debrief")
issues = issue_log.list_issues(url)
days = issue_log.issue_days(issues)
today = dt.date.today()
if today not in days:
    days = [today, *days]
day = st.selectbox("Day", days, format_func=lambda d: f"{d:%A %d %B %Y}", key="debrief_day")
d = issue_log.debrief(issues, day)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Opened", len(d.opened))
c2.metric("Resolved", len(d.closed))
c3.metric("Still open at end of day", d.still_open)
c4.metric("Open blockers", len(d.open_blockers))
st.subheader("By category")
st.dataframe(d.by_category, hide_index=True, width="stretch")
st.subheader("Blockers still open")
if d.open_blockers:
    st.dataframe(issue_log.issues_frame(d.open_blockers), hide_index=True, width="stretch")
else:
    st.success("No blocker open at the end of this day.")
st.subheader("Opened this day")
st.dataframe(issue_log.issues_frame(d.opened), hide_index=True, width="stretch")
st.subheader("Resolved this day")
st.dataframe(issue_log.issues_frame(d.closed), hide_index=True, width="stretch")
profile = plan.get_profile(url)
name = profile.practice_name if profile and profile.practice_name else settings.raw.get("project", {}).get(
    "practice_name", "")
st.download_button("Download the debrief (PDF, printable)", issue_log.debrief_pdf(d, name, user.display_name),
                   file_name=f"debrief-{day:%Y-%m-%d}.pdf", mime="application/pdf", icon=":material/print:")
