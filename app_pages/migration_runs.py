"""Check runs: every run of the migration check with its data date, and the difference between two runs
(findings new, resolved and persisting), so the fix-and-rerun loop can be seen converging."""

import pandas as pd
import streamlit as st

from migration.readiness_text import CHECK_LABELS
from tracker import migration_runs
from ui import session

PAGE = "migration_runs"
user = session.require_role(PAGE)
settings = session.settings()

st.title("Check runs")
history = migration_runs.history(settings.database_url)
if history.empty:
    st.info("No check run yet: run it on the Migration readiness page or with `python manage.py migration-check`.")
    st.stop()
st.dataframe(history, hide_index=True, width="stretch",
             column_config={c: st.column_config.NumberColumn(c, format="%.2f")
                            for c in ("open AR legacy", "open AR new", "difference")})
if len(history) > 1:
    chart = history.sort_values("run").set_index("ran at")[["blockers", "warnings"]]
    st.line_chart(chart)

st.subheader("Compare two runs")
runs = history["run"].tolist()
label = {r["run"]: f"Run {r['run']} ({r['ran at']:%Y-%m-%d %H:%M}, data version {r['data version']})"
         for r in history.to_dict("records")}
left, right = st.columns(2)
older = left.selectbox("Earlier run", runs, index=min(1, len(runs) - 1), format_func=label.get)
newer = right.selectbox("Later run", runs, index=0, format_func=label.get)
d = migration_runs.diff(settings.database_url, int(older), int(newer))
counts = d["change"].value_counts()
m1, m2, m3 = st.columns(3)
m1.metric("New", int(counts.get("new", 0)))
m2.metric("Resolved", int(counts.get("resolved", 0)))
m3.metric("Persisting", int(counts.get("persisting", 0)))
change = st.segmented_control("Show", ["new", "resolved", "persisting"], default="new", key="diff_show")
part = d[d["change"] == change] if change else d
part = part.assign(check=part["check"].map(lambda c: CHECK_LABELS.get(c, c)))
for c in ("legacy before", "new before", "legacy now", "new now"):
    part[c] = part[c].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
st.dataframe(part, hide_index=True, width="stretch")
