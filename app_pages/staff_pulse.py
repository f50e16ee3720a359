"""Staff pulse: everyone answers the open round once; leads see eNPS and friction points, never who said what."""

import streamlit as st

from auth.roles import ADMINISTRATOR, IMPLEMENTATION_LEAD, OWNER
from tracker import pulse, training
from ui import flash, session
from ui.exports import download_buttons
from ui.training_charts import enps_figure, reporting_day

user = session.require_role("staff_pulse")
settings = session.settings()
url = settings.database_url
actor = session.actor()
may_see_results = user.role in (OWNER, ADMINISTRATOR, IMPLEMENTATION_LEAD)
NOT_SAID = "Prefer not to say"
# The role group we suggest from the sign-in role; people can change it or leave it out.
SUGGESTED_GROUP = {
    "owner": "leadership",
    "administrator": "leadership",
    "implementation_lead": "leadership",
    "billing": "billing",
    "clinician": "clinician",
    "front_desk": "front_desk",
}

st.title("Staff pulse")
st.caption(
    "A two-minute survey about working here and the new system. Answers are anonymous: no name is "
    "stored with an answer, and groups with fewer than three answers are not shown on their own."
)

flash.show("pulse")

# ------------------------------------------------------------------------------------------------ the survey
current = pulse.open_round(url)
if current is None:
    st.info("No survey round is open right now.")
elif pulse.has_answered(url, current.id, user.id):
    st.info(f"You have answered this round ({current.title}). Thank you!")
else:
    locations = sorted({p.location for p in training.list_staff(url) if p.location})
    with st.form("pulse_answer"):
        st.subheader(current.title)
        recommend = st.radio(
            "How likely are you to recommend working here to a friend? (0 = not at all, "
            "10 = extremely likely)",
            list(range(11)),
            index=None,
            horizontal=True,
            key="pulse_recommend",
        )
        st.markdown("How much do you agree? (1 = strongly disagree, 5 = strongly agree)")
        statements = {}
        for key, text in pulse.STATEMENTS:
            picked = st.radio(text, ["no answer", 1, 2, 3, 4, 5], horizontal=True, key=f"pulse_{key}")
            statements[key] = None if picked == "no answer" else int(picked)
        groups = [NOT_SAID, *training.ROLE_GROUPS]
        suggested = SUGGESTED_GROUP.get(user.role)
        group = st.selectbox(
            "Your role group (optional)",
            groups,
            index=groups.index(suggested) if suggested else 0,
            format_func=lambda g: training.ROLE_GROUP_LABELS.get(g, g),
        )
        location = st.selectbox("Your location (optional)", [NOT_SAID, *locations])
        friction = st.text_area("What slows you down most in the new system? (optional)", max_chars=1000)
        sent = st.form_submit_button("Send my answer", type="primary")
    if sent and recommend is None:
        st.error("Pick a number from 0 to 10 for the first question.")
    elif sent:
        answer = pulse.PulseAnswer(
            recommend=recommend,
            statements=statements,
            role_group=None if group == NOT_SAID else group,
            location=None if location == NOT_SAID else location,
            friction=friction,
        )
        try:
            pulse.submit(url, actor, current.id, user.id, answer)
        except pulse.PulseError as exc:
            st.error(str(exc))
        else:
            flash.done("pulse", "Thank you, your answer was saved anonymously.")

if not may_see_results:
    st.stop()

# ------------------------------------------------------------------------------------------------ results
st.header("Results")
titles = {r.round_key: r.title for r in pulse.list_rounds(url)}
totals = pulse.enps(url)
totals["round"] = totals["round"].map(lambda k: titles.get(k, k))
if totals.empty:
    st.write("No answers yet.")
else:
    st.caption(
        "eNPS = % of answers 9-10 minus % of answers 0-6 to the recommend question (from -100 to +100)."
    )
    st.plotly_chart(enps_figure(totals), width="stretch", key="enps_chart")
    st.dataframe(totals.drop(columns="suppressed"), hide_index=True, width="stretch")
    download_buttons(totals, "staff-enps", key="export_enps")

    by = st.radio(
        "Break down by",
        ["role_group", "location"],
        horizontal=True,
        format_func=lambda b: b.replace("_", " "),
    )
    breakdown = pulse.with_labels(pulse.enps(url, by=by))
    breakdown["round"] = breakdown["round"].map(lambda k: titles.get(k, k))
    st.dataframe(breakdown, hide_index=True, width="stretch")
    st.caption(
        f"Groups with fewer than {pulse.MIN_GROUP} answers are hidden (blank) to keep answers anonymous."
    )
    download_buttons(breakdown, f"staff-enps-by-{by}", key="export_enps_by")

    st.subheader("Statements about the new system")
    statements = pulse.statements_table(url)
    st.dataframe(statements, hide_index=True, width="stretch")

    st.subheader("Friction points")
    rounds = pulse.list_rounds(url)
    keys = [r.round_key for r in rounds]
    default = keys.index("day30") if "day30" in keys else len(keys) - 1
    picked = st.selectbox("Round", rounds, index=max(default, 0), format_func=lambda r: r.title)
    friction = pulse.friction_points(url, picked.round_key if picked else None)
    st.caption("For the 30-day review. Listed alphabetically, without names or groups.")
    st.dataframe(friction, hide_index=True, width="stretch")
    download_buttons(friction, "friction-points", key="export_friction")

# ------------------------------------------------------------------------------------------------ rounds
st.header("Survey rounds")
rounds = pulse.list_rounds(url)
for r in rounds:
    left, right = st.columns([4, 1])
    left.write(f"**{r.title}** (opens {r.opens_on:%b %d, %Y}) — {'open' if r.is_open else 'closed'}")
    if right.button("Close" if r.is_open else "Open", key=f"round_toggle_{r.id}"):
        try:
            pulse.set_round_open(url, actor, r.id, r.version_id, not r.is_open)
        except pulse.EditConflict as exc:
            st.error(str(exc))
        else:
            st.rerun()
with st.form("add_round", clear_on_submit=True):
    st.markdown("**Start a round**")
    existing = {r.round_key for r in rounds}
    choices = [k for k, _ in pulse.STANDARD_ROUNDS if k not in existing] + ["other"]
    key = st.selectbox(
        "Round", choices, format_func=lambda k: dict(pulse.STANDARD_ROUNDS).get(k, "Another round")
    )
    title = st.text_input("Title (for another round)")
    opens = st.date_input("Opens on", reporting_day(settings))
    if st.form_submit_button("Start round"):
        round_key = key if key != "other" else title.strip().lower().replace(" ", "_")[:40]
        round_title = dict(pulse.STANDARD_ROUNDS).get(key, title)
        try:
            pulse.add_round(url, actor, round_key, round_title, opens)
        except pulse.PulseError as exc:
            st.error(str(exc))
        else:
            flash.done("pulse", f"Round {round_title!r} is open.")
