"""Vendor decision: weighted criteria, due-diligence answers, total cost over 3 and 5 years, the choice."""

from decimal import Decimal, InvalidOperation

import streamlit as st

from tracker import training, vendors
from ui import flash, session
from ui.exports import download_buttons
from ui.training_charts import tco_figure

user = session.require_role("vendors")
settings = session.settings()
url = settings.database_url
actor = session.actor()

st.title("Vendor decision")
st.caption(
    "Score every candidate on the five criteria, weigh them the way your practice cares, compare what "
    "each really costs over three and five years, and record the choice with its reasons."
)

flash.show("vendors")


def _done(message: str, *forget: str) -> None:
    flash.done("vendors", message, *forget)


def _default_providers() -> int:
    """Providers from the practice profile if the plan has one, else clinicians and assistants on the roster."""
    try:
        from tracker.plan import get_profile

        profile = get_profile(url)
        if profile and profile.providers_by_discipline:
            return max(1, sum(int(v) for v in profile.providers_by_discipline.values()))
    except Exception:  # noqa: BLE001 - the plan area is optional here
        pass
    count = sum(
        1
        for p in training.list_staff(url, include_inactive=False)
        if p.role_group in ("clinician", "assistant")
    )
    return count or 10


candidates = vendors.list_vendors(url)
decision = vendors.get_decision(url)
decision_box = st.empty()
if decision:
    decision_box.success(f"Chosen: **{decision.vendor_name}**. {decision.rationale}")

providers = st.number_input(
    "Providers to license",
    1,
    500,
    _default_providers(),
    key="vendor_providers",
    help="Per-provider prices are multiplied by this number.",
)
compare_tab, cost_tab, questions_tab, edit_tab, decide_tab = st.tabs(
    ["Comparison", "Total cost", "Due diligence", "Candidates", "Decision"]
)

# ------------------------------------------------------------------------------------------------ comparison
with compare_tab:
    table = vendors.comparison(url, int(providers))
    if table.empty:
        st.info("No candidate yet: add one on the Candidates tab.")
    else:
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={
                "weighted score (1-5)": st.column_config.NumberColumn(format="%.2f"),
                "3-year cost": st.column_config.NumberColumn(format="dollar"),
                "5-year cost": st.column_config.NumberColumn(format="dollar"),
            },
        )
        download_buttons(table, "vendor-comparison", key="export_comparison")
    st.markdown("**Weights** (0 = ignore, 10 = decisive)")
    current = vendors.weights(url)
    wkey = "vendor_weight_versions"
    opened = st.session_state.setdefault(wkey, vendors.weight_versions(url))
    with st.form("weights"):
        cols = st.columns(len(vendors.CRITERIA))
        new = {}
        for col, (key, label) in zip(cols, vendors.CRITERIA, strict=True):
            new[key] = int(
                col.number_input(
                    label, 0, 10, current[key], key=f"weight_{key}", help=vendors.CRITERION_HINTS[key]
                )
            )
        if st.form_submit_button("Save weights"):
            try:
                changed = vendors.set_weights(url, actor, new, opened)
            except vendors.EditConflict as exc:
                st.session_state.pop(wkey, None)
                st.error(str(exc))
            else:
                _done("Weights saved." if changed else "Nothing changed.", wkey)

# ------------------------------------------------------------------------------------------------ cost
with cost_tab:
    st.caption(
        "Total cost = (price + add-ons per provider per month) x providers x months + support per month "
        "x months + implementation, training and data migration fees."
    )
    long = vendors.tco_frame(url, int(providers))
    if long.empty:
        st.info("No candidate yet.")
    else:
        st.plotly_chart(tco_figure(long), width="stretch", key="tco_chart")
        wide = long.pivot_table(
            index=["vendor", "horizon"], columns="component", values="cost", aggfunc="sum", sort=False
        ).reset_index()
        wide["total"] = wide.drop(columns=["vendor", "horizon"]).sum(axis=1)
        st.dataframe(wide, hide_index=True, width="stretch")
        download_buttons(wide, "vendor-total-cost", key="export_tco")

# ------------------------------------------------------------------------------------------------ questions
with questions_tab:
    if not vendors.list_questions(url) and st.button("Add the five standard due-diligence questions"):
        vendors.ensure_default_questions(url, actor)
        _done("Added the standard questions.")
    answers = vendors.answers_frame(url)
    st.dataframe(answers, hide_index=True, width="stretch")
    download_buttons(answers, "vendor-due-diligence", key="export_answers")
    if candidates:
        who = st.selectbox("Answers of", candidates, format_func=lambda v: v.name, key="answers_vendor")
        stored = vendors.answer_versions(url, who.id)
        akey = f"answer_versions_{who.id}"
        opened_answers = st.session_state.setdefault(akey, {q: v for q, (_, v) in stored.items()})
        with st.form(f"answers_{who.id}"):
            texts = {
                qid: st.text_area(text, stored.get(qid, ("", None))[0], key=f"answer_{who.id}_{qid}")
                for qid, text in vendors.list_questions(url)
            }
            if st.form_submit_button("Save answers"):
                try:
                    for qid, text in texts.items():
                        vendors.set_answer(url, actor, who.id, qid, text, opened_answers.get(qid))
                except vendors.EditConflict as exc:
                    st.session_state.pop(akey, None)
                    st.error(str(exc))
                else:
                    _done(f"Saved {who.name}'s answers.", akey)
    with st.form("add_question", clear_on_submit=True):
        question = st.text_input("Another question to ask every vendor")
        if st.form_submit_button("Add question"):
            try:
                vendors.add_question(url, actor, question)
            except vendors.VendorError as exc:
                st.error(str(exc))
            else:
                _done("Question added.")


