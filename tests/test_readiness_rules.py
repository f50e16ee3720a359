"""Readiness criteria and verdict on hand-made states (metrics/readiness.py, pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from metrics import readiness as r
from metrics.readiness import (
    AMBER,
    GO,
    GO_WITH_RISKS,
    GREEN,
    NO_GO,
    RED,
    ChecklistItemFacts,
    LocationSchedule,
    MigrationRunFacts,
    MilestoneFacts,
    ProfileFacts,
    ReadinessInputs,
    SpotCheckFacts,
    SyncFacts,
    Thresholds,
    TrainingGroupFacts,
)

TODAY = dt.date(2026, 3, 9)
NOW = dt.datetime(2026, 3, 9, 12, 0)
GO_LIVE = dt.date(2026, 3, 30)
LOCATIONS = ("Eastside", "Northgate")


def _item(key: str, done: bool = True, at: dt.datetime = dt.datetime(2026, 1, 5, 9, 0), owner: str = "Owner X"):
    return ChecklistItemFacts(key=key, title=key, done=done, owner=owner, done_at=at if done else None,
                              done_by="admin" if done else None, evidence="signed copy in the shared drive")


def _milestones() -> tuple[MilestoneFacts, ...]:
    ms = [
        MilestoneFacts(1, "Plan agreed", None, "planning", "done", "Project lead", dt.date(2026, 1, 20),
                       dt.date(2026, 1, 19), "kick-off held"),
        MilestoneFacts(2, "Configuration signed off", "configuration_signoff", "configuration", "done", "Project lead",
                       dt.date(2026, 2, 20), dt.date(2026, 2, 19), "sign-off sheet", depends_on=(1,)),
        MilestoneFacts(3, "Training complete", "training_completion", "training", "done", "Project lead",
                       dt.date(2026, 3, 6), dt.date(2026, 3, 5), "gate report", depends_on=(2,)),
        MilestoneFacts(4, "Migration validated", "migration_validation", "data_migration", "done", "Project lead",
                       dt.date(2026, 3, 6), dt.date(2026, 3, 6), "receipts", depends_on=(1,)),
        MilestoneFacts(5, "Final approval", "final_approval", "go_live", "not_started", "Project lead",
                       dt.date(2026, 3, 27), depends_on=(2, 3, 4)),
        MilestoneFacts(6, "Go-live", None, "go_live", "not_started", "Project lead", GO_LIVE, depends_on=(5,),
                       key="go_live"),
    ]
    return tuple(ms)


def green_inputs(**changes) -> ReadinessInputs:
    """A practice ready to go live: every criterion green."""
    items = {k: _item(k) for k in (*r.HIPAA_ITEMS, *r.GO_LIVE_DAY_ITEMS, r.BACKUP_ITEM)}
    base = ReadinessInputs(
        today=TODAY, now=NOW, go_live=GO_LIVE,
        profile=ProfileFacts(contract_date=GO_LIVE - dt.timedelta(weeks=14), planning_start=dt.date(2025, 12, 15),
                             location_count=2, provider_count=12, current_system="simple"),
        milestones=_milestones(),
        training=(TrainingGroupFacts("front_desk", "Front desk", 10, 9),
                  TrainingGroupFacts("clinician", "Clinicians", 20, 20)),
        migration_run=MigrationRunFacts(ran_at=dt.datetime(2026, 3, 9, 3, 0), blockers=0, warnings=4,
                                        ar_legacy=Decimal("1000.00"), ar_new=Decimal("1000.00"),
                                        ar_difference=Decimal("0.00")),
        spot_check=SpotCheckFacts(size=120, reviewed=120, wrong=0, signed_off=True, signed_off_by="admin",
                                  signed_off_at=dt.datetime(2026, 3, 6, 15, 0)),
        legacy_sync=SyncFacts("legacy", dt.datetime(2026, 3, 9, 2, 10), dt.datetime(2026, 1, 10, 2, 0), "success"),
        new_sync=SyncFacts("new", dt.datetime(2026, 3, 9, 2, 25), dt.datetime(2026, 1, 20, 2, 15), "success"),
        checklist_items=items,
        checklist_progress={k: (9, 9) for k in r.CONFIG_LISTS},
        locations=LOCATIONS,
        super_users={"Eastside": ("Ana Diaz",), "Northgate": ("Ben Lo",)},
        schedule=(LocationSchedule("Eastside", 60, 1000.0, 3, 750.0),
                  LocationSchedule("Northgate", 60, 800.0, 3, 600.0)),
    )
    return replace(base, **changes)


def crit(inp: ReadinessInputs, key: str) -> r.Criterion:
    return next(c for c in r.evaluate(inp).criteria if c.key == key)


def test_green_practice_is_go():
    result = r.evaluate(green_inputs())
    assert [c.state for c in result.criteria] == [GREEN] * 9, [(c.key, c.evidence) for c in result.criteria]
    assert result.verdict == GO
    assert result.score == 100
    assert result.sentence == "Go: every criterion is green."
    assert result.days_to_go_live == 21
    assert result.data_date == dt.datetime(2026, 3, 9, 2, 25)


def test_every_criterion_names_owner_and_page():
    from auth.roles import PAGES_BY_KEY

    for c in r.evaluate(ReadinessInputs(today=TODAY, now=NOW, go_live=GO_LIVE)).criteria:
        assert c.owner and c.page in PAGES_BY_KEY, c
    critical = {c.key for c in r.evaluate(green_inputs()).criteria if c.critical}
    assert critical == {"training", "migration", "hipaa"}


# ------------------------------------------------------------------ timeline


@pytest.mark.parametrize(("weeks", "locations", "system", "state"), [
    (5, 1, "simple", RED),            # under the 6-week floor
    (7, 1, "simple", AMBER),          # one location: below 8 recommended
    (8, 1, "paper", GREEN),
    (10, 2, "simple", AMBER),         # several locations: 12 recommended
    (11, 1, "complex_legacy", AMBER),  # complex legacy: 12 recommended
    (12, 3, "complex_legacy", GREEN),
    (20, 1, "simple", GREEN),
])
def test_timeline_weeks(weeks, locations, system, state):
    profile = ProfileFacts(contract_date=GO_LIVE - dt.timedelta(weeks=weeks),
                           planning_start=GO_LIVE - dt.timedelta(weeks=weeks), location_count=locations,
                           current_system=system)
    assert crit(green_inputs(profile=profile, milestones=()), "timeline").state == state


def test_timeline_planning_under_four_weeks_is_amber():
    ms = (MilestoneFacts(1, "Plan agreed", None, "planning", "done", due_date=dt.date(2026, 1, 5)),)
    profile = ProfileFacts(contract_date=dt.date(2025, 12, 1), planning_start=dt.date(2025, 12, 15))
    c = crit(green_inputs(profile=profile, milestones=ms), "timeline")
    assert c.state == AMBER
    assert "3.0 weeks" in c.evidence
    ok = replace(profile, planning_start=dt.date(2025, 12, 8))  # exactly 4 weeks
    assert crit(green_inputs(profile=ok, milestones=ms), "timeline").state == GREEN


def test_timeline_without_profile_is_amber_no_evidence():
    c = crit(green_inputs(profile=None, gaps={"profile": "no practice profile has been entered"}), "timeline")
    assert c.state == AMBER and c.evidence.startswith("No evidence yet: no practice profile")


def test_timeline_threshold_is_editable():
    profile = ProfileFacts(contract_date=GO_LIVE - dt.timedelta(weeks=7), planning_start=None, location_count=1)
    c = crit(green_inputs(profile=profile, thresholds=Thresholds(timeline_floor_weeks=8)), "timeline")
    assert c.state == RED


# ------------------------------------------------------------------ milestones


def test_checkpoint_not_yet_due_is_amber_and_without_evidence_amber():
    ms = list(_milestones())
    ms[2] = replace(ms[2], status="in_progress", done_at=None, evidence=None, due_date=dt.date(2026, 3, 20))
    assert crit(green_inputs(milestones=tuple(ms)), "milestones").state == AMBER
    ms = list(_milestones())
    ms[1] = replace(ms[1], evidence="  ")
    c = crit(green_inputs(milestones=tuple(ms)), "milestones")
    assert c.state == AMBER and any("without evidence" in d for d in c.details)


def test_overdue_dependency_on_path_is_red():
    ms = list(_milestones())
    ms[0] = replace(ms[0], status="in_progress", done_at=None, due_date=dt.date(2026, 3, 1), owner="IT liaison")
    c = crit(green_inputs(milestones=tuple(ms)), "milestones")
    assert c.state == RED
    assert "Plan agreed" in c.evidence
    assert c.owner == "IT liaison"
    assert any("8 days late" in d for d in c.details)


def test_overdue_milestone_off_the_path_does_not_count():
    ms = (*_milestones(), MilestoneFacts(9, "30-day review", None, "after_go_live", "not_started",
                                         due_date=dt.date(2026, 3, 1)))
    assert crit(green_inputs(milestones=ms), "milestones").state == GREEN


def test_overdue_or_blocked_checkpoint_is_red():
    ms = list(_milestones())
    ms[3] = replace(ms[3], status="blocked", blocked_reason="AR does not reconcile", done_at=None)
    c = crit(green_inputs(milestones=tuple(ms)), "milestones")
    assert c.state == RED and "blocked: Migration validated" in c.evidence
    ms = list(_milestones())
    ms[4] = replace(ms[4], due_date=dt.date(2026, 3, 8))  # final approval overdue
    assert crit(green_inputs(milestones=tuple(ms)), "milestones").state == RED


def test_parallel_run_required_only_when_chosen():
    profile = replace(green_inputs().profile, parallel_run=True)
    c = crit(green_inputs(profile=profile), "milestones")
    assert c.state == AMBER and "Parallel run: not in the plan." in c.details


# ------------------------------------------------------------------ training


def test_training_gate_forecasts():
    below_ok = TrainingGroupFacts("billing", "Billing", 10, 8, forecast_date=dt.date(2026, 3, 20))
    below_late = TrainingGroupFacts("billing", "Billing", 10, 8, forecast_date=dt.date(2026, 4, 2))
    no_pace = TrainingGroupFacts("billing", "Billing", 10, 8, forecast_date=None)
    base = green_inputs().training
    assert crit(green_inputs(training=(*base, below_ok)), "training").state == AMBER
    late = crit(green_inputs(training=(*base, below_late)), "training")
    assert late.state == RED and late.critical
    assert "Billing 80 %" in late.evidence
    assert crit(green_inputs(training=(*base, no_pace)), "training").state == RED
    empty_group = TrainingGroupFacts("leadership", "Leadership", 0, 0)
    assert crit(green_inputs(training=(*base, empty_group)), "training").state == GREEN


def test_training_exactly_at_gate_is_green_and_gate_editable():
    group = (TrainingGroupFacts("front_desk", "Front desk", 10, 9),)
    assert crit(green_inputs(training=group), "training").state == GREEN
    assert crit(green_inputs(training=group, thresholds=Thresholds(training_gate=0.95)), "training").state == RED


def test_training_without_records_is_red():
    c = crit(green_inputs(training=None, gaps={"training": "tracker.training is not installed yet"}), "training")
    assert c.state == RED and "tracker.training is not installed yet" in c.evidence


# ------------------------------------------------------------------ migration


def test_migration_check_older_than_newest_sync_is_red():
    run = replace(green_inputs().migration_run, ran_at=dt.datetime(2026, 3, 9, 2, 20))  # before the new sync
    c = crit(green_inputs(migration_run=run), "migration")
    assert c.state == RED and "newest sync of the new source" in c.evidence


def test_migration_blocker_is_red():
    run = replace(green_inputs().migration_run, blockers=3, blocker_summaries=("ar balance mismatch in claims: 3",))
    c = crit(green_inputs(migration_run=run), "migration")
    assert c.state == RED and "3 blocker findings" in c.evidence
    assert "Blocker: ar balance mismatch in claims: 3" in c.details


@pytest.mark.parametrize(("difference", "state"), [("0.01", GREEN), ("-0.01", GREEN), ("0.02", RED),
                                                   ("-125.40", RED)])
def test_migration_ar_within_a_cent(difference, state):
    run = replace(green_inputs().migration_run, ar_difference=Decimal(difference))
    assert crit(green_inputs(migration_run=run), "migration").state == state


def test_migration_ar_worked_in_old_system_needs_no_reconciliation():
    run = replace(green_inputs().migration_run, ar_difference=Decimal("5400.00"))
    c = crit(green_inputs(migration_run=run, legacy_ar_in_old_system=True), "migration")
    assert c.state == GREEN and any("old system" in d for d in c.details)


def test_migration_spot_check_must_be_signed_off():
    sc = SpotCheckFacts(size=120, reviewed=80, wrong=2, signed_off=False)
    c = crit(green_inputs(spot_check=sc), "migration")
    assert c.state == RED and "80/120 reviewed" in c.evidence
    assert crit(green_inputs(spot_check=None), "migration").state == RED


def test_migration_never_checked_is_red():
    c = crit(green_inputs(migration_run=None), "migration")
    assert c.state == RED and c.evidence.startswith("No evidence yet")


# ------------------------------------------------------------------ HIPAA


def test_baa_signed_after_first_sync_of_new_source_is_red():
    items = dict(green_inputs().checklist_items)
    items["hipaa.baa_signed"] = _item("hipaa.baa_signed", at=dt.datetime(2026, 1, 25, 10, 0))  # first sync Jan 20
    c = crit(green_inputs(checklist_items=items), "hipaa")
    assert c.state == RED and c.critical
    assert "after PHI first entered the new system" in c.evidence


def test_baa_signed_before_first_sync_is_green_and_without_sync_too():
    assert crit(green_inputs(), "hipaa").state == GREEN
    unsynced = replace(green_inputs().new_sync, first_success_at=None, last_success_at=None)
    assert crit(green_inputs(new_sync=unsynced), "hipaa").state == GREEN


def test_baa_not_signed_or_undated_is_red():
    items = dict(green_inputs().checklist_items)
    items["hipaa.baa_signed"] = _item("hipaa.baa_signed", done=False)
    c = crit(green_inputs(checklist_items=items), "hipaa")
    assert c.state == RED and "not signed" in c.evidence
    items["hipaa.baa_signed"] = replace(_item("hipaa.baa_signed"), done_at=None)
    assert "signing date" in crit(green_inputs(checklist_items=items), "hipaa").evidence


@pytest.mark.parametrize("key", ["hipaa.risk_analysis", "hipaa.role_based_access", "hipaa.audit_logging",
                                 "hipaa.workflow_training"])
def test_each_hipaa_safeguard_is_required(key):
    items = dict(green_inputs().checklist_items)
    items[key] = _item(key, done=False, owner="Security / HIPAA specialist")
    c = crit(green_inputs(checklist_items=items), "hipaa")
    assert c.state == RED and c.owner == "Security / HIPAA specialist"


# ------------------------------------------------------------------ configuration


def test_configuration_incomplete_is_amber():
    progress = {**green_inputs().checklist_progress, "workflows": (7, 9)}
    c = crit(green_inputs(checklist_progress=progress), "configuration")
    assert c.state == AMBER and "nine current workflows" in c.evidence
    assert "The nine current workflows documented: 7 of 9 done." in c.details


# ------------------------------------------------------------------ go-live day and schedule


def _schedule(cut: float) -> tuple[LocationSchedule, ...]:
    return (LocationSchedule("Eastside", 60, 1000.0, 3, 1000.0 * (1 - cut)),
            LocationSchedule("Northgate", 60, 800.0, 3, 600.0))  # 25 % at the other location


@pytest.mark.parametrize(("cut", "state"), [(0.10, AMBER), (0.25, GREEN), (0.40, AMBER), (0.20, GREEN),
                                            (0.30, GREEN), (0.0, RED), (-0.05, RED)])
def test_schedule_reduction_per_location(cut, state):
    c = crit(green_inputs(schedule=_schedule(cut)), "go_live_day")
    assert c.state == state, c.details
    if state != GREEN:
        assert any(d.startswith("Eastside") for d in c.details)


def test_schedule_reduction_values():
    row = LocationSchedule("Eastside", 60, 480.0, 3, 360.0)
    assert row.reduction == 0.25
    state, details = r.schedule_state([row], Thresholds())
    assert state == GREEN and details == ["Eastside: 360 booked min/day vs baseline 480 - cut 25 %."]


def test_schedule_nothing_booked_yet_is_amber():
    rows = (LocationSchedule("Eastside", 60, 1000.0, 3, 0.0),)
    c = crit(green_inputs(schedule=rows), "go_live_day")
    assert c.state == AMBER and "Nothing is booked" in c.details[-1]


def test_floater_missing_at_a_location_is_amber():
    c = crit(green_inputs(super_users={"Eastside": ("Ana Diaz",)}), "go_live_day")
    assert c.state == AMBER and "no floater at Northgate" in c.evidence


def test_go_live_day_items_required():
    items = dict(green_inputs().checklist_items)
    items["go_live_day.vendor_support"] = _item("go_live_day.vendor_support", done=False, owner="IT / vendor liaison")
    c = crit(green_inputs(checklist_items=items), "go_live_day")
    assert c.state == AMBER and "vendor support" in c.evidence and c.owner == "IT / vendor liaison"


# ------------------------------------------------------------------ backups and freshness


def test_backup_states():
    items = dict(green_inputs().checklist_items)
    items[r.BACKUP_ITEM] = _item(r.BACKUP_ITEM, done=False)
    assert crit(green_inputs(checklist_items=items), "backups").state == RED
    items[r.BACKUP_ITEM] = _item(r.BACKUP_ITEM, at=dt.datetime(2026, 3, 30, 8, 0))  # on go-live day
    assert crit(green_inputs(checklist_items=items), "backups").state == AMBER


def test_freshness():
    assert crit(green_inputs(), "freshness").state == GREEN
    stale = replace(green_inputs().legacy_sync, last_success_at=NOW - dt.timedelta(hours=25))
    c = crit(green_inputs(legacy_sync=stale), "freshness")
    assert c.state == AMBER and "legacy last synced 25 h ago" in c.evidence
    never = SyncFacts("new")
    assert crit(green_inputs(new_sync=never), "freshness").state == RED
    failed = replace(green_inputs().new_sync, last_outcome="failed", last_error="database is unreachable")
    c = crit(green_inputs(new_sync=failed), "freshness")
    assert c.state == AMBER and "database is unreachable" in c.evidence
    assert crit(green_inputs(new_sync=None), "freshness").state == RED


# ------------------------------------------------------------------ verdict


def test_verdict_rules():
    def c(state, critical):
        return r.Criterion("k", "T", state, critical, "", "o", "plan")

    assert r.verdict_of([c(GREEN, True), c(GREEN, False)]) == GO
    assert r.verdict_of([c(GREEN, True), c(AMBER, False)]) == GO_WITH_RISKS
    assert r.verdict_of([c(AMBER, True), c(GREEN, False)]) == GO_WITH_RISKS
    assert r.verdict_of([c(GREEN, True), c(RED, False)]) == GO_WITH_RISKS
    assert r.verdict_of([c(RED, True), c(GREEN, False)]) == NO_GO
    assert r.score_of([c(GREEN, True), c(AMBER, False), c(RED, False)]) == 63  # (2 + 0.5) / 4


def test_no_go_sentence_lists_critical_blockers_first():
    items = dict(green_inputs().checklist_items)
    items["hipaa.baa_signed"] = _item("hipaa.baa_signed", done=False)
    result = r.evaluate(green_inputs(checklist_items=items, training=None, schedule=_schedule(0.1)))
    assert result.verdict == NO_GO
    assert result.sentence == "No-go: 2 critical criteria block go-live (Training gate, HIPAA safeguards)."
    assert [b.key for b in result.blockers] == ["training", "hipaa", "go_live_day"]


def test_go_with_risks_sentence():
    result = r.evaluate(green_inputs(schedule=_schedule(0.4)))
    assert result.verdict == GO_WITH_RISKS
    assert result.sentence == ("Go with risks: nothing critical blocks go-live, but 1 criterion needs attention "
                               "(Go-live day plan).")


def test_empty_practice_is_no_go_and_never_raises():
    result = r.evaluate(ReadinessInputs(today=TODAY, now=NOW, go_live=GO_LIVE))
    assert result.verdict == NO_GO
    assert {c.key: c.state for c in result.criteria if c.critical} == {"training": RED, "migration": RED,
                                                                       "hipaa": RED}


def test_snapshot_round_trip():
    result = r.evaluate(green_inputs(schedule=_schedule(0.1)))
    back = r.readiness_from_snapshot(result.to_dict())
    assert back == result


def test_threshold_checks():
    assert r.check_threshold("training_gate", 0.95) is None
    assert "outside" in r.check_threshold("training_gate", 1.5)
    assert "unknown" in r.check_threshold("nope", 1)
    assert "smallest schedule cut" in r.check_threshold("schedule_cut_min", 0.35)
    assert Thresholds.from_values({"training_gate": 0.8, "other": 3}).training_gate == 0.8
