"""KPI records: the claims, visits or notes behind one KPI value (patient-level; every view audited)."""

import datetime as dt

import streamlit as st

from auth import audit
from auth.roles import may_see_patients
from metrics.records import MAX_ROWS, RECORD_TABLES, kpi_records
from metrics.registry import registry
from metrics.windows import DEFAULT_WINDOWS, resolve
from ui import kpi_data, session
from ui.exports import download_buttons

user = session.require_role("kpi_records")
if not may_see_patients(user.role):
    st.error("Your role may not open patient-level records.")
    st.stop()
settings = session.settings()
reg = registry(settings)

st.title("KPI records")
st.caption("Pick a KPI value to see the records it counted and what each added to the numerator and "
           "denominator. Opening this list is recorded in the audit log.")
today = dt.date.today()
left, middle, right = st.columns(3)
kpi_id = left.selectbox("KPI", list(reg), format_func=lambda k: reg[k].name, key="records_kpi")
window_name = middle.selectbox("Window", list(DEFAULT_WINDOWS), key="records_window")
as_of = right.date_input("As of", today, max_value=today, key="records_as_of")
spec = reg[kpi_id]
dims = [d for d in spec.dimensions if d != "denial_category"]
options = kpi_data.options(as_of)
by = {}
cols = st.columns(max(1, len(dims)))
for column, dim in zip(cols, dims, strict=False):
    choices = options.get(dim, {})
    if dim == "payer_class":
        continue
    picked = column.selectbox(dim.capitalize(), ["All", *choices], key=f"records_{dim}",
                              format_func=lambda k, c=choices: c.get(k, k))
    if picked != "All":
        by[dim] = picked
st.caption(f"{spec.definition} Counted records: {RECORD_TABLES[kpi_id]}.")

if st.button("Show the records", type="primary", key="records_show") or st.session_state.get("records_shown"):
    st.session_state["records_shown"] = True
    window = resolve(window_name, settings.go_live, as_of)
    frame = kpi_records(settings, kpi_id, window, as_of, by=by)
    audit.record(settings.database_url, session.actor(), audit.VIEW_PATIENT_DATA, resource_type="kpi_records",
                 resource_id=f"{kpi_id}/{window_name}", page="kpi_records",
                 detail={"as_of": as_of, "filters": by, "rows": len(frame)})
    if frame.empty:
        st.info("Nothing was counted for this value.")
    else:
        st.caption(f"{len(frame)} record(s)" + (f" (the first {MAX_ROWS:,})" if len(frame) >= MAX_ROWS else ""))
        st.dataframe(frame, hide_index=True, width="stretch")
        download_buttons(frame, f"kpi-records-{kpi_id}", key="export_records", sheet="Records",
                         audit_resource="kpi_records")
