"""Go-live review (owner, administrator): baseline against 30, 60 and 90 days after go-live."""

import datetime as dt

import streamlit as st

from auth.roles import can_view
from metrics import review
from metrics.registry import GROUPS, format_value, registry
from metrics.windows import GO_LIVE_WINDOWS, resolve
from ui import kpi_data, session
from ui.exports import download_buttons
from ui.kpi_charts import trend_figure

user = session.require_role("golive_review")
settings = session.settings()
reg = registry(settings)

st.title("Go-live review")
today = dt.date.today()
as_of = st.date_input("As of", today, max_value=today, key="golive_as_of",
                      help="KPIs count what had happened by the end of this day.")
data_date = kpi_data.data_date(settings)
st.caption(f"Went live {settings.go_live:%B %-d, %Y}. Baseline = the 90 days before go-live; day 30/60/90 = "
           f"the three 30-day periods after it. Data synced: {data_date}.")

# ------------------------------------------------------------------ filters
ALL = "All"
options = kpi_data.options(as_of)
filters: dict[str, str] = {}
labels: dict[str, str] = {}
columns = st.columns(len(review.FILTER_DIMENSIONS))
for column, dim in zip(columns, review.FILTER_DIMENSIONS, strict=True):
    choices = options.get(dim, {})
    picked = column.selectbox(dim.capitalize(), [ALL, *choices], key=f"golive_filter_{dim}",
                              format_func=lambda k, c=choices: c.get(k, k))
    if picked != ALL:
        filters[dim] = picked
        labels[dim] = choices.get(picked, picked)
if filters:
    st.info("Filtered: " + ", ".join(f"{k} = {v}" for k, v in labels.items()) +
            ". KPIs that cannot be broken down that way are hidden.")

cells, denials, trend = kpi_data.golive(as_of, filters)
frame = review.review_frame(cells, settings, as_of)
windows = {w: resolve(w, settings.go_live, as_of) for w in GO_LIVE_WINDOWS}
state = {w: win.state(as_of) for w, win in windows.items()}
notes = [f"{w}: partial (up to {as_of:%Y-%m-%d})" for w, s in state.items() if s == "partial"]
notes += [f"{w}: not started yet" for w, s in state.items() if s == "no_data"]
if notes:
    st.caption("; ".join(notes))

STATUS_WORDS = {"met": ":green[target met]", "not_met": ":red[target not met]", "no_target": ":gray[no target]",
                "no_data": ":gray[no data]"}


def _card(row) -> None:
    spec = reg[row["kpi"]]
    change = row["change"]
    delta = None
    if change is not None and change == change:
        delta = f"{change * 100:+.1f} pts vs baseline" if spec.unit == "ratio" else f"{change:+,.2f} vs baseline"
    tip = [spec.definition, f"Target: {spec.target_text}. Event date: {spec.event_date}."]
    tip += [f"{w}: {format_value(row[w], spec.unit)} ({row[f'{w}_detail']})" for w in GO_LIVE_WINDOWS]
    if spec.note:
        tip.append(spec.note)
    latest = row["latest_window"] or "no window yet"
    with st.container(border=True):
        st.metric(f"{spec.name} ({latest})", format_value(row["latest"], spec.unit), delta,
                  delta_color="normal" if spec.direction == "higher" else "inverse", help="\n\n".join(tip))
        st.markdown(" · ".join(f"{w} **{format_value(row[w], spec.unit)}**" for w in GO_LIVE_WINDOWS))
        st.markdown(f"{STATUS_WORDS.get(row['status'], row['status'])} · target {spec.target_text}")


if frame.empty:
    st.warning("No KPI can be shown with these filters.")
for group in GROUPS:
    part = frame[frame["group"] == group] if not frame.empty else frame
    if part.empty:
        continue
    st.subheader(group)
    rows = part.to_dict("records")
    for start in range(0, len(rows), 3):
        for column, row in zip(st.columns(3), rows[start:start + 3], strict=False):
            with column:
                _card(row)

# ------------------------------------------------------------------ trends
st.subheader("Weekly trend")
st.caption("One point per week; the dashed line is go-live and the shaded band is the target range.")
group = st.segmented_control("KPI group", GROUPS, default=GROUPS[0], key="golive_trend_group") or GROUPS[0]
shown = [k for k in reg.values() if k.group == group and (frame.empty or k.id in set(frame["kpi"]))]
for start in range(0, len(shown), 2):
    for column, spec in zip(st.columns(2), shown[start:start + 2], strict=False):
        column.plotly_chart(trend_figure(trend, spec, settings.go_live), key=f"trend_{spec.id}",
                            config={"displayModeBar": False})

# ------------------------------------------------------------------ denials
if "denial_rate" in set(frame.get("kpi", [])):
    from ui.kpi_charts import denial_figure

    st.subheader("Denials by category and payer")
    st.caption("Share of claims first decided by the primary payer that were denied, split by the reason's "
               "category and by payer; the parts add up to the denial rate.")
    left, right = st.columns(2)
    left.plotly_chart(denial_figure(denials, "denial_category"), key="denials_category",
                      config={"displayModeBar": False})
    if "payer" in set(denials["dimension"]):
        right.plotly_chart(denial_figure(denials, "payer", options.get("payer")), key="denials_payer",
                           config={"displayModeBar": False})
    denial_table = denials[denials["kpi"] == "denial_rate"].copy()
    if not denial_table.empty:
        denial_table["group"] = [options.get("payer", {}).get(g, g) for g in denial_table["group"]]
    st.dataframe(denial_table, hide_index=True, width="stretch",
                 column_config={"value": st.column_config.NumberColumn("share", format="percent")})
    download_buttons(denial_table, "denials", key="export_denials", sheet="Denials")

# ------------------------------------------------------------------ table, exports, PDF
st.subheader("All KPIs")
table = review.display_table(frame, GO_LIVE_WINDOWS) if not frame.empty else frame
st.dataframe(table, hide_index=True, width="stretch")
download_buttons(table, "golive-review", key="export_golive", sheet="Go-live review")
pdf = kpi_data.golive_pdf_bytes(settings.raw.get("project", {}).get("practice_name", "Practice"), settings.go_live,
                                as_of, data_date, tuple(labels.items()), table, GO_LIVE_WINDOWS, tuple(notes))
st.download_button("Printable summary (PDF)", pdf, file_name=f"golive-review-{as_of:%Y-%m-%d}.pdf",
                   mime="application/pdf", icon=":material/picture_as_pdf:", key="golive_pdf")
if can_view(user.role, "kpi_records"):
    st.caption("To see the claims, visits or notes behind a value, open **KPI records** in the sidebar.")
