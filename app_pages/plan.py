"""Plan & milestones: practice profile, proposed plan with warnings, the accepted plan, Gantt and edits."""

import datetime as dt

import streamlit as st

from tracker import checklists, plan, plan_rules
from tracker.editing import EditConflict, NotFound
from ui import edit_conflict, session
from ui.exports import download_buttons
from ui.gantt import build_gantt

user = session.require_role("plan")
settings = session.settings()
url = settings.database_url
actor = session.actor()
today = dt.date.today()

st.title("Plan & milestones")
edit_conflict.show_flash("plan")
profile = plan.get_profile(url)
LEVEL = {"red": st.error, "amber": st.warning, "info": st.info}


def show_warnings(warnings) -> None:
    for w in warnings:
        LEVEL[w.level](w.message, icon={"red": ":material/error:", "amber": ":material/warning:"}.get(
            w.level, ":material/info:"))


# ------------------------------------------------------------------------------------------ profile
with st.expander("Practice profile", expanded=profile is None or profile.plan_accepted_at is None):
    p = profile
    if p and p.plan_accepted_at:
        st.caption("The plan is accepted: changing the profile updates the warnings, not the milestones. "
                   "Re-date milestones (such as Go-live) below; the baseline keeps the first accepted dates.")
    version = edit_conflict.started_version("profile", 1, p.version if p else 0, "save_profile")
    with st.form(f"profile_{version}"):
        name = st.text_input("Practice name", p.practice_name if p else settings.raw.get("project", {}).get(
            "practice_name", ""))
        c1, c2, c3, c4 = st.columns(4)
        locations = c1.number_input("Locations", 1, 200, p.location_count if p else 1)
        pt = c2.number_input("Physical therapists", 0, 500, int(p.providers_by_discipline.get("PT", 0)) if p else 0)
        ot = c3.number_input("Occupational therapists", 0, 500,
                             int(p.providers_by_discipline.get("OT", 0)) if p else 0)
        slp = c4.number_input("Speech-language pathologists", 0, 500,
                              int(p.providers_by_discipline.get("SLP", 0)) if p else 0)
        names = st.text_input("Location names (comma separated, optional)", ", ".join(p.location_names) if p else "")
        c1, c2 = st.columns(2)
        systems = list(plan_rules.CURRENT_SYSTEMS)
        current = c1.selectbox("Current system", systems, systems.index(p.current_system) if p else 1,
                               format_func=plan_rules.CURRENT_SYSTEMS.get)
        rollouts = list(plan_rules.ROLLOUTS)
        rollout = c2.selectbox("Go-live approach", rollouts, rollouts.index(p.rollout) if p else 0,
                               format_func=plan_rules.ROLLOUTS.get)
        c1, c2, c3 = st.columns(3)
        default_go_live = settings.go_live if settings.go_live > today else today + dt.timedelta(weeks=12)
        contract = c1.date_input("Contract signed", p.contract_date if p else default_go_live - dt.timedelta(weeks=12))
        planning = c2.date_input("Planning started", p.planning_start if p else contract - dt.timedelta(weeks=2))
        go_live = c3.date_input("Target go-live", p.target_go_live if p else default_go_live)
        parallel = st.checkbox("Run both systems in parallel for a while before cut-over", p.parallel_run if p else False)
        saved = st.form_submit_button("Save profile", type="primary", key="save_profile")
    if saved:
        values = {"practice_name": name, "location_count": int(locations),
                  "location_names": [n.strip() for n in names.split(",") if n.strip()],
                  "providers_by_discipline": {k: int(v) for k, v in (("PT", pt), ("OT", ot), ("SLP", slp)) if v},
                  "current_system": current, "contract_date": contract, "planning_start": planning,
                  "target_go_live": go_live, "rollout": rollout, "parallel_run": parallel}
        edit_conflict.save("profile", 1, "plan", "Profile saved.",
                           lambda: plan.save_profile(url, actor, values, expected_version=version))

if profile is None:
    st.info("Enter the practice profile above: the app then proposes a plan dated by the usual timelines.")
    st.stop()

proposal = plan.propose(profile)
if profile.plan_accepted_at is None:
    st.subheader("Proposed plan")
    st.write(f"**{proposal.weeks:g} weeks** from contract to go-live; a practice like this one usually needs "
             f"**{proposal.recommended_weeks[0]}-{proposal.recommended_weeks[1]} weeks**.")
    show_warnings(proposal.warnings)
    st.dataframe([{"phase": plan_rules.PHASES[m.phase], "milestone": m.title,
                   "checkpoint": (m.checkpoint or "").replace("_", " "), "owner": plan.owner_label(m.owner),
                   "start": m.start_date, "due": m.due_date} for m in proposal.milestones],
                 hide_index=True, width="stretch")
    if st.button("Accept this plan", type="primary", icon=":material/task_alt:"):
        try:
            n = plan.accept_plan(url, actor, profile.version)
            checklists.create_checklists(url, actor, profile.target_go_live,
                                         large_group=plan_rules.is_large_group(profile.rules_input()))
        except EditConflict as exc:
            st.error(str(exc))
        except ValueError as exc:
            st.error(str(exc))
        else:
            edit_conflict.flash("plan", f"Plan accepted: {n} milestones, their dates kept as the baseline. "
                                        "Checklists were created from the templates.")
            st.rerun()
    st.stop()

