"""The 90 % gate and its forecast on hand-made histories, hand edits with conflicts, migrations, demo."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select

from auth import audit
from auth.models import AuditEvent
from tracker import training
from tracker.db import downgrade, get_engine, session_scope, upgrade
from tracker.training import EditConflict, forecast, group_status

ACTOR = audit.Actor("lead", "implementation_lead")
D = dt.date
MY_TABLES = {
    "training_staff",
    "training_modules",
    "training_results",
    "pulse_rounds",
    "pulse_answers",
    "pulse_participation",
    "vendors",
    "vendor_criteria",
    "vendor_questions",
    "vendor_answers",
    "vendor_decision",
}


# ------------------------------------------------------------------------------------------ pure gate arithmetic


def test_forecast_hand_computed():
    today = D(2026, 3, 3)
    # 10 active; 6 trained: 2 long ago, 4 inside the 14-day window (Feb 18 .. Mar 3) -> pace 4/14 per day.
    # Target ceil(9.0) = 9 -> 3 more -> 3 / (4/14) = 10.5 -> 11 days -> Mar 14.
    trained = [
        D(2026, 1, 10),
        D(2026, 2, 1),
        D(2026, 2, 18),
        D(2026, 2, 25),
        D(2026, 3, 1),
        D(2026, 3, 3),
        None,
        None,
        None,
        None,
    ]
    when, pace, needed = forecast(trained, 10, today)
    assert (when, needed) == (D(2026, 3, 14), 3)
    assert pace == pytest.approx(4 / 14)
    # Feb 17 is one day outside the window: the pace drops to 3/14 -> 3 / (3/14) = 14 days -> Mar 17.
    trained[2] = D(2026, 2, 17)
    assert forecast(trained, 10, today)[0] == D(2026, 3, 17)


def test_forecast_without_pace_or_already_met():
    today = D(2026, 3, 3)
    assert forecast([D(2026, 1, 1), None, None], 3, today) == (None, 0.0, 2)
    # 9 of 10 trained: crossed on the 9th person's day
    days = [D(2026, 2, d) for d in range(1, 10)] + [None]
    assert forecast(days, 10, today)[0] == D(2026, 2, 9)
    # results dated after "today" do not count yet
    assert forecast([D(2026, 3, 10)], 1, today) == (None, 0.0, 1)
    assert forecast([], 0, today) == (None, 0.0, 0)


def test_group_status_counts_only_active_people_with_every_required_module_passed():
    people = [("Ann", True), ("Bo", True), ("Cy", True), ("Dee", False)]
    modules = [("Sandbox", True), ("Card", True), ("Q&A", False)]
    done = {
        ("Ann", "Sandbox"): D(2026, 2, 1),
        ("Ann", "Card"): D(2026, 2, 3),
        ("Bo", "Sandbox"): D(2026, 2, 2),
        ("Bo", "Q&A"): D(2026, 2, 2),
        ("Dee", "Sandbox"): D(2026, 2, 2),
        ("Dee", "Card"): D(2026, 2, 2),
    }
    g = group_status("billing", people, modules, done, go_live=D(2026, 3, 17), today=D(2026, 2, 10))
    assert (g.active_staff, g.completed) == (3, 1)
    assert g.rate == pytest.approx(1 / 3) and not g.meets_gate
    assert sorted(g.missing) == [("Bo", "Card"), ("Cy", "Card"), ("Cy", "Sandbox")]
    # Ann crossed on Feb 3 (inside the window Jan 28 .. Feb 10): pace 1/14, target 3, 2 needed -> 28 days
    assert g.forecast_date == D(2026, 3, 10) and g.forecast_before_go_live
    assert "reaches 90 % on Mar 10, 2026" in g.sentence(D(2026, 3, 17))


def test_module_done_needs_completion_and_a_passed_check():
    today = D(2026, 3, 1)
    assert training.module_done_on(D(2026, 2, 1), "pass", D(2026, 2, 4), today) == D(2026, 2, 4)
    assert training.module_done_on(D(2026, 2, 1), "fail", D(2026, 2, 1), today) is None
    assert training.module_done_on(D(2026, 2, 1), None, None, today) is None
    assert training.module_done_on(D(2026, 2, 1), "pass", D(2026, 3, 2), today) is None


def test_exactly_ninety_percent_meets_the_gate():
    people = [(f"P{i}", True) for i in range(10)]
    done = {(f"P{i}", "M"): D(2026, 1, 1) for i in range(9)}
    g = group_status("front_desk", people, [("M", True)], done, D(2026, 3, 1), D(2026, 2, 1))
    assert g.rate == pytest.approx(0.9) and g.meets_gate


# ------------------------------------------------------------------------------------------ through the app DB


def _practice(url: str) -> None:
    training.add_module(
        url, ACTOR, module_key="FD1", title="Scheduling sandbox", role_group="front_desk", format="sandbox"
    )
    training.add_module(
        url,
        ACTOR,
        module_key="FD2",
        title="Live Q&A",
        role_group="front_desk",
        format="live_qa",
        required=False,
    )
    for i in range(1, 5):
        training.add_staff(
            url,
            ACTOR,
            staff_key=f"F{i}",
            name=f"Desk {i}",
            role_group="front_desk",
            location="Main",
            super_user=i == 1,
        )


def test_gate_status_from_recorded_results(tmp_settings):
    url = tmp_settings.database_url
    _practice(url)
    training.record_result(
        url,
        ACTOR,
        staff_key="F1",
        module_key="FD1",
        completed_on=D(2026, 2, 1),
        check_result="pass",
        score=90,
    )
    training.record_result(
        url,
        ACTOR,
        staff_key="F2",
        module_key="FD1",
        completed_on=D(2026, 2, 20),
        check_result="pass",
        check_date=D(2026, 2, 21),
    )
    training.record_result(
        url, ACTOR, staff_key="F3", module_key="FD1", completed_on=D(2026, 2, 22), check_result="fail"
    )
    status = {g.role_group: g for g in training.gate_status(url, D(2026, 3, 17), D(2026, 2, 28))}
    fd = status["front_desk"]
    assert (fd.active_staff, fd.completed, fd.rate) == (4, 2, 0.5)
    # pace: F2 inside the window (Feb 15 .. Feb 28) -> 1/14; target 4, 2 needed -> 28 days -> Mar 28
    assert fd.forecast_date == D(2026, 3, 28) and not fd.forecast_before_go_live
    assert sorted(p for p, _ in fd.missing) == ["Desk 3 (F3)", "Desk 4 (F4)"]
    assert status["billing"].active_staff == 0 and status["billing"].rate is None
    assert training.super_users_by_location(url) == {"Main": ["Desk 1"]}


def test_hand_edits_are_audited_and_conflicts_refused(tmp_settings):
    url = tmp_settings.database_url
    _practice(url)
    person = next(p for p in training.list_staff(url) if p.staff_key == "F2")
    assert training.update_staff(url, ACTOR, person.id, person.version_id, location="Lakeside")
    with pytest.raises(EditConflict):  # the second editor opened the same version
        training.update_staff(url, audit.Actor("admin"), person.id, person.version_id, super_user=True)
    again = next(p for p in training.list_staff(url) if p.staff_key == "F2")
    assert (again.location, again.super_user) == ("Lakeside", False)
    with session_scope(url) as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.resource_id == "F2", AuditEvent.action == "change")
        ).one()
        assert (event.before, event.after) == ({"location": "Main"}, {"location": "Lakeside"})
    training.record_result(url, ACTOR, staff_key="F2", module_key="FD1", completed_on=D(2026, 2, 1))
    result = training.get_result(url, "F2", "FD1")
    training.record_result(
        url,
        ACTOR,
        staff_key="F2",
        module_key="FD1",
        completed_on=D(2026, 2, 1),
        check_result="pass",
        expected_version=result.version_id,
    )
    with pytest.raises(EditConflict):
        training.record_result(
            url,
            ACTOR,
            staff_key="F2",
            module_key="FD1",
            completed_on=D(2026, 2, 1),
            check_result="fail",
            expected_version=result.version_id,
        )
    assert training.get_result(url, "F2", "FD1").check_result == "pass"


def test_bad_hand_entries_are_refused(tmp_settings):
    url = tmp_settings.database_url
    _practice(url)
    training.add_module(url, ACTOR, module_key="BI1", title="Claims", role_group="billing", format="sandbox")
    with pytest.raises(training.TrainingError, match="score"):
        training.record_result(
            url,
            ACTOR,
            staff_key="F1",
            module_key="FD1",
            completed_on=D(2026, 2, 1),
            check_result="pass",
            score=101,
        )
    with pytest.raises(training.TrainingError, match="belongs to Billing"):
        training.record_result(url, ACTOR, staff_key="F1", module_key="BI1", completed_on=D(2026, 2, 1))
    with pytest.raises(training.TrainingError, match="role group"):
        training.add_staff(url, ACTOR, staff_key="X", name="X", role_group="doctor")
    with pytest.raises(training.TrainingError, match="already"):
        training.add_staff(url, ACTOR, staff_key="F1", name="Dup", role_group="billing")


# ------------------------------------------------------------------------------------------ demo moments


def _demo(tmp_path, moment: str):
    from config.settings import load_settings
    from jobs.setup import init_stores
    from tests.conftest import write_config
    from tracker import demo_training

    settings = load_settings(write_config(tmp_path / moment, go_live="2026-03-17"))
    init_stores(settings)
    today = settings.go_live + dt.timedelta(days=-21 if moment == "before" else 100)
    demo_training.seed_demo(settings, moment, today)
    return settings, today


def test_demo_before_has_one_group_late_and_one_on_pace(tmp_path):
    settings, today = _demo(tmp_path, "before")
    status = {g.role_group: g for g in training.gate_status(settings.database_url, settings.go_live, today)}
    assert not status["front_desk"].meets_gate and status["front_desk"].forecast_before_go_live
    assert not status["clinician"].meets_gate and status["clinician"].forecast_date > settings.go_live
    assert all(status[g].meets_gate for g in ("assistant", "billing", "leadership"))
    assert 40 <= len(training.list_staff(settings.database_url)) <= 60
    assert training.super_users_by_location(settings.database_url)


def test_demo_after_has_every_group_passed(tmp_path):
    settings, today = _demo(tmp_path, "after")
    assert all(g.meets_gate for g in training.gate_status(settings.database_url, settings.go_live, today))


# ------------------------------------------------------------------------------------------ migrations


def _migrate_up_and_down(url: str) -> None:
    upgrade(url)
    assert set(inspect(get_engine(url)).get_table_names()) >= MY_TABLES
    _practice(url)  # the migrated schema works with the models
    downgrade(url, "0003")
    assert not MY_TABLES & set(inspect(get_engine(url)).get_table_names())
    upgrade(url, "0004")
    assert set(inspect(get_engine(url)).get_table_names()) >= MY_TABLES


def test_migration_matches_models_and_goes_down_and_up_on_sqlite(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from tracker.db import Base, import_models

    url = f"sqlite:///{tmp_path}/app.db"
    upgrade(url)
    import_models()
    with get_engine(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diff if any(t in repr(d) for t in MY_TABLES)]
    assert mine == []
    _migrate_up_and_down(url)


@pytest.mark.postgres
def test_migration_up_and_down_on_postgresql(postgres_schema):
    url, _schema = postgres_schema
    _migrate_up_and_down(url)


def test_gate_chart_shows_rates_and_the_gate_line():
    from ui.training_charts import gate_figure

    people = [(f"P{i}", True) for i in range(4)]
    g = group_status(
        "front_desk", people, [("M", True)], {("P0", "M"): D(2026, 1, 1)}, D(2026, 3, 1), D(2026, 2, 1)
    )
    fig = gate_figure([g])
    assert list(fig.data[0].x) == [0.25] and list(fig.data[0].text) == ["1/4"]
    assert fig.layout.shapes[0].x0 == training.GATE
