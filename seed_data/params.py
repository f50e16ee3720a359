"""What a generated practice looks like: its size, its history and the day it is seen from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

MOMENTS = ("after", "before")
AFTER_DAYS = 100  # "after": the generation day is go-live + 100 days
BEFORE_DAYS = 21  # "before": the generation day is go-live - 21 days


@dataclass(frozen=True)
class PracticeParams:
    """Parameters of one generated practice. Same parameters give byte-identical databases.

    Give ``go_live`` or ``today`` (or both); the missing one follows from ``moment``. ``extra`` holds
    rarely changed knobs: ``run_off_payer_classes`` (as in the config), ``uncut_location`` (location
    number whose go-live weeks are booked at full load; default: every location cut by a quarter),
    ``location_offset`` (numbering of a shard of a larger practice).
    """

    seed: int = 42
    locations: int = 3
    providers_per_location: int = 6
    months: int = 18  # history kept in the legacy system before go-live
    go_live: dt.date | None = None
    today: dt.date | None = None  # the generation day: nothing is dated after it but booked visits
    moment: str = "after"
    legacy_path: Path = Path("legacy_pms.db")
    new_path: Path = Path("new_pms.db")
    manifest_path: Path | None = None
    plant_defects: bool = True
    extra: dict = field(default_factory=dict, compare=False)

    def resolved(self) -> PracticeParams:
        """A copy with go_live and today both set, checked."""
        if self.moment not in MOMENTS:
            raise ValueError(f"moment must be one of {MOMENTS}, got {self.moment!r}")
        if not 1 <= self.locations <= 200:
            raise ValueError(f"locations must be between 1 and 200, got {self.locations}")
        if not 1 <= self.providers_per_location <= 60:
            raise ValueError(f"providers_per_location must be between 1 and 60, got {self.providers_per_location}")
        if not 3 <= self.months <= 120:
            raise ValueError(f"months must be between 3 and 120, got {self.months}")
        offset = AFTER_DAYS if self.moment == "after" else -BEFORE_DAYS
        go_live, today = self.go_live, self.today
        if go_live is None and today is None:
            raise ValueError("give go_live or today")
        if go_live is None:
            go_live = today - dt.timedelta(days=offset)
        if today is None:
            today = go_live + dt.timedelta(days=offset)
        return replace(self, go_live=go_live, today=today,
                       legacy_path=Path(self.legacy_path), new_path=Path(self.new_path))

    @property
    def cut_over(self) -> dt.date:
        """C: the last day the legacy system was the system of record."""
        return self.go_live - dt.timedelta(days=1)
