"""Training: the 90 % gate per role group, the roster, the curriculum, results by hand, CSV imports."""

import streamlit as st

from tracker import training
from tracker.training_import import TEMPLATES, import_completions, import_roster
from ui import flash, session
from ui.exports import download_buttons
from ui.training_charts import gate_figure, reporting_day

user = session.require_role("training")
settings = session.settings()
url = settings.database_url
actor = session.actor()
today = reporting_day(settings)

st.title("Training")
st.caption(
    f"Go-live is approved only when at least 90 % of every role group finished its required modules and "
    f"passed the proficiency checks. Figures as of {today:%b %d, %Y}; go-live {settings.go_live:%b %d, %Y}."
)

flash.show("training")


def _done(message: str, *forget: str) -> None:
    flash.done("training", message, *forget)


def _opened_version(key: str, current: int) -> int:
    """The record's version when this user first opened it in the form (kept until saved)."""
    return st.session_state.setdefault(key, current)


group_label = training.ROLE_GROUP_LABELS.get
format_label = training.FORMAT_LABELS.get
gate_tab, roster_tab, curriculum_tab, result_tab, import_tab = st.tabs(
    ["Gate", "Roster", "Curriculum", "Record a result", "Import CSV"]
)

# ------------------------------------------------------------------------------------------------ gate
with gate_tab:
    statuses = training.gate_status(url, settings.go_live, today)
    columns = st.columns(len(statuses))
    for column, g in zip(columns, statuses, strict=True):
        column.metric(
            g.label,
            "—" if g.rate is None else f"{g.rate:.0%}",
            help=f"{g.completed} of {g.active_staff} active staff trained and passed",
        )
    for g in statuses:
        if g.active_staff == 0:
            st.info(g.sentence(settings.go_live))
        elif g.meets_gate:
            st.success(g.sentence(settings.go_live))
        elif g.forecast_before_go_live:
            st.warning(g.sentence(settings.go_live))
        else:
            st.error(g.sentence(settings.go_live))
    st.plotly_chart(gate_figure(statuses), width="stretch", key="gate_chart")
    st.caption(
        f"Pace = people who became fully trained in the last {training.PACE_WINDOW_DAYS} days, divided "
        f"by {training.PACE_WINDOW_DAYS}. The forecast is the day the group reaches 90 % if that pace "
        "holds; no one finished in that window means no forecast."
    )
    gate = training.gate_frame(statuses, settings.go_live)
    st.dataframe(
        gate,
        hide_index=True,
        width="stretch",
        column_config={"completion rate": st.column_config.NumberColumn(format="percent")},
    )
    download_buttons(gate, "training-gate", key="export_gate")

    st.subheader("Who is missing what")
    missing = training.missing_frame(statuses)
    if missing.empty:
        st.write("Nobody is missing a required module.")
    else:
        st.dataframe(missing, hide_index=True, width="stretch")
        download_buttons(missing, "training-missing", key="export_missing")

    st.subheader("Super-users by location")
    floaters = training.super_users_by_location(url)
    if floaters:
        for location, names in floaters.items():
            st.write(f"**{location}**: {', '.join(names)}")
    else:
        st.write("No super-user marked yet; mark one per location on the Roster tab.")

