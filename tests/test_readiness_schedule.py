"""Schedule reduction from a hand-built warehouse: booked minutes at go-live vs the baseline's average day."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from config.settings import load_settings
from metrics.readiness import AMBER, GREEN, RED, Thresholds, schedule_state
from metrics.schedule_reduction import (
    clinic_weekdays,
    first_clinic_days,
    location_names,
    schedule_by_location,
)
from tests.conftest import write_config
from warehouse.store import build_warehouse

GO_LIVE = dt.date(2026, 3, 2)  # a Monday
TODAY = dt.date(2026, 3, 9)


def _appointments(prefix: str, location: str, days: list[dt.date], minutes_per_day: list[int], status="completed"):
    rows = []
    for day in days:
        for i, minutes in enumerate(minutes_per_day):
            rows.append({"appointment_id": f"{prefix}{location}{day:%m%d}{i}", "patient_id": "P1",
                         "provider_id": "D1", "location_id": location, "discipline": "PT",
                         "scheduled_start": dt.datetime.combine(day, dt.time(7)) + dt.timedelta(minutes=30 * i),
                         "duration_minutes": minutes,
                         "appointment_type": "follow_up", "status": status})
    return rows


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=k) for k in range((end - start).days) if (start + dt.timedelta(days=k)).weekday() < 5]


def _warehouse(tmp_path, new_minutes: dict[str, list[int]], go_live: dt.date = GO_LIVE):
    settings = load_settings(write_config(tmp_path / "p", go_live=go_live.isoformat()))
    baseline_days = _weekdays(go_live - dt.timedelta(days=90), go_live)
    legacy_appts = (_appointments("L", "A", baseline_days, [60] * 8)      # 480 min a day at East
                    + _appointments("L", "B", baseline_days, [45] * 8)    # 360 min a day at West
                    # cancelled slots never count
                    + _appointments("X", "A", baseline_days[:10], [60] * 3, status="cancelled"))
    golive_days = _weekdays(go_live, go_live + dt.timedelta(days=14))[:3]
    new_appts = []
    for loc, minutes in new_minutes.items():
        new_appts += _appointments("N", f"N{loc}", golive_days, minutes, status="scheduled")
    # a later day (not one of the first three) that would spoil the average if counted
    new_appts += _appointments("Z", "NA", [go_live + dt.timedelta(days=9)], [60] * 20, status="scheduled")
    build_warehouse(settings.warehouse_url, {
        "legacy": {"locations": pd.DataFrame([{"location_id": "A", "name": "East"}, {"location_id": "B", "name": "West"}]),
                   "appointments": pd.DataFrame(legacy_appts)},
        "new": {"locations": pd.DataFrame([{"location_id": "NA", "name": "East", "legacy_id": "A"},
                                           {"location_id": "NB", "name": "West", "legacy_id": "B"}]),
                "appointments": pd.DataFrame(new_appts)},
    }).disconnect()
    return settings


@pytest.mark.parametrize(("east_minutes", "cut", "state"), [
    ([54] * 8, 0.10, AMBER),   # 432 of 480 a day
    ([45] * 8, 0.25, GREEN),   # 360 of 480
    ([36] * 8, 0.40, AMBER),   # 288 of 480
    ([60] * 8, 0.0, RED),      # not reduced
])
def test_schedule_cut_per_location(tmp_path, east_minutes, cut, state):
    settings = _warehouse(tmp_path, {"A": east_minutes, "B": [45] * 6})  # West: 270 of 360 = 25 %
    from warehouse.store import reading

    with reading(settings.warehouse_url) as con:
        rows = schedule_by_location(con, settings, TODAY, golive_days=3)
        names = location_names(con, settings, TODAY)
    assert names == ("East", "West")
    by_name = {row.location: row for row in rows}
    assert set(by_name) == {"East", "West"}
    east, west = by_name["East"], by_name["West"]
    assert east.baseline_minutes_per_day == 480 and west.baseline_minutes_per_day == 360
    assert east.golive_days == 3 and east.golive_minutes_per_day == sum(east_minutes)
    assert east.reduction == pytest.approx(cut)
    assert west.reduction == pytest.approx(0.25)
    assert schedule_state(rows, Thresholds())[0] == state


def test_before_go_live_baseline_ends_today(tmp_path):
    """Three weeks ahead, the baseline is the 90 days before today (days to come are not fully booked)."""
    settings = _warehouse(tmp_path, {"A": [45] * 8, "B": [45] * 6})
    from warehouse.store import reading

    with reading(settings.warehouse_url) as con:
        rows = schedule_by_location(con, settings, GO_LIVE - dt.timedelta(days=21), golive_days=3)
    east = next(r for r in rows if r.location == "East")
    assert east.baseline_minutes_per_day == 480
    # the data starts 90 days before go-live; the baseline stops 21 days before it (today)
    assert east.baseline_days == len(_weekdays(GO_LIVE - dt.timedelta(days=90), GO_LIVE - dt.timedelta(days=21)))


def test_clinic_days_skip_the_weekend():
    assert first_clinic_days(dt.date(2026, 3, 6), {0, 1, 2, 3, 4}, 3) == [dt.date(2026, 3, 6), dt.date(2026, 3, 9),
                                                                         dt.date(2026, 3, 10)]
    assert first_clinic_days(dt.date(2026, 3, 6), set(), 3) == []
    days = pd.DataFrame({"day": [dt.date(2026, 1, 5) + dt.timedelta(days=k) for k in range(28)] +
                         [dt.date(2026, 1, 10)]})  # every day for 4 weeks
    assert clinic_weekdays(days, dt.date(2026, 1, 5), dt.date(2026, 2, 2)) == set(range(7))
    one_saturday = pd.DataFrame({"day": [dt.date(2026, 1, 5), dt.date(2026, 1, 10)]})
    assert clinic_weekdays(one_saturday, dt.date(2026, 1, 5), dt.date(2026, 2, 2)) == set()