# ------------------------------------------------------------------------------------------------ candidates
def _vendor_form(form_key: str, vendor: vendors.VendorView | None) -> tuple[str, dict, dict, str] | None:
    with st.form(form_key, clear_on_submit=vendor is None):
        name = st.text_input("Vendor name", vendor.name if vendor else "")
        st.markdown("Scores (1 = poor, 5 = excellent)")
        cols = st.columns(len(vendors.CRITERIA))
        scores = {
            key: int(
                col.number_input(
                    label,
                    1,
                    5,
                    (vendor.scores.get(key) if vendor else None) or 3,
                    key=f"{form_key}_{key}",
                    help=vendors.CRITERION_HINTS[key],
                )
            )
            for col, (key, label) in zip(cols, vendors.CRITERIA, strict=True)
        }
        st.markdown("Costs (USD)")
        cols = st.columns(3)
        costs = {}
        for i, field in enumerate(vendors.COST_FIELDS):
            value = getattr(vendor.costs, field) if vendor else Decimal(0)
            costs[field] = cols[i % 3].text_input(
                vendors.COST_LABELS[field], f"{value:.2f}", key=f"{form_key}_{field}"
            )
        notes = st.text_area("Notes", (vendor.notes or "") if vendor else "")
        if st.form_submit_button("Save vendor" if vendor else "Add vendor", type="primary"):
            return name, scores, costs, notes
    return None


with edit_tab:
    st.markdown("**Add a candidate**")
    submitted = _vendor_form("add_vendor", None)
    if submitted:
        name, scores, costs, notes = submitted
        try:
            vendors.add_vendor(
                url,
                actor,
                name,
                scores=scores,
                costs={k: Decimal(v.replace(",", "") or "0") for k, v in costs.items()},
                notes=notes,
            )
        except (vendors.VendorError, InvalidOperation) as exc:
            st.error(
                str(exc) if isinstance(exc, vendors.VendorError) else "Costs must be numbers, like 1500.00."
            )
        else:
            _done(f"Added {name.strip()}.")
    if candidates:
        st.markdown("**Change a candidate**")
        chosen = st.selectbox("Candidate", candidates, format_func=lambda v: v.name, key="edit_vendor_pick")
        vkey = f"vendor_version_{chosen.id}"
        opened = st.session_state.setdefault(vkey, chosen.version_id)
        submitted = _vendor_form(f"edit_vendor_{chosen.id}", chosen)
        if submitted:
            name, scores, costs, notes = submitted
            try:
                changed = vendors.update_vendor(
                    url,
                    actor,
                    chosen.id,
                    opened,
                    name=name,
                    scores=scores,
                    costs={k: Decimal(v.replace(",", "") or "0") for k, v in costs.items()},
                    notes=notes,
                )
            except vendors.EditConflict as exc:
                st.session_state.pop(vkey, None)
                st.error(str(exc))
            except (vendors.VendorError, InvalidOperation) as exc:
                st.error(
                    str(exc)
                    if isinstance(exc, vendors.VendorError)
                    else "Costs must be numbers, like 1500.00."
                )
            else:
                _done("Saved." if changed else "Nothing changed.", vkey)

# ------------------------------------------------------------------------------------------------ decision
with decide_tab:
    if decision:
        when = f" on {decision.decided_at:%b %d, %Y}" if decision.decided_at else ""
        st.write(f"Recorded by {decision.decided_by or 'unknown'}{when}: **{decision.vendor_name}**.")
        st.write(decision.rationale)
    if not candidates:
        st.info("Add candidates first.")
    else:
        dkey = "decision_version"
        opened = st.session_state.setdefault(dkey, decision.version_id if decision else None)
        with st.form("decide"):
            names = [v.name for v in candidates]
            index = names.index(decision.vendor_name) if decision else 0
            pick = st.selectbox("Chosen vendor", candidates, index=index, format_func=lambda v: v.name)
            why = st.text_area("Why this vendor", decision.rationale if decision else "")
            if st.form_submit_button("Record the decision", type="primary"):
                try:
                    vendors.choose_vendor(url, actor, pick.id, why, expected_version=opened)
                except vendors.EditConflict as exc:
                    st.session_state.pop(dkey, None)
                    st.error(str(exc))
                except vendors.VendorError as exc:
                    st.error(str(exc))
                else:
                    _done(f"Decision recorded: {pick.name}.", dkey)
