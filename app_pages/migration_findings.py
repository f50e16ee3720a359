"""Migration findings: every finding of a stored check run, filterable, with both records side by side.

Opening a finding shows patient-level data, so each opened finding is written to the audit log (outside
any cache). Export the filtered list as CSV or Excel.
"""

import streamlit as st

from auth import audit
from migration.readiness_text import CHECK_LABELS
from migration.records import record_pair, side_by_side
from migration.runner import params_for
from tracker import migration_runs
from ui import session
from ui.exports import download_buttons
from warehouse.store import reading

PAGE = "migration_findings"
user = session.require_role(PAGE)
settings = session.settings()

st.title("Migration findings")
history = migration_runs.history(settings.database_url)
if history.empty:
    st.info("No check run yet: run it on the Migration readiness page or with `python manage.py migration-check`.")
    st.stop()

run_id = st.selectbox("Run", history["run"].tolist(),
                      format_func=lambda r: f"Run {r} ({history.set_index('run').loc[r, 'ran at']:%Y-%m-%d %H:%M})")
frame = migration_runs.findings(settings.database_url, int(run_id))
if not st.session_state.get(f"{PAGE}_seen_{run_id}"):  # the list itself holds patient-level values
    audit.record(settings.database_url, session.actor(), audit.VIEW_PATIENT_DATA, resource_type="migration_run",
                 resource_id=int(run_id), page=PAGE, detail={"findings": len(frame)})
    st.session_state[f"{PAGE}_seen_{run_id}"] = True
cols = st.columns(4)
filters = {}
for col, (name, label) in zip(cols, [("check", "Check"), ("table", "Record type"), ("severity", "Severity"),
                                     ("system", "System")], strict=True):
    filters[name] = col.multiselect(label, sorted(frame[name].dropna().unique()),
                                    format_func=(lambda c: CHECK_LABELS.get(c, c)) if name == "check" else str)
shown = frame
for name, chosen in filters.items():
    if chosen:
        shown = shown[shown[name].isin(chosen)]
shown = shown.reset_index(drop=True)
for c in ("legacy", "new"):
    shown[c] = shown[c].map(lambda v: "" if v is None else str(v))
st.caption(f"{len(shown)} of {len(frame)} findings.")
st.dataframe(shown, hide_index=True, width="stretch", key="findings_table")
download_buttons(shown, "migration-findings", sheet="Findings", audit_resource=PAGE)


def _label(i: int) -> str:
    r = shown.iloc[i]
    return f"{CHECK_LABELS.get(r['check'], r['check'])}: {r['table']} {r['key']}" + (f" ({r['field']})" if r["field"] else "")


choice = st.selectbox("Show both records of", list(range(len(shown))), index=None, format_func=_label,
                      placeholder="Choose a finding", key="finding_choice")
if choice is not None:
    f = shown.iloc[choice].to_dict()
    params = params_for(settings)
    with reading(settings.warehouse_url) as con:
        legacy, new = record_pair(con, params, f["table"], f["system"], f["key"])
    opened = (int(run_id), f["check"], f["table"], f["system"], f["key"], f["field"])
    if st.session_state.get(f"{PAGE}_opened") != opened:
        audit.record(settings.database_url, session.actor(), audit.VIEW_PATIENT_DATA, resource_type=f["table"],
                     resource_id=f["key"], page=PAGE,
                     detail={"check": f["check"], "system": f["system"], "run": int(run_id)})
        st.session_state[f"{PAGE}_opened"] = opened
    st.subheader(f"{CHECK_LABELS.get(f['check'], f['check'])}: {f['table']} {f['key']}")
    if f["check"] == "duplicate_patient":
        st.caption("The two records of the same system that look like one person.")
    pair = side_by_side(legacy, new)
    if pair.empty:
        st.info("Neither record exists in the warehouse any more (the data changed since this run).")
    else:
        left_label = "first" if f["check"] == "duplicate_patient" else "legacy"
        right_label = "second" if f["check"] == "duplicate_patient" else "new"
        st.dataframe(pair.rename(columns={"legacy": left_label, "new": right_label}), hide_index=True,
                     width="stretch", column_config={"differs": st.column_config.CheckboxColumn("differs")})
