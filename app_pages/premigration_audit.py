"""Pre-migration audit: the legacy system alone, before any data moves.

Incomplete records, duplicate patients and outdated coverage, counted per location so each front desk
can clean up its own patients before the export. The rules are the migration check's own. The list of
patients is patient-level data: only roles allowed to see patients get it, and each view is audited.
"""

import datetime as dt

import streamlit as st

from auth import audit
from auth.roles import may_see_patients
from migration.audit import run_audit
from migration.readiness_text import CHECK_LABELS
from ui import session
from ui.exports import download_buttons
from warehouse.store import reading

PAGE = "premigration_audit"
user = session.require_role(PAGE)
settings = session.settings()


def _data_version() -> int:
    try:
        from tracker.sync_log import data_version
    except ImportError:
        return 0
    return data_version(settings.database_url)


@st.cache_data(ttl=900, show_spinner="Auditing the legacy system...", max_entries=10)
def _audit(warehouse_url: str, go_live: dt.date, legacy: str, data_version: int):
    """Recomputed only after a new sync (data_version); holds no audit writes."""
    with reading(warehouse_url) as con:
        return run_audit(con, go_live, legacy)


st.title("Pre-migration audit")
st.caption("What to clean up in the legacy system before the export: patients missing a birth date, a way to reach "
           "them, or an address; coverages without a member ID; likely duplicate patients; and patients seen in "
           "the last 90 days whose primary coverage has ended or was not verified within a year of go-live.")
if settings.legacy_source is None:
    st.info("No legacy source is configured.")
    st.stop()
result = _audit(settings.warehouse_url, settings.go_live, settings.legacy_source.name, _data_version())

totals = result.findings["check"].value_counts() if len(result.findings) else {}
cols = st.columns(3)
for col, check in zip(cols, ("incomplete_record", "duplicate_patient", "outdated_coverage"), strict=True):
    col.metric(CHECK_LABELS[check], int(totals.get(check, 0)) if len(result.findings) else 0)

st.subheader("Per location")
st.dataframe(result.by_location.rename(columns=CHECK_LABELS), hide_index=True, width="stretch")

if may_see_patients(user.role):
    st.subheader("Records to fix")
    location = st.selectbox("Location", ["All", *sorted(result.findings["location"].dropna().unique())])
    shown = result.findings if location == "All" else result.findings[result.findings["location"] == location]
    if not st.session_state.get(f"{PAGE}_seen"):
        audit.record(settings.database_url, session.actor(), audit.VIEW_PATIENT_DATA, resource_type="patients",
                     page=PAGE, detail={"records": len(result.findings)})
        st.session_state[f"{PAGE}_seen"] = True
    st.dataframe(shown.assign(check=shown["check"].map(CHECK_LABELS)), hide_index=True, width="stretch")
    download_buttons(shown, "premigration-audit", sheet="Audit", audit_resource=PAGE)
