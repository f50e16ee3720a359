"""Go-live issue log: log an issue in seconds; leads triage (owner, status, resolution)."""

import streamlit as st

from tracker import issue_log, plan
from tracker.editing import NotFound
from ui import edit_conflict, session
from ui.exports import download_buttons

user = session.require_role("issue_log")
url = session.settings().database_url
actor = session.actor()
lead = user.role in issue_log.TRIAGE_ROLES

st.title("Go-live issue log")
edit_conflict.show_flash("issue_log")
profile = plan.get_profile(url)
places = (profile.location_names if profile else []) or []

with st.form("log_issue", clear_on_submit=True):
    st.markdown("**Log an issue**")
    what = st.text_input("What happened", placeholder="e.g. cannot print the superbill at check-out", key="issue_what")
    c1, c2, c3 = st.columns(3)
    category = c1.selectbox("Category", list(issue_log.CATEGORIES), format_func=issue_log.CATEGORIES.get,
                            key="issue_category")
    severity = c2.selectbox("Severity", list(issue_log.SEVERITIES), index=2, format_func=issue_log.SEVERITIES.get,
                            key="issue_severity")
    if places:
        where = c3.selectbox("Where", places, key="issue_where")
    else:
        where = c3.text_input("Where (location, room, desk)", key="issue_where")
    if st.form_submit_button("Log issue", type="primary", icon=":material/add_alert:"):
        try:
            issue = issue_log.log_issue(url, actor, what=what, category=category, severity=severity, location=where)
        except ValueError as exc:
            st.error(str(exc))
        else:
            edit_conflict.flash("issue_log", f"Issue #{issue.id} logged. Thank you!")
            st.rerun()

issues = issue_log.list_issues(url) if lead else issue_log.list_issues(url, opened_by=user.username)
open_only = st.toggle("Open issues only", value=lead)
shown = [i for i in issues if i.status != "resolved"] if open_only else issues
st.subheader("All issues" if lead else "Issues you logged")
c1, c2, c3 = st.columns(3)
c1.metric("Open", sum(i.status != "resolved" for i in issues))
c2.metric("Open blockers", sum(i.status != "resolved" and i.severity == "blocker" for i in issues))
c3.metric("Resolved", sum(i.status == "resolved" for i in issues))
frame = issue_log.issues_frame(shown)
st.dataframe(frame, hide_index=True, width="stretch")

if not lead:
    st.stop()

download_buttons(issue_log.issues_frame(issues), "issue-log", sheet="Issues", audit_resource="issue_log")
if not issues:
    st.stop()
st.subheader("Triage")
labels = {i.id: f"#{i.id} {i.what[:70]}" for i in (shown or issues)}
chosen = st.selectbox("Issue", list(labels), format_func=labels.get, key="triage_issue")
try:
    issue = issue_log.get_issue(url, chosen)
except NotFound as exc:
    st.warning(str(exc))
    st.stop()
v = edit_conflict.started_version("issue", issue.id, issue.version, f"save_issue_{issue.id}")
with st.form(f"triage_{issue.id}_{v}"):
    c1, c2, c3 = st.columns(3)
    statuses = list(issue_log.STATUSES)
    status = c1.selectbox("Status", statuses, statuses.index(issue.status), format_func=issue_log.STATUSES.get)
    owner = c2.text_input("Owner (username)", issue.owner or "")
    severities = list(issue_log.SEVERITIES)
    severity = c3.selectbox("Severity", severities, severities.index(issue.severity),
                            format_func=issue_log.SEVERITIES.get)
    resolution = st.text_area("Resolution", issue.resolution or "")
    save = st.form_submit_button("Save triage", type="primary", key=f"save_issue_{issue.id}")
if save:
    edit_conflict.save("issue", issue.id, "issue_log", f"Issue #{issue.id} saved.",
                       lambda: issue_log.triage(url, actor, issue.id, v, status=status,
                                                owner=owner.strip() or None, severity=severity,
                                                resolution=resolution.strip() or None))
