"""Migration readiness: the receipts of the newest check run and the verdict on data migration.

Shows what was in scope, what arrived and what is missing per record type; the open AR at cut-over in
both systems (total, by payer, by aging bucket) with differences; authorization visits remaining in
both; the findings per check and severity; and a one-sentence verdict listing every blocker. Billing
sees the AR receipts only. Numbers come from the stored run (``manage.py migration-check`` or the
button below), so this page never recomputes on a view.
"""

import pandas as pd
import streamlit as st

from auth.audit import Actor
from auth.roles import ADMINISTRATOR, BILLING, IMPLEMENTATION_LEAD
from migration import readiness_text
from migration.runner import run_and_store
from tracker import migration_runs
from ui import session
from ui.links import page_link
from warehouse.errors import UserFacingError

PAGE = "migration_readiness"
user = session.require_role(PAGE)
settings = session.settings()

st.title("Migration readiness")
st.caption(readiness_text.HELP)

run = migration_runs.latest_run(settings.database_url)
if user.role in (ADMINISTRATOR, IMPLEMENTATION_LEAD) and st.button("Run the migration check now", icon=":material/play_arrow:"):
    with st.spinner("Comparing the legacy and the new system..."):
        try:
            a = session.actor()
            run_and_store(settings, Actor(a.username, a.role, a.session_uid))
            st.rerun()
        except UserFacingError as exc:
            st.error(str(exc))
if run is None:
    st.info("The migration check has not run yet. Sync both systems, then run it here or with "
            "`python manage.py migration-check`.")
    st.stop()

s = run.summary
st.caption(readiness_text.run_caption(run))
ar = s["open_ar"]


def _money_table(rows: list[dict], first: str, label: str) -> pd.DataFrame:
    return pd.DataFrame([{label: r[first], "claims": r["claims"], "legacy": r["legacy"], "new": r["new"],
                          "difference": r["difference"]} for r in rows])


money = {c: st.column_config.NumberColumn(c, format="%.2f") for c in ("legacy", "new", "difference")}

if user.role != BILLING:
    verdict = readiness_text.verdict(run)
    (st.error if run.blockers else st.success)(verdict)
    if run.blocker_findings:
        st.dataframe(pd.DataFrame(run.blocker_findings), hide_index=True, width="stretch")

st.subheader("Open AR at cut-over")
st.markdown(readiness_text.ar_sentence(ar))
c1, c2, c3 = st.columns(3)
c1.metric("Legacy system", f"{ar['legacy']:,.2f}")
c2.metric("New system", f"{ar['new']:,.2f}")
c3.metric("Difference", f"{ar['difference']:,.2f}")
left, right = st.columns(2)
left.caption("By payer (legacy payer id)")
left.dataframe(_money_table(ar["by_payer"], "payer_id", "payer"), hide_index=True, column_config=money)
right.caption("By aging bucket (days of service before cut-over)")
right.dataframe(_money_table(ar["by_aging_bucket"], "bucket", "days"), hide_index=True, column_config=money)
if s.get("run_off_ar"):
    st.caption("Kept in the old system (run-off payer classes): "
               + "; ".join(f"{cls} {r['amount']:,.2f} on {r['claims']} claims" for cls, r in s["run_off_ar"].items()))

if user.role == BILLING:
    st.stop()

st.subheader("Records per type")
st.dataframe(readiness_text.receipts_frame(s), hide_index=True)

st.subheader("Authorization visits remaining")
visits = s["authorization_visits"]
v1, v2, v3 = st.columns(3)
v1.metric("Legacy system", visits["legacy"])
v2.metric("New system, as shown", visits["new_shown"])
v3.metric("New system, net of visits since go-live", visits["new_netted"],
          help="Completed visits recorded in the new system since go-live, within each authorization's dates "
               "and discipline, are added back so the two systems compare as at cut-over.")

st.subheader("Findings per check")
st.dataframe(readiness_text.counts_frame(s), hide_index=True)
page_link("migration_findings", "Open the findings", icon=":material/rule:")