# ------------------------------------------------------------------------------------------------ roster
staff = training.list_staff(url)
with roster_tab:
    roster = training.roster_frame(url)
    st.dataframe(roster, hide_index=True, width="stretch")
    download_buttons(roster, "training-roster", key="export_roster")

    left, right = st.columns(2)
    with left, st.form("add_staff", clear_on_submit=True):
        st.markdown("**Add a person**")
        key = st.text_input("Staff id", help="Your own id for this person; imports match people by it.")
        name = st.text_input("Name")
        group = st.selectbox("Role group", training.ROLE_GROUPS, format_func=group_label)
        location = st.text_input("Location")
        super_user = st.checkbox("Super-user (go-live floater)")
        if st.form_submit_button("Add person", type="primary"):
            try:
                training.add_staff(
                    url,
                    actor,
                    staff_key=key,
                    name=name,
                    role_group=group,
                    location=location,
                    super_user=super_user,
                )
            except training.TrainingError as exc:
                st.error(str(exc))
            else:
                _done(f"Added {name.strip()} to the roster.")
    with right:
        if staff:
            chosen = st.selectbox(
                "Change a person",
                staff,
                format_func=lambda p: f"{p.name} ({p.staff_key})",
                key="edit_staff_pick",
            )
            vkey = f"staff_version_{chosen.id}"
            with st.form(f"edit_staff_{chosen.id}"):
                name = st.text_input("Name", chosen.name)
                group = st.selectbox(
                    "Role group",
                    training.ROLE_GROUPS,
                    format_func=group_label,
                    index=training.ROLE_GROUPS.index(chosen.role_group),
                )
                location = st.text_input("Location", chosen.location)
                active = st.checkbox("Active (works here now)", chosen.active)
                super_user = st.checkbox("Super-user (go-live floater)", chosen.super_user)
                opened = _opened_version(vkey, chosen.version_id)
                if st.form_submit_button("Save changes"):
                    try:
                        changed = training.update_staff(
                            url,
                            actor,
                            chosen.id,
                            opened,
                            name=name,
                            role_group=group,
                            location=location,
                            active=active,
                            super_user=super_user,
                        )
                    except training.EditConflict as exc:
                        st.session_state.pop(vkey, None)
                        st.error(str(exc))
                    except training.TrainingError as exc:
                        st.error(str(exc))
                    else:
                        _done("Saved." if changed else "Nothing changed.", vkey)

# ------------------------------------------------------------------------------------------------ curriculum
modules = training.list_modules(url)
with curriculum_tab:
    st.caption(
        "Train by role, not by module: each role group has its own modules. Required modules count toward "
        "the gate; optional ones (such as live Q&A in the first weeks) do not."
    )
    curriculum = training.curriculum_frame(url)
    st.dataframe(curriculum, hide_index=True, width="stretch")
    download_buttons(curriculum, "training-curriculum", key="export_curriculum")
    if not modules and st.button("Load the suggested curriculum", type="primary"):
        added = training.load_default_curriculum(url, actor)
        _done(f"Added {added} suggested modules; change them to fit your practice.")
    left, right = st.columns(2)
    with left, st.form("add_module", clear_on_submit=True):
        st.markdown("**Add a module**")
        key = st.text_input(
            "Module id", help="The id your learning system uses; completion imports match by it."
        )
        title = st.text_input("Title")
        group = st.selectbox("Role group", training.ROLE_GROUPS, format_func=group_label)
        fmt = st.selectbox("Format", training.FORMATS, format_func=format_label)
        required = st.checkbox("Required for the gate", True)
        if st.form_submit_button("Add module", type="primary"):
            try:
                training.add_module(
                    url, actor, module_key=key, title=title, role_group=group, format=fmt, required=required
                )
            except training.TrainingError as exc:
                st.error(str(exc))
            else:
                _done(f"Added module {key.strip()}.")
    with right:
        if modules:
            chosen = st.selectbox(
                "Change a module",
                modules,
                format_func=lambda m: f"{m.module_key}: {m.title}",
                key="edit_module_pick",
            )
            vkey = f"module_version_{chosen.id}"
            with st.form(f"edit_module_{chosen.id}"):
                title = st.text_input("Title", chosen.title)
                group = st.selectbox(
                    "Role group",
                    training.ROLE_GROUPS,
                    format_func=group_label,
                    index=training.ROLE_GROUPS.index(chosen.role_group),
                )
                fmt = st.selectbox(
                    "Format",
                    training.FORMATS,
                    format_func=format_label,
                    index=training.FORMATS.index(chosen.format),
                )
                required = st.checkbox("Required for the gate", chosen.required)
                opened = _opened_version(vkey, chosen.version_id)
                if st.form_submit_button("Save module"):
                    try:
                        changed = training.update_module(
                            url,
                            actor,
                            chosen.id,
                            opened,
                            title=title,
                            role_group=group,
                            format=fmt,
                            required=required,
                        )
                    except training.EditConflict as exc:
                        st.session_state.pop(vkey, None)
                        st.error(str(exc))
                    except training.TrainingError as exc:
                        st.error(str(exc))
                    else:
                        _done("Saved." if changed else "Nothing changed.", vkey)

