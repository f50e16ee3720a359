"""Go / no-go: can we go live on the planned date, and if not, what exactly stops us?

Before go-live: the live verdict in one sentence, a countdown, the blockers first (owner and a link to
where each is fixed), then what is in place. After go-live: the decision that was recorded and the
evidence it was taken on. Both: record a decision, the history of decisions and daily scores, the
evidence pack (PDF), and the thresholds (an administrator edits them).
"""

import datetime as dt

import pandas as pd
import streamlit as st

from metrics.evidence_pdf import evidence_pdf
from metrics.readiness import THRESHOLDS_BY_KEY, readiness_from_snapshot
from metrics.readiness_inputs import current_readiness, readiness_day, warehouse_facts
from tracker import readiness as store
from ui import flash, session
from ui.readiness_widgets import criteria_frame, criterion_card, score_figure, verdict_banner

PAGE = "go_no_go"
HISTORY_WEEKS = 8

user = session.require_role(PAGE)
settings = session.settings()
url = settings.database_url
actor = session.actor()
today = readiness_day(settings)


@st.cache_data(ttl=900, show_spinner=False, max_entries=20)
def _warehouse(config_path: str, data_version: int, go_live: dt.date, day: dt.date, golive_days: int, _settings):
    """Locations and schedule cut from the warehouse; recomputed only after a new sync."""
    return warehouse_facts(_settings, day, golive_days)


def _data_version() -> int:
    try:
        from tracker.sync_log import data_version
    except ImportError:
        return 0
    return data_version(url)


version = _data_version()
readiness = current_readiness(
    settings, today,
    warehouse=lambda day, n: _warehouse(str(settings.path), version, settings.go_live, day, n, settings))
if today < settings.go_live:  # readiness is tracked day by day until go-live
    store.record_daily_score(url, today, readiness)
decisions = store.list_decisions(url)
passed = today >= settings.go_live

st.title("Go / no-go")
flash.show("go_no_go")


def _decision_facts(d: store.DecisionView) -> str:
    days = (d.go_live - d.decided_at.date()).days
    when = f"{days} days before go-live" if days > 0 else "on go-live day" if days == 0 else \
        f"{-days} days after go-live"
    return (f"by {d.decided_by} on {d.decided_at:%b %d, %Y %H:%M} ({when}, planned {d.go_live:%b %d, %Y}); "
            f"the verdict then was {d.verdict}, score {d.score}/100.")


def _decision_line(d: store.DecisionView) -> str:
    return f"Recorded decision: {d.label.upper()} {_decision_facts(d)}"


def _live_view() -> None:
    verdict_banner(readiness)
    c1, c2, c3, c4 = st.columns(4)
    days = readiness.days_to_go_live
    if days >= 0:
        c1.metric("Days to go-live", days, help=f"Planned go-live {settings.go_live:%A, %b %d, %Y}")
    else:
        c1.metric("Days since go-live", -days, help=f"Went live {settings.go_live:%A, %b %d, %Y}")
    c2.metric("Readiness score", f"{readiness.score}/100",
              help="Green counts fully, amber half, red nothing; critical criteria weigh double.")
    c3.metric("Critical blockers", sum(1 for c in readiness.criteria if c.critical and c.state == "red"))
    c4.metric("Data as of", f"{readiness.data_date:%b %d %H:%M}" if readiness.data_date else "no sync yet",
              help="The newest successful sync of either source (UTC).")
    blockers = readiness.blockers
    st.subheader("What stops us" if blockers else "Nothing stops go-live")
    for c in blockers:
        criterion_card(c, user.role)
    in_place = [c for c in readiness.criteria if c.state == "green"]
    if in_place:
        st.subheader("In place")
        for c in in_place:
            criterion_card(c, user.role)


def _decision_view(d: store.DecisionView) -> None:
    snap = readiness_from_snapshot(d.snapshot)
    box = st.success if d.decision == "go" else st.warning
    box(f"**Go-live decision: {d.label.upper()}** — recorded {_decision_facts(d)}",
        icon=":material/gavel:")
    st.markdown(f"> {d.note}")
    st.subheader(f"The evidence it was taken on ({snap.verdict}, score {snap.score}/100)")
    st.caption(f"Frozen when the decision was recorded; data as of "
               f"{snap.data_date:%b %d, %Y %H:%M}." if snap.data_date else "Frozen when the decision was recorded.")
    for c in snap.criteria:
        criterion_card(c, user.role, show_link=False, key_prefix=f"snap{d.id}")


shown = readiness
shown_line = None
if passed:
    before = [d for d in decisions if d.decided_at.date() <= settings.go_live]
    decision = before[0] if before else (decisions[0] if decisions else None)
    if decision is None:
        st.warning(f"Go-live was on {settings.go_live:%b %d, %Y}; no go/no-go decision was recorded. "
                   "Below is the readiness as it stands today.")
        _live_view()
    else:
        _decision_view(decision)
        shown, shown_line = readiness_from_snapshot(decision.snapshot), _decision_line(decision)
        with st.expander("Readiness as it stands today"):
            verdict_banner(readiness)
            st.dataframe(criteria_frame(readiness), hide_index=True, width="stretch")
else:
    _live_view()
    if decisions:
        st.info(_decision_line(decisions[0]) + f" Note: {decisions[0].note}", icon=":material/gavel:")

