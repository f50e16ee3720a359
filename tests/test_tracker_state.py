"""Plan, checklists and issue log in the app DB: concurrency, audit, migrations, demo seeding, pages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from auth import audit
from tests.conftest import REPO, write_config
from tracker import checklists, issue_log, plan
from tracker.db import downgrade, session_factory, upgrade
from tracker.editing import EditConflict

LEAD = audit.Actor("lead", "implementation_lead")
ADMIN = audit.Actor("admin", "administrator")
D = dt.date
PROFILE = {"practice_name": "Hand-made PT", "location_count": 1, "providers_by_discipline": {"PT": 4, "OT": 1},
           "current_system": "simple", "contract_date": D(2026, 1, 5), "planning_start": D(2025, 12, 8),
           "target_go_live": D(2026, 3, 16), "rollout": "big_bang", "parallel_run": False}


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path}/app.db"
    upgrade(url)
    return url


def accepted(url: str) -> None:
    version = plan.save_profile(url, LEAD, PROFILE)
    assert plan.accept_plan(url, LEAD, version) == 23
    checklists.create_checklists(url, LEAD, PROFILE["target_go_live"])


def changes_of(url: str, resource_type: str) -> list[dict]:
    frame = audit.events(url)
    frame = frame[frame["record type"] == resource_type]
    return frame.to_dict("records")


def test_accepted_plan_keeps_baseline_and_edits_are_audited(url):
    accepted(url)
    ms = {m.key: m for m in plan.list_milestones(url)}
    signoff = ms["configuration_signoff"]
    assert signoff.checkpoint == "configuration_signoff" and signoff.baseline_due_date == D(2026, 2, 16)
    updated = plan.update_milestone(url, LEAD, signoff.id, signoff.version, due_date=D(2026, 3, 11),
                                    owner="admin", status="blocked", blocked_reason="Waiting for payer ERA forms")
    assert updated.baseline_due_date == D(2026, 2, 16) and updated.slip_days() == 23
    event = changes_of(url, "milestone")[0]
    assert event["user"] == "lead" and event["before"]["due_date"] == "2026-02-16"
    assert event["after"]["due_date"] == "2026-03-11" and event["after"]["owner"] == "admin"
    with pytest.raises(ValueError, match="already accepted"):
        plan.accept_plan(url, LEAD, plan.get_profile(url).version)
    # critical path: the blocked sign-off, now due after training completion, decides go-live
    path = [m.key for m in map(lambda i: plan.get_milestone(url, i), plan.critical_path(plan.list_milestones(url)))]
    assert path[-3:] == ["configuration_signoff", "final_approval", "go_live"]


def test_dependencies_refuse_loops_and_removed_milestones_drop_their_links(url):
    accepted(url)
    ms = {m.key: m for m in plan.list_milestones(url)}
    with pytest.raises(ValueError, match="loop"):
        plan.add_dependency(url, LEAD, ms["team_assembled"].id, ms["go_live"].id)
    extra = plan.add_milestone(url, LEAD, title="Extra printer check", phase="go_live", owner="it_liaison",
                               due_date=D(2026, 3, 10), depends_on=[ms["configuration_signoff"].id])
    assert extra.baseline_due_date is None and extra.depends_on == [ms["configuration_signoff"].id]
    go_live = plan.get_milestone(url, ms["go_live"].id)
    plan.set_dependencies(url, LEAD, go_live.id, go_live.version, [*go_live.depends_on, extra.id])
    with pytest.raises(EditConflict):  # the admin's screen still shows the old list: nothing is dropped
        plan.set_dependencies(url, ADMIN, go_live.id, go_live.version, go_live.depends_on)
    assert extra.id in plan.get_milestone(url, go_live.id).depends_on
    with pytest.raises(ValueError, match="loop"):
        latest = plan.get_milestone(url, extra.id)
        plan.set_dependencies(url, LEAD, extra.id, latest.version, [*latest.depends_on, go_live.id])
    plan.remove_milestone(url, LEAD, extra.id, plan.get_milestone(url, extra.id).version)
    assert extra.id not in plan.get_milestone(url, ms["go_live"].id).depends_on


def test_exports_of_plan_checklists_and_issues_open_in_excel(url):
    from io import BytesIO

    import pandas as pd

    from ui.exports import to_csv_bytes, to_excel_bytes

    accepted(url)
    issue_log.log_issue(url, LEAD, what="=SUM(A1)", category="billing")
    today = D(2026, 2, 20)
    frames = {"Plan": plan.milestones_frame(plan.list_milestones(url), today),
              "Checklists": checklists.items_frame(checklists.list_items(url), today),
              "Issues": issue_log.issues_frame(issue_log.list_issues(url))}
    for sheet, frame in frames.items():
        back = pd.read_excel(BytesIO(to_excel_bytes(frame, sheet)), sheet_name=sheet)
        assert len(back) == len(frame) and list(back.columns) == list(frame.columns)
        assert to_csv_bytes(frame).decode("utf-8-sig").count("\n") >= len(frame)
    assert pd.read_excel(BytesIO(to_excel_bytes(frames["Issues"])))["what"][0] == "'=SUM(A1)"
    overdue = frames["Plan"].set_index("milestone")["overdue"]
    assert overdue["Configuration signed off"] and not overdue["Go-live"]


def test_two_sessions_editing_one_item_second_is_told_and_nothing_overwritten(url):
    accepted(url)
    item = checklists.item_state(url, "hipaa.baa_signed")
    # both editors opened the item at the same version
    checklists.update_item(url, ADMIN, item.key, item.version, done=True, evidence="BAA PDF in the binder")
    with pytest.raises(EditConflict) as err:
        checklists.update_item(url, LEAD, item.key, item.version, done=True, evidence="signed, I think")
    conflict = err.value
    assert conflict.changed_by == "admin" and conflict.theirs["evidence"] == "BAA PDF in the binder"
    assert "admin changed this checklist item" in str(conflict) and "not saved" in str(conflict)
    state = checklists.item_state(url, item.key)
    assert state.evidence == "BAA PDF in the binder" and state.done_by == "admin" and state.done_at is not None


def test_orm_version_column_detects_a_write_between_read_and_flush(url):
    accepted(url)
    factory = session_factory(url)
    first, second = factory(), factory()
    try:
        stmt = select(checklists.ChecklistItemRow).where(checklists.ChecklistItemRow.key == "hipaa.risk_analysis")
        a = first.scalar(stmt)
        first.expunge(a)  # keep what the first editor read (version 1) ...
        first.rollback()  # ... and release SQLite's write lock (BEGIN IMMEDIATE) so the second may write
        b = second.scalar(stmt)
        b.evidence = "risk analysis v2"
        second.commit()
        first.add(a)
        a.evidence = "risk analysis v1"
        with pytest.raises(StaleDataError):
            first.commit()
    finally:
        first.close()
        second.close()
    assert checklists.item_state(url, "hipaa.risk_analysis").evidence == "risk analysis v2"


def test_milestone_and_issue_conflicts(url):
    accepted(url)
    m = plan.list_milestones(url)[0]
    plan.update_milestone(url, ADMIN, m.id, m.version, title="Team assembled (renamed)")
    with pytest.raises(EditConflict) as err:
        plan.update_milestone(url, LEAD, m.id, m.version, status="done")
    assert err.value.theirs["title"] == "Team assembled (renamed)"
    issue = issue_log.log_issue(url, audit.Actor("frontdesk", "front_desk"), what="Printer jams", category="hardware",
                                location="Main")
    issue_log.triage(url, LEAD, issue.id, issue.version, owner="lead", status="in_progress")
    with pytest.raises(EditConflict):
        issue_log.triage(url, ADMIN, issue.id, issue.version, owner="admin")
    assert issue_log.get_issue(url, issue.id).owner == "lead"


def test_ticking_needs_evidence_and_progress_counts(url):
    accepted(url)
    item = checklists.item_state(url, "go_live_day.floater")
    with pytest.raises(ValueError, match="evidence"):
        checklists.update_item(url, LEAD, item.key, item.version, done=True)
    checklists.update_item(url, LEAD, item.key, item.version, done=True, evidence="Jo at Main, Lee at East")
    assert checklists.list_progress(url, "go_live_day") == (1, 5)
    assert checklists.list_progress(url, "workflows") == (0, 9)
    assert checklists.list_progress(url, "nothing") == (0, 0)
    mine = checklists.my_items(url, "frontdesk", "front_desk")
    assert mine and all(i.owner == "front_desk_coordinator" for i in mine)
    assert {i.key for i in checklists.my_items(url, "billing", "billing")} >= {"config_billing.era_eft"}
    gating = checklists.open_items_by_milestone(checklists.list_items(url))
    assert gating["final_approval"] == 4 + 1  # four open go-live-day items and the compliance records
    assert gating["workflows_documented"] == 9


def test_issue_log_debrief_counts_one_day(url):
    fd = audit.Actor("frontdesk", "front_desk")
    day = D(2026, 3, 16)
    a = issue_log.log_issue(url, fd, what="Cannot sign in", category="access", severity="blocker",
                            opened_at=dt.datetime(2026, 3, 16, 8, 5))
    issue_log.log_issue(url, fd, what="Wrong reminder time", category="scheduling",
                        opened_at=dt.datetime(2026, 3, 16, 9, 0))
    issue_log.log_issue(url, fd, what="Old one", category="billing", opened_at=dt.datetime(2026, 3, 15, 9, 0))
    with pytest.raises(ValueError, match="Resolution"):
        issue_log.triage(url, LEAD, a.id, a.version, status="resolved")
    issue_log.triage(url, LEAD, a.id, a.version, status="resolved", resolution="Accounts activated")
    issues = issue_log.list_issues(url)
    resolved = next(i for i in issues if i.id == a.id)
    d = issue_log.debrief(issues, resolved.resolved_at.date())
    if resolved.resolved_at.date() == day:  # the resolution is stamped now; only compare when it is that day
        assert len(d.closed) == 1
    d16 = issue_log.debrief([i if i.id != a.id else resolved for i in issues], day)
    assert len(d16.opened) == 2
    by = d16.by_category.set_index("category")
    assert by.loc["Scheduling", "opened"] == 1 and by.loc["Billing", "open at end of day"] == 1
    pdf = issue_log.debrief_pdf(d16, "Hand-made PT", "Priya")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert "End-of-day debrief" in text and "Wrong reminder time" in text
    with pytest.raises(ValueError, match="Category"):
        issue_log.log_issue(url, fd, what="x", category="coffee")


@pytest.mark.parametrize("moment, offset", [("before", 21), ("after", -100)])
def test_demo_seed_both_moments(tmp_path, moment, offset):
    from config.settings import Settings
    from tracker import demo_plan

    url = f"sqlite:///{tmp_path}/app.db"
    upgrade(url)
    today = D(2026, 11, 22)
    settings = Settings(path=tmp_path / "c.toml", go_live=today + dt.timedelta(days=offset), database_url=url,
                        warehouse_url=f"duckdb:///{tmp_path}/none.duckdb", sources=(),
                        raw={"project": {"practice_name": "Riverbend"}})
    demo_plan.seed_demo(settings, moment, today)
    demo_plan.seed_demo(settings, moment, today)  # idempotent
    ms = {m.key: m for m in plan.list_milestones(url)}
    baa = checklists.item_state(url, "hipaa.baa_signed")
    assert baa.done and baa.done_at.date() < today - dt.timedelta(days=60)
    if moment == "before":
        assert ms["config_billing"].status == "blocked" and ms["go_live"].status == "not_started"
        assert not checklists.item_state(url, "data_migration.spot_checks").done
        assert checklists.list_progress(url, "config_billing")[0] < 5
        assert plan.critical_path(list(ms.values()))
    else:
        assert all(m.status == "done" for k, m in ms.items() if k != "review_90")
        assert ms["review_90"].status == "in_progress" and not ms["review_90"].overdue(today)
        assert checklists.list_progress(url, "go_live_day") == (5, 5)
        assert len(issue_log.list_issues(url)) == 18
    for m in ms.values():
        if m.done_at:
            assert m.done_at.date() <= today


def test_migration_up_and_down_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path}/app.db"
    upgrade(url)
    downgrade(url, "0002")
    from sqlalchemy import inspect

    from tracker.db import get_engine

    assert "milestones" not in inspect(get_engine(url)).get_table_names()
    upgrade(url)
    assert {"milestones", "checklist_items", "golive_issues"} <= set(inspect(get_engine(url)).get_table_names())


@pytest.mark.postgres
def test_migration_up_and_down_postgres_and_conflict(postgres_schema):
    url, _schema = postgres_schema
    upgrade(url)
    accepted(url)
    item = checklists.item_state(url, "hipaa.audit_logging")
    checklists.update_item(url, ADMIN, item.key, item.version, evidence="on")
    with pytest.raises(EditConflict):
        checklists.update_item(url, LEAD, item.key, item.version, evidence="off")
    downgrade(url, "0002")
    from sqlalchemy import inspect

    from tracker.db import get_engine

    assert "milestones" not in inspect(get_engine(url)).get_table_names()
    upgrade(url)


# ------------------------------------------------------------------------------------------ pages (AppTest)


@pytest.fixture(scope="module")
def demo_before(tmp_path_factory):
    from auth.users import seed_demo as seed_users
    from config.settings import load_settings
    from jobs.setup import init_stores
    from tracker import demo_plan

    directory = tmp_path_factory.mktemp("tracker-pages")
    path = write_config(directory, go_live=(dt.date.today() + dt.timedelta(days=21)).isoformat())
    settings = load_settings(path)
    init_stores(settings)
    seed_users(settings, "before", dt.date.today())
    demo_plan.seed_demo(settings, "before", dt.date.today())
    return path


@pytest.mark.parametrize("page_key, role", [("plan", "implementation_lead"), ("checklists", "implementation_lead"),
                                        ("checklists", "billing"), ("my_items", "front_desk"),
                                        ("issue_log", "implementation_lead"), ("issue_log", "front_desk"),
                                        ("debrief", "administrator")])
def test_pages_render_without_exception(demo_before, monkeypatch, page_key, role):
    from streamlit.testing.v1 import AppTest

    from auth.users import SignedInUser

    monkeypatch.setenv("APP_CONFIG", str(demo_before))
    at = AppTest.from_file(str(REPO / "app_pages" / f"{page_key}.py"), default_timeout=60)
    at.session_state["user"] = SignedInUser(1, {"implementation_lead": "lead", "front_desk": "frontdesk",
                                                "billing": "billing", "administrator": "admin"}[role], role, "Test")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value


def test_demo_profile_takes_locations_and_providers_from_the_legacy_warehouse(tmp_path):
    import pandas as pd

    from config.settings import Settings, Source
    from tracker.demo_plan import _practice_shape
    from warehouse.store import build_warehouse

    url = f"duckdb:///{tmp_path}/w.duckdb"
    build_warehouse(url, {
        "legacy": {"locations": pd.DataFrame({"location_id": ["L1", "L2"], "name": ["Oak St", "Elm Rd"],
                                              "state": ["OR", "OR"]}),
                   "providers": pd.DataFrame({"provider_id": ["P1", "P2", "P3"], "name": ["a", "b", "c"],
                                              "discipline": ["PT", "PT", "SLP"], "credential": ["PT", "PTA", "SLP"],
                                              "location_id": ["L1", "L2", "L1"], "npi": [None] * 3,
                                              "active": [True, True, False]})},
        "new": {"locations": pd.DataFrame({"location_id": ["X"], "name": ["Elsewhere"], "state": ["OR"]})},
    }).disconnect()
    settings = Settings(path=tmp_path / "c.toml", go_live=D(2026, 3, 2), database_url=f"sqlite:///{tmp_path}/a.db",
                        warehouse_url=url, sources=(Source("legacy", "legacy", "sql", "x"),
                                                    Source("new", "new", "sql", "y")))
    assert _practice_shape(settings) == (["Elm Rd", "Oak St"], {"PT": 2})


def test_page_tells_the_second_writer_and_shows_the_other_change(demo_before, monkeypatch):
    """Front desk opens an item; the lead saves it meanwhile; the front desk's save is refused and shown."""
    from streamlit.testing.v1 import AppTest

    from auth.users import SignedInUser
    from config.settings import load_settings

    monkeypatch.setenv("APP_CONFIG", str(demo_before))
    url = load_settings(demo_before).database_url
    at = AppTest.from_file(str(REPO / "app_pages" / "my_items.py"), default_timeout=60)
    at.session_state["user"] = SignedInUser(6, "frontdesk", "front_desk", "Tess")
    at.run()
    key = at.selectbox(key="my_item").value
    item = checklists.item_state(url, key)
    checklists.update_item(url, LEAD, key, item.version, evidence="Lead's note: booked with the vendor")
    next(t for t in at.text_input if t.label.startswith("Evidence")).input("my evidence")
    next(c for c in at.checkbox if c.label == "Done").check()
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert not at.exception
    assert any("lead changed this checklist item" in e.value and "not saved" in e.value for e in at.error)
    shown = next(d.value for d in at.dataframe if "their saved value" in d.value.columns)
    assert "Lead's note: booked with the vendor" in set(shown["their saved value"])
    state = checklists.item_state(url, key)
    assert state.evidence == "Lead's note: booked with the vendor" and not state.done
    # having seen their version (any rerun redraws the form from the record), the front desk re-applies
    next(b for b in at.button if b.label == "Show their version").click()
    at.run()
    assert next(t for t in at.text_input if t.label.startswith("Evidence")).value == state.evidence
    next(t for t in at.text_input if t.label.startswith("Evidence")).input(state.evidence + "; confirmed")
    next(c for c in at.checkbox if c.label == "Done").check()
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert not at.error and not at.exception
    assert checklists.item_state(url, key).done_by == "frontdesk"
