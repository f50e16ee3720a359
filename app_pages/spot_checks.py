"""Spot checks: a stratified 10-15 % sample of the in-scope records, reviewed by eye and signed off.

The sample is drawn by table, location, payer and whether an authorization is active, reproducibly from
its seed. Each record shows legacy and new side by side (patient-level: the view is audited); the
reviewer marks it verified or wrong with a note. Progress and the sign-off are recorded and audited.
The sample is also the test migration: the checks' time on it is shown with an estimate for the full run.
"""

import streamlit as st

from auth import audit
from migration.records import record_pair, side_by_side
from migration.runner import params_for
from migration.sample import DEFAULT_FRACTION, draw
from tracker import migration_runs, spot_checks
from ui import session
from warehouse.store import reading

PAGE = "spot_checks"
user = session.require_role(PAGE)
settings = session.settings()
url = settings.database_url

st.title("Spot checks")
st.caption("Draw a sample, open each record, compare the two systems by eye, and mark it. Sign off when every "
           "record is reviewed. The same seed on the same data draws the same records.")

with st.expander("Draw a new sample", expanded=spot_checks.latest_sample_id(url) is None), st.form("draw"):
    seed = st.number_input("Seed", min_value=0, max_value=2**31 - 1, value=2026, step=1)
    fraction = st.slider("Share of in-scope records", 0.10, 0.15, DEFAULT_FRACTION, 0.01, format="%.2f")
    if st.form_submit_button("Draw sample", icon=":material/casino:"):
        with st.spinner("Drawing the sample and timing the checks on it..."):
            with reading(settings.warehouse_url) as con:
                drawn = draw(con, params_for(settings), seed=int(seed), fraction=float(fraction))
            spot_checks.create_sample(url, drawn, session.actor())
        st.rerun()

state = spot_checks.sign_off_state(url)
if state is None:
    st.info("No sample drawn yet.")
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric("Sample", f"{state.size} of {state.population}", help=f"Seed {state.seed}, {state.fraction:.0%}")
c2.metric("Reviewed", f"{state.reviewed} / {state.size}")
c3.metric("Wrong", state.wrong)
c4.metric("Signed off", f"by {state.signed_off_by}" if state.signed_off else "not yet")
st.progress(state.reviewed / state.size if state.size else 0.0)
full = migration_runs.latest_run(url)
if state.check_seconds is not None:
    st.caption(f"Test migration: the checks took {state.check_seconds:.1f} s on the {state.size} sampled records; "
               f"estimate for all {state.population}: about {state.full_estimate_seconds:.0f} s (proportional, "
               "an upper bound)" + (f"; the last full run took {full.seconds:.1f} s." if full else "."))

items = spot_checks.items(url, state.sample_id)
show = st.segmented_control("Show", ["pending", "wrong", "verified", "all"], default="pending", key="spot_show")
listed = items if show in (None, "all") else items[items["status"] == show]
st.dataframe(listed.drop(columns=["version"]), hide_index=True, width="stretch", key="spot_items")
choice = st.selectbox("Review", list(range(len(listed))), index=None, placeholder="Choose a record to review",
                      format_func=lambda i: f"{listed.iloc[i]['table']} {listed.iloc[i]['legacy key']}"
                      f" ({listed.iloc[i]['status']})", key="spot_choice")
if choice is not None:
    item = listed.iloc[choice].to_dict()
    with reading(settings.warehouse_url) as con:
        legacy, new = record_pair(con, params_for(settings), item["table"], "legacy", item["legacy key"])
    if st.session_state.get(f"{PAGE}_opened") != item["id"]:
        audit.record(url, session.actor(), audit.VIEW_PATIENT_DATA, resource_type=item["table"],
                     resource_id=item["legacy key"], page=PAGE, detail={"spot_check_item": int(item["id"])})
        st.session_state[f"{PAGE}_opened"] = item["id"]
    st.subheader(f"{item['table']} {item['legacy key']}")
    st.dataframe(side_by_side(legacy, new), hide_index=True, width="stretch")
    if not state.signed_off:
        with st.form(f"mark_{item['id']}"):
            verdict = st.radio("Verdict", ["verified", "wrong"], horizontal=True)
            note = st.text_input("Note", value=item["note"] or "")
            if st.form_submit_button("Save verdict"):
                try:
                    spot_checks.mark(url, int(item["id"]), verdict, note or None, session.actor(),
                                     expected_version=int(item["version"]))
                    st.rerun()
                except (spot_checks.ConcurrentEditError, ValueError) as exc:
                    st.error(str(exc))

if not state.signed_off:
    pending = state.size - state.reviewed
    note = st.text_input("Sign-off note", key="sign_off_note")
    if st.button("Sign off the spot checks", disabled=pending > 0,
                 help=f"{pending} record(s) still to review" if pending else None):
        try:
            spot_checks.sign_off(url, state.sample_id, session.actor(), note=note or None)
            st.rerun()
        except (spot_checks.ConcurrentEditError, ValueError) as exc:
            st.error(str(exc))
else:
    st.success(f"Signed off by {state.signed_off_by} on {state.signed_off_at:%Y-%m-%d %H:%M} UTC.")