st.divider()
tab_decide, tab_history, tab_pack, tab_thresholds = st.tabs(
    ["Record the decision", "History", "Evidence pack", "Thresholds"])

with tab_decide:
    if user.role not in store.DECIDERS:
        st.caption("An administrator or the owner records the go-live decision.")
    else:
        st.caption(f"The decision freezes every criterion as shown now (verdict {readiness.verdict}, "
                   f"score {readiness.score}/100).")
        with st.form("record_decision", clear_on_submit=True):
            decision_key = st.radio("Decision", list(store.DECISIONS), format_func=store.DECISIONS.get,
                                    horizontal=True, key="decision_choice")
            note = st.text_area("Note", key="decision_note",
                                placeholder="Why, which risks are accepted, what must happen first...")
            if st.form_submit_button("Record decision", type="primary"):
                try:
                    store.record_decision(url, actor, decision_key, note, readiness)
                except store.ReadinessError as exc:
                    st.error(str(exc))
                else:
                    flash.done("go_no_go", f"Decision recorded: {store.DECISIONS[decision_key]}.")

with tab_history:
    since = min(today, settings.go_live) - dt.timedelta(weeks=HISTORY_WEEKS)
    history = store.score_history(url, since=since)
    history = history[history["day"] <= settings.go_live]
    st.markdown(f"**Daily readiness score** since {since:%b %d, %Y}")
    if history.empty:
        st.caption("No daily scores yet: a score is kept each day the page or `manage.py readiness` runs.")
    else:
        st.plotly_chart(score_figure(history, settings.go_live,
                                     [(d.decided_at, d.label) for d in decisions if d.decided_at.date() >= since]),
                        width="stretch", key="score_chart")
    st.markdown("**Decisions**")
    if not decisions:
        st.caption("No decision recorded yet.")
    for d in decisions:
        with st.expander(f"{d.decided_at:%b %d, %Y %H:%M} · {d.label} by {d.decided_by} · verdict then {d.verdict}"):
            st.markdown(f"> {d.note}")
            st.dataframe(criteria_frame(readiness_from_snapshot(d.snapshot)), hide_index=True, width="stretch")

with tab_pack:
    practice = settings.raw.get("project", {}).get("practice_name", "The practice")
    st.caption("One page: the verdict, every criterion with its state and evidence, the data date, who generated "
               "it, and signature lines for the administrator, the clinical lead and the billing lead."
               + (" It holds the evidence of the recorded decision." if shown_line else ""))
    pdf = evidence_pdf(shown, practice_name=practice, generated_by=f"{user.display_name} ({user.username})",
                       generated_at=dt.datetime.now(), decision_line=shown_line)
    st.download_button("Download the evidence pack (PDF)", pdf, file_name=f"go-no-go-{today:%Y-%m-%d}.pdf",
                       mime="application/pdf", icon=":material/picture_as_pdf:", key="evidence_pdf")

with tab_thresholds:
    views = {v.key: v for v in store.setting_views(url)}
    st.dataframe(pd.DataFrame([{
        "threshold": THRESHOLDS_BY_KEY[k].label, "value": v.value, "default": v.default,
        "changed by": v.updated_by or "", "changed at (UTC)": v.updated_at,
    } for k, v in views.items() if k in THRESHOLDS_BY_KEY]), hide_index=True, width="stretch")
    ar = views[store.LEGACY_AR_KEY]
    st.caption("Open legacy AR: " + ("worked down in the old system (recorded by the practice)." if ar.value
                                     else "migrated to the new system, so it must reconcile within the tolerance."))
    if user.role not in store.THRESHOLD_EDITORS:
        st.caption("An administrator changes thresholds; every change is in the audit log.")
    else:
        started = st.session_state.setdefault("readiness_setting_versions", {k: v.version for k, v in views.items()})
        with st.form("thresholds"):
            values = {}
            cols = st.columns(2)
            for i, (k, spec) in enumerate(THRESHOLDS_BY_KEY.items()):
                step = 0.01 if spec.unit in ("ratio", "currency") else 1.0
                values[k] = cols[i % 2].number_input(spec.label, min_value=float(spec.minimum),
                                                     max_value=float(spec.maximum), value=float(views[k].value),
                                                     step=step, format="%.2f" if step < 1 else "%.0f",
                                                     help=spec.help or None, key=f"threshold_{k}")
            ar_value = st.checkbox("Open legacy AR is worked down in the old system (not migrated)",
                                   value=bool(ar.value), key="threshold_legacy_ar")
            if st.form_submit_button("Save thresholds"):
                changed = [k for k in values if abs(values[k] - views[k].value) > 1e-9]
                try:
                    if changed:
                        store.set_thresholds(url, actor, {k: values[k] for k in changed},
                                             {k: started.get(k, 0) for k in changed})
                    if ar_value != bool(ar.value):
                        store.set_legacy_ar_in_old_system(url, actor, ar_value,
                                                          expected_version=started.get(store.LEGACY_AR_KEY, 0))
                        changed.append(store.LEGACY_AR_KEY)
                except store.ReadinessError as exc:
                    st.session_state.pop("readiness_setting_versions", None)
                    st.error(str(exc))
                else:
                    flash.done("go_no_go", f"Saved {len(changed)} change(s)." if changed else "Nothing changed.",
                               "readiness_setting_versions")
