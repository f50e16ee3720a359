"""Was the go-live schedule really cut? Booked minutes per location, go-live days against the baseline.

Read from the warehouse through the KPI engine's unified view (``metrics.unified``), so the baseline
comes from the legacy system's rows before go-live and the go-live days from the new system's rows,
with each new location translated to its legacy identity (one row per real location).

- **Booked** appointments: every status but cancelled and late-cancelled (a no-show still held the slot).
- **Clinic weekdays** of a location: the weekdays on which it had bookings in at least half of the
  baseline's weeks (so a Friday go-live is compared with the next clinic days, not a weekend).
- **Baseline average day**: booked minutes on the baseline's clinic days divided by the number of such
  days that had bookings. The baseline is the 90 days before go-live; while go-live is still ahead it
  ends today (days still to come are not fully booked yet).
- **First go-live days**: the first N clinic weekdays on or after go-live (N is a readiness threshold,
  3 by default, the days vendor support covers); their booked minutes divided by N.

The aggregation (minutes per location and day) runs in the warehouse; only that small table comes back.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from metrics.readiness import LocationSchedule
from metrics.unified import Unified, unified

BOOKED_STATUSES = ("scheduled", "completed", "no_show")
BASELINE_DAYS = 90
# The view must reach past the first go-live days (it drops rows dated after as_of).
LOOKAHEAD_DAYS = 45


def practice_view(con: ibis.BaseBackend, settings, today: dt.date) -> Unified:
    """The unified view reaching far enough past go-live for its first clinic days."""
    horizon = max(today, settings.go_live) + dt.timedelta(days=LOOKAHEAD_DAYS + 30)
    return unified(con, settings, as_of=horizon)


def booked_minutes_by_day(view: Unified, start: dt.date, end: dt.date) -> pd.DataFrame:
    """location (identity), location_name, day, minutes for booked appointments with start <= day < end."""
    appts = view["appointments"]
    appts = appts.filter(appts.status.isin(BOOKED_STATUSES), appts.row_date >= ibis.literal(start),
                         appts.row_date < ibis.literal(end))
    per_day = appts.group_by(location=appts.location_id, day=appts.row_date).aggregate(
        minutes=appts.duration_minutes.sum())
    locs = view["locations"].select(_loc=lambda t: t.location_id, location_name=lambda t: t.name)
    joined = per_day.left_join(locs, per_day.location == locs._loc).drop("_loc")
    frame = joined.to_pandas()
    if frame.empty:
        return pd.DataFrame(columns=["location", "location_name", "day", "minutes"])
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame["minutes"] = frame["minutes"].fillna(0).astype(float)
    frame["location_name"] = frame["location_name"].fillna(frame["location"])
    return frame


def clinic_weekdays(days: pd.DataFrame, start: dt.date, end: dt.date) -> set[int]:
    """Weekdays (0 = Monday) with bookings in at least half of the weeks of [start, end)."""
    weeks = max(1, (end - start).days // 7)
    if days.empty:
        return set()
    counts = pd.Series([d.weekday() for d in days["day"]]).value_counts()
    return {int(w) for w, n in counts.items() if n >= weeks / 2}


def first_clinic_days(go_live: dt.date, weekdays: set[int], n: int) -> list[dt.date]:
    out, day = [], go_live
    if not weekdays:
        return out
    while len(out) < n:
        if day.weekday() in weekdays:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def schedule_by_location(con: ibis.BaseBackend, settings, today: dt.date, golive_days: int = 3,
                         view: Unified | None = None) -> list[LocationSchedule]:
    """One row per location: baseline average booked minutes per clinic day vs the first go-live days."""
    go_live = settings.go_live
    base_end = min(go_live, today)
    base_start = base_end - dt.timedelta(days=BASELINE_DAYS)
    horizon = go_live + dt.timedelta(days=max(14, golive_days * 3))
    frame = booked_minutes_by_day(view or practice_view(con, settings, today), base_start, horizon)
    rows = []
    for _location, group in frame.groupby("location", sort=True):
        name = str(group["location_name"].iloc[0])
        baseline = group[group["day"] < base_end]
        weekdays = clinic_weekdays(baseline, base_start, base_end)
        baseline = baseline[[d.weekday() in weekdays for d in baseline["day"]]]
        days = first_clinic_days(go_live, weekdays, golive_days)
        golive = group[group["day"].isin(days)]
        base_avg = float(baseline["minutes"].sum() / len(baseline)) if len(baseline) else 0.0
        golive_avg = float(golive["minutes"].sum() / len(days)) if days else 0.0
        rows.append(LocationSchedule(location=name, baseline_days=len(baseline), baseline_minutes_per_day=base_avg,
                                     golive_days=len(days), golive_minutes_per_day=golive_avg))
    return sorted(rows, key=lambda r: r.location)


def location_names(con: ibis.BaseBackend, settings, today: dt.date, view: Unified | None = None) -> tuple[str, ...]:
    """Names of the practice's locations (the unified view: one per real location)."""
    view = view or practice_view(con, settings, today)
    names = view["locations"].select("name").to_pandas()["name"]
    return tuple(sorted(str(n) for n in names.dropna().unique()))
