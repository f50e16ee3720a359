"""How the practice's figures move over time: seasonality, and the go-live dip and recovery.

Every rate of the generator is ``baseline + (target - baseline) * progress(days since go-live)``:
0 before go-live, below 0 in the first three weeks (the dip: staff learning the new system), then a
ramp that reaches 1 about two months in, so the day-90 window shows the targets.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

DIP_DAYS = 21
RAMP_DAYS = 40
DIP_DEPTH = 0.6

# Visit volume by calendar month (January ... December): winter and autumn busy, summer and December quiet.
VOLUME_BY_MONTH = np.array([1.02, 1.05, 1.08, 1.04, 1.0, 0.95, 0.9, 0.94, 1.03, 1.05, 0.97, 0.85])
# Denials by calendar month: new plan years make January and February eligibility-heavy.
DENIAL_BY_MONTH = np.array([1.35, 1.15, 1.0, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 1.0])


def progress(days: np.ndarray) -> np.ndarray:
    """0 before go-live; -0.6 rising to 0 over the first 3 weeks; then up to 1 by day 61."""
    days = np.asarray(days, dtype=float)
    dip = -DIP_DEPTH * (1.0 - days / DIP_DAYS)
    ramp = np.clip((days - DIP_DAYS) / RAMP_DAYS, 0.0, 1.0)
    return np.where(days < 0, 0.0, np.where(days < DIP_DAYS, dip, ramp))


def rate(days: np.ndarray, baseline: float, target: float) -> np.ndarray:
    return baseline + (target - baseline) * progress(days)


def month_of(days64: np.ndarray) -> np.ndarray:
    """Calendar month 0-11 of datetime64[D] values."""
    return (days64.astype("datetime64[M]").astype(np.int64) % 12).astype(np.int64)


def us_holidays(first_year: int, last_year: int) -> list[np.datetime64]:
    """Clinic closing days: New Year, Memorial Day, July 4th, Labor Day, Thanksgiving, Christmas."""
    days = []
    for y in range(first_year, last_year + 1):
        days.append(dt.date(y, 1, 1))
        may31 = dt.date(y, 5, 31)
        days.append(may31 - dt.timedelta(days=may31.weekday()))
        days.append(dt.date(y, 7, 4))
        sep1 = dt.date(y, 9, 1)
        days.append(sep1 + dt.timedelta(days=(7 - sep1.weekday()) % 7))
        nov1 = dt.date(y, 11, 1)
        days.append(nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7 + 21))
        days.append(dt.date(y, 12, 25))
    return [np.datetime64(d, "D") for d in days]


def d64(day: dt.date) -> np.datetime64:
    return np.datetime64(day, "D")