# ------------------------------------------------------------------------------------------ accepted plan
milestones = plan.list_milestones(url)
path = plan.critical_path(milestones)
titles = {m.id: m.title for m in milestones}
st.caption(f"Plan accepted by {profile.plan_accepted_by} on {profile.plan_accepted_at:%d %b %Y}; its dates are the "
           f"baseline. Go-live target: {profile.target_go_live:%A %d %B %Y}.")
red_amber = [w for w in proposal.warnings if w.level != "info"]
if red_amber:
    show_warnings(red_amber)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Milestones done", f"{sum(m.status == 'done' for m in milestones)} / {len(milestones)}")
c2.metric("Overdue", sum(m.overdue(today) for m in milestones))
c3.metric("Blocked", sum(m.status == "blocked" for m in milestones))
go_live_ms = plan.go_live_milestone(milestones)
if go_live_ms and go_live_ms.slip_days() is not None:
    c4.metric("Go-live slip", f"{go_live_ms.slip_days():+d} days")
if path:
    st.markdown("**Chain that decides the go-live date** (open milestones, ★ in the chart): "
                + " → ".join(titles[i] for i in path))
st.plotly_chart(build_gantt(milestones, today, path), width="stretch", key="gantt")
frame = plan.milestones_frame(milestones, today, checklists.open_items_by_milestone(checklists.list_items(url)))
st.dataframe(frame, hide_index=True, width="stretch",
             column_config={"id": st.column_config.NumberColumn(width="small")})
download_buttons(frame, "plan", sheet="Plan", audit_resource="plan")

# ------------------------------------------------------------------------------------------ edits
st.subheader("Change the plan")
edit_tab, deps_tab, add_tab = st.tabs(["Edit a milestone", "Dependencies", "Add a milestone"])
owners = checklists.owner_choices(url)
phases = list(plan_rules.PHASES)
statuses = list(plan_rules.STATUSES)

with edit_tab:
    chosen = st.selectbox("Milestone", [m.id for m in milestones], format_func=lambda i: f"#{i} {titles[i]}",
                          key="edit_milestone")
    try:
        m = plan.get_milestone(url, chosen)
    except NotFound as exc:
        st.warning(str(exc))
        st.stop()
    v = edit_conflict.started_version("milestone", m.id, m.version, f"save_ms_{m.id}", f"remove_ms_{m.id}")
    with st.form(f"milestone_{m.id}_{v}"):
        title = st.text_input("Title", m.title)
        c1, c2, c3 = st.columns(3)
        status = c1.selectbox("Status", statuses, statuses.index(m.status), format_func=plan_rules.STATUSES.get)
        owner_opts = owners if m.owner in owners else [m.owner, *owners]
        owner = c2.selectbox("Owner", owner_opts, owner_opts.index(m.owner), format_func=plan.owner_label)
        phase = c3.selectbox("Phase", phases, phases.index(m.phase), format_func=plan_rules.PHASES.get)
        blocked = st.text_input("Blocked because (when blocked)", m.blocked_reason or "")
        c1, c2 = st.columns(2)
        start = c1.date_input("Start", m.start_date or m.due_date)
        due = c2.date_input("Due", m.due_date)
        notes = st.text_area("Notes / evidence (a note or a link)", m.notes or "")
        save = st.form_submit_button("Save milestone", type="primary", key=f"save_ms_{m.id}")
        remove = st.form_submit_button("Remove milestone", key=f"remove_ms_{m.id}")
    if save:
        edit_conflict.save("milestone", m.id, "plan", f"Saved “{title}”.",
                           lambda: plan.update_milestone(
                               url, actor, m.id, v, title=title, status=status, owner=owner, phase=phase,
                               blocked_reason=blocked or None, start_date=start, due_date=due, notes=notes or None))
    if remove:
        edit_conflict.save("milestone", m.id, "plan", f"Removed “{m.title}”.",
                           lambda: plan.remove_milestone(url, actor, m.id, v))

with deps_tab:
    target = st.selectbox("Milestone", [m.id for m in milestones], format_func=lambda i: f"#{i} {titles[i]}",
                          key="deps_milestone")
    current = next(x for x in milestones if x.id == target)
    dv = edit_conflict.started_version("deps", target, current.version, f"save_deps_{target}")
    waits = st.multiselect("Waits for", [x.id for x in milestones if x.id != target], default=current.depends_on,
                           format_func=lambda i: f"#{i} {titles[i]}", key=f"deps_{target}_{dv}")
    if st.button("Save dependencies", key=f"save_deps_{target}"):
        edit_conflict.save("deps", target, "plan", "Dependencies saved.",
                           lambda: plan.set_dependencies(url, actor, target, dv, waits))

with add_tab, st.form("add_milestone", clear_on_submit=True):
    new_title = st.text_input("Title", key="new_ms_title")
    c1, c2, c3 = st.columns(3)
    new_phase = c1.selectbox("Phase", phases, format_func=plan_rules.PHASES.get, key="new_ms_phase")
    new_owner = c2.selectbox("Owner", owners, format_func=plan.owner_label, key="new_ms_owner")
    new_due = c3.date_input("Due", today + dt.timedelta(days=7), key="new_ms_due")
    new_deps = st.multiselect("Waits for", [x.id for x in milestones], format_func=lambda i: f"#{i} {titles[i]}",
                              key="new_ms_deps")
    if st.form_submit_button("Add milestone"):
        try:
            plan.add_milestone(url, actor, title=new_title, phase=new_phase, owner=new_owner, due_date=new_due,
                               depends_on=new_deps)
        except (ValueError, NotFound) as exc:
            st.error(str(exc))
        else:
            edit_conflict.flash("plan", f"Added “{new_title}”.")
            st.rerun()
