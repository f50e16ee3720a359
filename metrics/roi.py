"""Return on the new system: recovered revenue from measured KPI changes, and the payback month.

The formula (also printed on the Quarterly review screen), per month after go-live:

    denials   = (denial rate before - denial rate after) x monthly charges x share of denied dollars never recovered
    clean     = (clean claim rate after - clean claim rate before) x claims per month x rework cost per claim
    A/R speed = (days in A/R before - days in A/R after) x average daily charges x yearly cost of money / 12
    monthly recovered revenue = denials + clean + A/R speed

    payback month = the first month whose cumulative recovered revenue reaches the implementation cost
                    (none while the monthly figure is zero or negative)

A KPI without a value on either side contributes 0. The cash freed once by faster collection
(days saved x average daily charges) is shown beside it but not counted toward payback, since it is
not income. Monthly charges = average daily charges (the ``days_in_ar`` denominator) x 30.4; claims
per month = claims of the measured window scaled to 30.4 days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DAYS_PER_MONTH = 30.4
FORMULA = (
    "Monthly recovered revenue = (denial rate before − after) × monthly charges × share of denied dollars "
    "never recovered + (clean claim rate after − before) × claims per month × rework cost per claim + "
    "(days in A/R before − after) × average daily charges × yearly cost of money ÷ 12. "
    "Payback month = first month in which the running total reaches the implementation cost.")


@dataclass(frozen=True)
class RoiAssumptions:
    implementation_cost: float
    unrecovered_denial_share: float = 0.5  # share of denied dollars a practice never collects
    rework_cost_per_claim: float = 25.0  # staff cost of fixing and resubmitting one claim
    yearly_cost_of_money: float = 0.08  # what a dollar tied up in A/R costs per year


@dataclass(frozen=True)
class Measured:
    """KPI values before (baseline) and after go-live; None where a KPI has no data."""

    denial_rate_before: float | None
    denial_rate_after: float | None
    clean_claim_rate_before: float | None
    clean_claim_rate_after: float | None
    days_in_ar_before: float | None
    days_in_ar_after: float | None
    average_daily_charges: float | None  # after go-live
    claims_per_month: float | None  # after go-live


@dataclass(frozen=True)
class RoiResult:
    from_denials: float
    from_clean_claims: float
    from_faster_collection: float
    monthly_recovered: float
    cash_freed_once: float
    payback_month: int | None

    def cumulative(self, months: int) -> list[float]:
        return [self.monthly_recovered * m for m in range(1, months + 1)]


def _diff(better_when_lower: bool, before: float | None, after: float | None) -> float:
    if before is None or after is None:
        return 0.0
    return before - after if better_when_lower else after - before


def estimate(measured: Measured, assumptions: RoiAssumptions) -> RoiResult:
    if assumptions.implementation_cost < 0:
        raise ValueError("implementation cost cannot be negative")
    daily = measured.average_daily_charges or 0.0
    monthly_charges = daily * DAYS_PER_MONTH
    denials = (_diff(True, measured.denial_rate_before, measured.denial_rate_after) * monthly_charges
               * assumptions.unrecovered_denial_share)
    clean = (_diff(False, measured.clean_claim_rate_before, measured.clean_claim_rate_after)
             * (measured.claims_per_month or 0.0) * assumptions.rework_cost_per_claim)
    days_saved = _diff(True, measured.days_in_ar_before, measured.days_in_ar_after)
    faster = days_saved * daily * assumptions.yearly_cost_of_money / 12
    monthly = denials + clean + faster
    return RoiResult(denials, clean, faster, monthly, days_saved * daily,
                     payback_month(assumptions.implementation_cost, monthly))


def payback_month(cost: float, monthly: float) -> int | None:
    """First month (1-based) whose cumulative recovered revenue reaches ``cost``."""
    if cost <= 0:
        return 0
    if monthly <= 0:
        return None
    return max(1, math.ceil(cost / monthly - 1e-9))


def measured_from_cells(cells: list, before: str, after: str, after_days: int) -> Measured:
    """Pick the ROI inputs out of KPI cells (totals) of two windows; ``after_days`` is the number
    of days of the after window that has data (claims are scaled to a month from it)."""
    total = {(c.kpi, c.window): c for c in cells if not c.by}

    def value(kpi: str, window: str) -> float | None:
        c = total.get((kpi, window))
        return None if c is None else c.value

    ar = total.get(("days_in_ar", after))
    clean = total.get(("clean_claim_rate", after))
    return Measured(
        value("denial_rate", before), value("denial_rate", after),
        value("clean_claim_rate", before), value("clean_claim_rate", after),
        value("days_in_ar", before), value("days_in_ar", after),
        ar.denominator if ar is not None and ar.status != "no_data" else None,
        None if clean is None or clean.denominator is None or after_days <= 0
        else float(clean.denominator) * DAYS_PER_MONTH / after_days,
    )
