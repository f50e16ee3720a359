"""Quarterly review (owner): quarter over quarter, targets, and the return on the new system."""

import datetime as dt

import pandas as pd
import streamlit as st

from auth import audit
from metrics import review, roi
from metrics.registry import KPIS, format_value, registry, save_targets
from metrics.windows import resolve
from ui import kpi_data, session
from ui.exports import download_buttons
from ui.kpi_charts import payback_figure, sparkline_values

user = session.require_role("quarterly_review")
settings = session.settings()
reg = registry(settings)

st.title("Quarterly review")
today = dt.date.today()
as_of = st.date_input("As of", today, max_value=today, key="quarterly_as_of")
st.caption(f"Calendar quarters from the baseline through today. Went live {settings.go_live:%B %-d, %Y}. "
           f"Data synced: {kpi_data.data_date(settings)}.")

quarters = review.quarter_names(settings, as_of)
cells = kpi_data.quarter_cells(as_of, quarters)
total = {(c.kpi, c.window): c for c in cells if not c.by}
partial = [q for q in quarters if resolve(q, settings.go_live, as_of).is_partial(as_of)]

rows = []
for spec in reg.values():
    values = {q: total[(spec.id, q)].value if (spec.id, q) in total else None for q in quarters}
    last = total.get((spec.id, quarters[-1])) if quarters else None
    row = {"Group": spec.group, "KPI": spec.name}
    row.update({q: format_value(values[q], spec.unit) for q in quarters})
    row["Trend"] = sparkline_values(values, quarters, spec.unit)
    row["Target"] = spec.target_text
    row["Status"] = (last.status if last else "no_data").replace("_", " ")
    rows.append(row)
table = pd.DataFrame(rows)
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "Trend": st.column_config.LineChartColumn("Trend", help="Quarter by quarter (ratios in %)")})
if partial:
    st.caption(f"{', '.join(partial)}: partial quarter, counted up to {as_of:%Y-%m-%d}. Status is the latest quarter's.")
download_buttons(table.drop(columns=["Trend"]), "quarterly-review", key="export_quarterly", sheet="Quarterly")

# ------------------------------------------------------------------ ROI
st.subheader("Return on the new system")
st.markdown(f"**Formula.** {roi.FORMULA} The cash freed once by faster collection is shown but not counted "
            "toward payback.")
left, right = st.columns(2)
with left:
    cost = st.number_input("Implementation cost (USD)", min_value=0.0, value=25_000.0, step=1_000.0,
                           key="roi_cost", help="Licences, implementation, training, migration and support fees.")
    share = st.slider("Share of denied dollars never recovered", 0.0, 1.0, 0.5, 0.05, key="roi_share")
    rework = st.number_input("Rework cost per claim (USD)", min_value=0.0, value=25.0, step=5.0, key="roi_rework")
    money = st.slider("Yearly cost of money", 0.0, 0.25, 0.08, 0.01, key="roi_money")
go_live_cells = kpi_data.roi_cells(as_of)
post = [w for w in ("day90", "day60", "day30")
        if any(c.window == w and c.kpi == "days_in_ar" and c.value is not None for c in go_live_cells)]
if not post:
    right.info("The ROI estimate needs at least part of the first 30 days after go-live.")
else:
    after = post[0]
    window = resolve(after, settings.go_live, as_of)
    days = (min(window.end - dt.timedelta(days=1), as_of) - window.start).days + 1
    measured = roi.measured_from_cells(go_live_cells, "baseline", after, days)
    result = roi.estimate(measured, roi.RoiAssumptions(cost, share, rework, money))
    with right:
        st.caption(f"Measured: baseline against {after}.")
        st.metric("Recovered revenue per month", f"${result.monthly_recovered:,.0f}")
        st.metric("Payback month", "not reached" if result.payback_month is None else f"month {result.payback_month}")
        parts = pd.DataFrame([
            {"part": "Fewer denials", "per month": result.from_denials,
             "before": measured.denial_rate_before, "after": measured.denial_rate_after},
            {"part": "More clean claims", "per month": result.from_clean_claims,
             "before": measured.clean_claim_rate_before, "after": measured.clean_claim_rate_after},
            {"part": "Faster collection", "per month": result.from_faster_collection,
             "before": measured.days_in_ar_before, "after": measured.days_in_ar_after},
        ])
        st.dataframe(parts, hide_index=True, width="stretch",
                     column_config={"per month": st.column_config.NumberColumn(format="dollar")})
        st.caption(f"Cash freed once by faster collection: ${result.cash_freed_once:,.0f}.")
    st.plotly_chart(payback_figure(cost, result.monthly_recovered), key="payback", config={"displayModeBar": False})
    download_buttons(parts, "roi", key="export_roi", sheet="ROI")

# ------------------------------------------------------------------ targets
with st.expander("Targets for this practice"):
    st.caption("Change a target and save; every screen and `manage.py kpis` use it. Leave empty for no target.")
    targets = pd.DataFrame([{"kpi": k.id, "KPI": k.name, "better when": k.direction,
                             "target": reg[k.id].target, "default": k.target} for k in KPIS])
    edited = st.data_editor(targets, hide_index=True, disabled=["kpi", "KPI", "better when", "default"],
                            key="targets_editor", width="stretch")
    if st.button("Save targets", key="save_targets"):
        chosen = {r["kpi"]: (None if pd.isna(r["target"]) else float(r["target"]))
                  for r in edited.to_dict("records")}
        before = {k: reg[k].target for k in chosen}
        save_targets(settings, chosen)
        audit.record(settings.database_url, session.actor(), audit.CHANGE, resource_type="kpi_targets",
                     page="quarterly_review", before=before, after=chosen)
        st.success("Targets saved.")
        st.rerun()
