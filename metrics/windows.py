"""Time windows of KPI_SPEC.md: baseline, day30/60/90, calendar quarters and trailing30.

A window is ``[start, end)``. One that ends after ``as_of`` is computed over the part up to
``as_of`` (partial); one that starts after ``as_of`` has no data. Point-in-time KPIs are taken on
the window's last day, or on ``as_of`` when that comes first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from warehouse.errors import UserFacingError

DEFAULT_WINDOWS = ("baseline", "day30", "day60", "day90", "trailing30")
GO_LIVE_WINDOWS = ("baseline", "day30", "day60", "day90")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Window:
    name: str
    start: dt.date
    end: dt.date  # exclusive

    def starts_after(self, as_of: dt.date) -> bool:
        return self.start > as_of

    def is_partial(self, as_of: dt.date) -> bool:
        return not self.starts_after(as_of) and self.end - DAY > as_of

    def state(self, as_of: dt.date) -> str:
        """"no_data" (starts after as_of), "partial" (ends after it) or "complete"."""
        if self.starts_after(as_of):
            return "no_data"
        return "partial" if self.is_partial(as_of) else "complete"

    def pit_day(self, as_of: dt.date) -> dt.date:
        """The day D of point-in-time KPIs: the window's last day, or as_of if earlier."""
        return min(self.end - DAY, as_of)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.start:%Y-%m-%d} to {self.end - DAY:%Y-%m-%d})"


def resolve(name: str, go_live: dt.date, as_of: dt.date) -> Window:
    """The window called ``name``; a clear error for anything else."""
    days = dt.timedelta
    fixed = {
        "baseline": (go_live - days(90), go_live),
        "day30": (go_live, go_live + days(30)),
        "day60": (go_live + days(30), go_live + days(60)),
        "day90": (go_live + days(60), go_live + days(90)),
        "trailing30": (as_of - days(29), as_of + days(1)),
    }
    if name in fixed:
        return Window(name, *fixed[name])
    m = _QUARTER.match(name)
    if m:
        year, q = int(m.group(1)), int(m.group(2))
        start = dt.date(year, 3 * q - 2, 1)
        end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
        return Window(name, start, end)
    raise UserFacingError(
        f"unknown window {name!r}: use baseline, day30, day60, day90, trailing30 or a calendar quarter "
        "written YYYY-Qn (for example 2026-Q1)")


def resolve_all(names: list[str] | tuple[str, ...] | None, go_live: dt.date, as_of: dt.date) -> list[Window]:
    out: list[Window] = []
    for name in names or DEFAULT_WINDOWS:
        w = resolve(name, go_live, as_of)
        if w not in out:
            out.append(w)
    return out


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters_through(first: dt.date, last: dt.date) -> list[str]:
    """Calendar quarter names from the one holding ``first`` through the one holding ``last``."""
    out = []
    y, q = first.year, (first.month - 1) // 3 + 1
    while (y, q) <= (last.year, (last.month - 1) // 3 + 1):
        out.append(f"{y}-Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def parse_as_of(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserFacingError(f"--as-of {text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-07-15") from None
