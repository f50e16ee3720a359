"""Timeline rules on hand-made practice profiles: expected dates (computed by hand) and warnings."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.plan_rules import (
    PathNode,
    ProfileInput,
    creates_cycle,
    critical_path,
    propose_plan,
    recommended_weeks,
    slip_days,
)

D = dt.date


def profile(**kw) -> ProfileInput:
    base = dict(location_count=1, providers_by_discipline={"PT": 4, "OT": 1}, current_system="simple",
                contract_date=D(2026, 1, 5), target_go_live=D(2026, 3, 16), rollout="big_bang", parallel_run=False,
                planning_start=D(2025, 12, 8))
    base.update(kw)
    return ProfileInput(**base)


def by_key(plan):
    return {m.key: m for m in plan.milestones}


def codes(plan):
    return [(w.level, w.code) for w in plan.warnings]


def test_one_location_five_providers_ten_weeks_is_in_range_with_hand_computed_dates():
    plan = propose_plan(profile())
    assert plan.weeks == 10.0 and plan.recommended_weeks == (8, 12)
    assert codes(plan) == [("info", "vendor_selection")]  # nothing broken; vendor selection is for reference
    assert "15 Sep 2025" in plan.warnings[0].message  # 16 weeks (112 days) before Monday 5 Jan 2026
    m = by_key(plan)
    # T = 70 days from Mon 5 Jan 2026
    assert m["hipaa_safeguards"].due_date == D(2026, 1, 15)  # C + round(10.5) = C + 10
    assert m["backup_verified"].due_date == D(2026, 1, 19)  # C + 14
    assert m["plan_agreed"].due_date == D(2026, 1, 23)  # planning end: C + round(17.5) = C + 18
    assert m["workflows_documented"].due_date == D(2026, 1, 20)  # planning end - 3
    assert m["test_migration"].due_date == D(2026, 2, 12)  # C + round(38.5) = C + 38
    assert m["configuration_signoff"].due_date == D(2026, 2, 16)  # C + 42
    assert m["migration_validation"].due_date == D(2026, 3, 2)  # G - 14
    assert m["training_completion"].due_date == D(2026, 3, 9)  # G - 7
    assert m["final_approval"].due_date == D(2026, 3, 13)  # G - 3 (Friday)
    assert m["go_live"].due_date == D(2026, 3, 16)
    assert m["review_30"].due_date == D(2026, 4, 15) and m["review_90"].due_date == D(2026, 6, 12)  # +90 = Sun 14 Jun -> Fri
    checkpoints = {x.checkpoint for x in plan.milestones if x.checkpoint}
    assert checkpoints == {"configuration_signoff", "training_completion", "migration_validation", "final_approval"}
    assert "parallel_run" not in m
    assert m["hipaa_safeguards"].owner == "project_lead"  # small group: no separate HIPAA specialist
    assert m["config_billing"].owner == "billing_lead" and m["config_documentation"].owner == "clinical_director"
    assert set(m["final_approval"].depends_on) == {"configuration_signoff", "training_completion",
                                                  "migration_validation", "hipaa_safeguards"}


def test_go_live_five_weeks_after_contract_is_under_the_floor():
    plan = propose_plan(profile(target_go_live=D(2026, 2, 9), planning_start=D(2026, 1, 5)))
    assert plan.weeks == 5.0
    assert codes(plan)[0] == ("red", "under_floor")
    red = plan.warnings[0].message
    assert "5 weeks" in red and "6-week" in red and "denial" in red
    # planning ends at C + round(8.75) = 14 Jan: 1.3 weeks after it started
    assert ("amber", "short_planning") in codes(plan)
    assert "1.3 weeks" in next(w.message for w in plan.warnings if w.code == "short_planning")


def test_several_locations_on_big_bang_below_range_with_parallel_run():
    plan = propose_plan(profile(location_count=3, providers_by_discipline={"PT": 8, "OT": 3, "SLP": 1},
                                current_system="complex_legacy", parallel_run=True))
    assert plan.recommended_weeks == (12, 16)
    assert codes(plan)[:2] == [("amber", "below_range"), ("amber", "big_bang_large_group")]
    assert "12-16 weeks" in plan.warnings[0].message
    assert "3 locations" in plan.warnings[1].message
    m = by_key(plan)
    assert m["parallel_run"].checkpoint == "parallel_run" and m["parallel_run"].due_date == D(2026, 3, 13)
    assert "parallel_run" in m["final_approval"].depends_on
    assert m["hipaa_safeguards"].owner == "hipaa_specialist"  # larger group


def test_ten_providers_big_bang_and_phased_small_clinic_and_weekend_moves():
    big = propose_plan(profile(providers_by_discipline={"PT": 7, "OT": 3}))
    assert ("amber", "big_bang_large_group") in codes(big)
    assert "10 providers" in next(w.message for w in big.warnings if w.code == "big_bang_large_group")

    small = propose_plan(profile(providers_by_discipline={"PT": 2}, rollout="phased_module",
                                 target_go_live=D(2026, 3, 18)))
    assert recommended_weeks(profile(providers_by_discipline={"PT": 2})) == (6, 10)
    assert ("info", "phased_small_clinic") in codes(small)
    assert ("info", "above_range") in codes(small)  # 10.3 weeks for a 6-10 week clinic
    m = by_key(small)
    assert m["final_approval"].due_date == D(2026, 3, 13)  # G - 3 = Sunday 15 Mar -> Friday 13 Mar
    assert m["go_live"].due_date == D(2026, 3, 18)  # a chosen date never moves
    assert m["wave_documentation"].due_date == D(2026, 4, 1) and m["wave_billing"].due_date == D(2026, 4, 15)
    assert m["wave_billing"].depends_on == ("wave_documentation",)


def test_phased_by_location_needs_several_locations():
    plan = propose_plan(profile(rollout="phased_location", providers_by_discipline={"PT": 6}))
    assert ("amber", "phased_location_single") in codes(plan)
    waves = propose_plan(profile(rollout="phased_location", location_count=3))
    assert [m.key for m in waves.milestones if m.key.startswith("wave_")] == ["wave_location_2", "wave_location_3"]


@pytest.mark.parametrize("changes, message", [
    ({"target_go_live": D(2026, 1, 5)}, "after the contract"),
    ({"location_count": 0}, "Locations"),
    ({"providers_by_discipline": {"PT": 0}}, "Providers"),
    ({"rollout": "sideways"}, "Rollout"),
    ({"current_system": "abacus"}, "Current system"),
])
def test_unplannable_profiles_are_refused_with_the_field_named(changes, message):
    with pytest.raises(ValueError, match=message):
        propose_plan(profile(**changes))


def test_cycles_are_detected():
    deps = {2: [1], 3: [2]}
    assert creates_cycle(deps, 1, 3)  # 1 waiting for 3 closes 3 -> 2 -> 1
    assert creates_cycle(deps, 1, 1)
    assert not creates_cycle(deps, 3, 1)


def test_critical_path_follows_the_latest_open_prerequisite():
    nodes = [
        PathNode(1, D(2026, 1, 10), True, ()),
        PathNode(2, D(2026, 2, 1), False, (1,)),
        PathNode(3, D(2026, 2, 20), False, (1,)),
        PathNode(4, D(2026, 2, 25), False, (2, 3)),
        PathNode(5, D(2026, 3, 1), False, (4,)),
    ]
    assert critical_path(nodes, 5) == [3, 4, 5]
    assert slip_days(D(2026, 3, 5), D(2026, 3, 1)) == 4 and slip_days(D(2026, 3, 1), None) is None
