"""Data sources (administrator): each PMS the dashboard reads, how fresh its data is, and "Sync now".

"Sync now" runs the sync in a background thread of this server (jobs.sync.start_in_background), so it
carries on if the administrator leaves the page; the page follows its progress through the sync log,
which is also where scheduled runs (``manage.py scheduler``) report theirs.
"""

import time

import pandas as pd
import streamlit as st

from jobs.sync import reap_interrupted, running_here, start_in_background
from tracker import sync_log
from ui import session
from ui.freshness import badge, local_time

session.require_role("data_sources")
settings = session.settings()

KIND_LABELS = {"sql": "Database (SQL)", "csv": "Folder of CSV exports", "x12": "X12 835/837 files",
               "fhir": "FHIR resources"}
ROLE_LABELS = {"legacy": "Legacy system", "new": "New system"}

st.title("Data sources")
st.caption("Each practice-management system the dashboard reads. Sources are read read-only, on their schedule "
           "(run `python manage.py scheduler`) or when you press Sync now; a failed sync never changes the data "
           "the dashboard shows. Times are the server's local time.")

if not settings.sources:
    st.info("No sources are configured. Add [[sources]] to the configuration file.")
    st.stop()


def _rows_frame(rows: dict) -> pd.DataFrame:
    return pd.DataFrame({"table": list(rows), "rows": list(rows.values())})


@st.fragment(run_every=1.0)
def _follow(name: str) -> None:
    """Progress of a running sync, refreshed every second until it finishes."""
    run = sync_log.last_run(settings.database_url, name)
    before_id, clicked_at = st.session_state.get(f"following_{name}") or (None, 0.0)
    if run is not None and run.outcome == sync_log.RUNNING:
        st.progress(min(1.0, run.progress or 0.0), text=f"Syncing {name}: {run.stage or 'starting'}")
        return
    if (run is None or run.id == before_id) and running_here(settings, name) and time.time() - clicked_at < 30:
        st.progress(0.0, text=f"Syncing {name}: starting")  # the new run is not in the log yet
        return
    st.session_state.pop(f"following_{name}", None)
    st.rerun(scope="app")


def _source_panel(status: sync_log.SourceStatus) -> None:
    name = status.name
    with st.container(border=True):
        head, action = st.columns([4, 1])
        head.subheader(name)
        head.caption(f"{ROLE_LABELS.get(status.role, status.role)} · {KIND_LABELS.get(status.kind, status.kind)}"
                     + (f" · scheduled `{status.schedule}`" if status.schedule else " · no schedule"))
        running = status.running or running_here(settings, name)
        if action.button("Sync now", key=f"sync_{name}", icon=":material/sync:", disabled=running,
                         width="stretch"):
            before = sync_log.last_run(settings.database_url, name)
            if start_in_background(settings, name, session.actor()):
                st.session_state[f"following_{name}"] = (before.id if before else None, time.time())
                st.rerun()
        success = status.latest_success
        when, rows, fresh = st.columns(3)
        when.metric("Last successful sync", local_time(success.finished_at) if success else "never")
        rows.metric("Rows loaded", f"{success.total_rows:,}" if success else "-")
        with fresh:
            st.markdown("**Freshness**")
            badge(status)
        if running or st.session_state.get(f"following_{name}"):
            _follow(name)
        last = status.last_run
        if last is not None and last.outcome == sync_log.FAILED:
            st.error(f"Last sync ({local_time(last.finished_at)}) failed. "
                     f"{sync_log.plain_error(last.error, name)}", icon=":material/error:")
            with st.expander("Details of the error"):
                st.text(last.error)
        elif last is not None and last.outcome == sync_log.SUCCESS:
            st.success(f"Last sync finished {local_time(last.finished_at)}: {last.total_rows:,} rows "
                       f"(sync #{last.id}, started by {last.triggered_by}).", icon=":material/check_circle:")
        if success:
            with st.expander(f"Rows per table (sync #{success.id})"):
                st.dataframe(_rows_frame(success.rows), hide_index=True, width="stretch")


reap_interrupted(settings)  # a sync whose process was killed is shown as failed, not as running forever
for source_status in sync_log.source_statuses(settings):
    _source_panel(source_status)

st.subheader("Sync history")
history = sync_log.history(settings.database_url, limit=100)
if history.empty:
    st.info("No sync has run yet.")
else:
    shown = pd.DataFrame({
        "sync": history["id"],
        "source": history["source"],
        "started": history["started_at"].map(local_time),
        "finished": history["finished_at"].map(lambda t: local_time(None if pd.isna(t) else t)),
        "outcome": history["outcome"],
        "rows": history["total_rows"],
        "started by": history["triggered_by"],
        "error": history["error"].fillna("").map(lambda e: e if len(e) <= 200 else e[:197] + "..."),
    })
    st.dataframe(shown, hide_index=True, width="stretch")