# ------------------------------------------------------------------------------------------------ one result
with result_tab:
    active_staff = [p for p in staff if p.active]
    if not active_staff or not modules:
        st.info("Add people and modules first (or import them).")
    else:
        person = st.selectbox(
            "Person", active_staff, format_func=lambda p: f"{p.name} ({p.staff_key})", key="result_person"
        )
        theirs = [m for m in modules if m.role_group == person.role_group]
        if not theirs:
            st.info(f"No module for {group_label(person.role_group)} yet.")
        else:
            module = st.selectbox(
                "Module", theirs, format_func=lambda m: f"{m.module_key}: {m.title}", key="result_module"
            )
            current = training.get_result(url, person.staff_key, module.module_key)
            vkey = f"result_version_{person.staff_key}_{module.module_key}"
            opened = _opened_version(vkey, current.version_id) if current else None
            with st.form(f"result_{person.staff_key}_{module.module_key}"):
                completed = st.date_input(
                    "Completed on",
                    current.completed_on if current and current.completed_on else today,
                    max_value=today,
                )
                outcome = st.selectbox(
                    "Proficiency check",
                    ["not taken", "pass", "fail"],
                    index=["not taken", "pass", "fail"].index(
                        current.check_result if current and current.check_result else "not taken"
                    ),
                )
                checked = st.date_input(
                    "Check date",
                    current.check_date if current and current.check_date else completed,
                    max_value=today,
                )
                score = st.number_input(
                    "Score (0-100)",
                    0.0,
                    100.0,
                    float(current.score) if current and current.score is not None else 0.0,
                )
                no_score = st.checkbox("No score", current is None or current.score is None)
                if st.form_submit_button("Save result", type="primary"):
                    result = None if outcome == "not taken" else outcome
                    try:
                        training.record_result(
                            url,
                            actor,
                            staff_key=person.staff_key,
                            module_key=module.module_key,
                            completed_on=completed,
                            check_result=result,
                            check_date=checked if result else None,
                            score=None if no_score else score,
                            expected_version=opened,
                            today=today,
                        )
                    except training.EditConflict as exc:
                        st.session_state.pop(vkey, None)
                        st.error(str(exc))
                    except training.TrainingError as exc:
                        st.error(str(exc))
                    else:
                        _done(f"Saved {person.name}'s result for {module.module_key}.", vkey)
    results = training.results_frame(url)
    with st.expander(f"All recorded results ({len(results)})"):
        st.dataframe(results, hide_index=True, width="stretch")
        download_buttons(results, "training-results", key="export_results")


# ------------------------------------------------------------------------------------------------ imports
def _import_block(kind: str, label: str, runner) -> None:
    st.subheader(label)
    st.download_button(
        f"Template for the {kind} file",
        TEMPLATES[kind],
        file_name=f"{kind}-template.csv",
        mime="text/csv",
        key=f"template_{kind}",
    )
    upload = st.file_uploader(f"{label} (CSV)", type=["csv"], key=f"upload_{kind}")
    if upload is None:
        return
    data = upload.getvalue()
    check = runner(data, upload.name, valid_rows_only=False, dry_run=True)
    if check.problems:
        st.error(
            f"{upload.name}: {len(check.problems)} problem(s) in {check.rows} row(s); nothing has been "
            f"imported. Fix the file and upload it again, or import the {check.valid_rows} valid row(s) only."
        )
        problems = check.problems_frame()
        st.dataframe(problems, hide_index=True, width="stretch")
        download_buttons(problems, f"{kind}-import-problems", key=f"export_problems_{kind}")
        if check.valid_rows and st.button(
            f"Import the {check.valid_rows} valid row(s) only", key=f"partial_{kind}"
        ):
            report = runner(data, upload.name, valid_rows_only=True, dry_run=False)
            _done(report.summary())
    else:
        st.info(f"{upload.name}: all {check.rows} row(s) are valid.")
        if st.button(f"Import {kind}", type="primary", key=f"import_{kind}"):
            report = runner(data, upload.name, valid_rows_only=False, dry_run=False)
            _done(report.summary())


with import_tab:
    st.caption(
        "Every row is checked before anything is saved. Problems are listed by row (the header is row 1) "
        "and column. Importing the same file again changes nothing. Import the roster before completions."
    )
    _import_block(
        "roster",
        "Staff roster",
        lambda data, name, **kw: import_roster(url, data, actor, filename=name, **kw),
    )
    _import_block(
        "completions",
        "Completion export from the learning system",
        lambda data, name, **kw: import_completions(url, data, actor, today=today, filename=name, **kw),
    )
