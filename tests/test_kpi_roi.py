"""ROI arithmetic (metrics/roi.py) against hand-computed figures."""

from __future__ import annotations

import pytest

from metrics.kpis import Cell
from metrics.roi import Measured, RoiAssumptions, estimate, measured_from_cells, payback_month


def test_recovered_revenue_and_payback():
    m = Measured(denial_rate_before=0.10, denial_rate_after=0.04, clean_claim_rate_before=0.85,
                 clean_claim_rate_after=0.95, days_in_ar_before=45, days_in_ar_after=30,
                 average_daily_charges=1000.0, claims_per_month=400)
    r = estimate(m, RoiAssumptions(implementation_cost=20_000, unrecovered_denial_share=0.5,
                                   rework_cost_per_claim=25, yearly_cost_of_money=0.12))
    assert r.from_denials == pytest.approx(0.06 * 30_400 * 0.5)  # 912
    assert r.from_clean_claims == pytest.approx(0.10 * 400 * 25)  # 1000
    assert r.from_faster_collection == pytest.approx(15 * 1000 * 0.12 / 12)  # 150
    assert r.monthly_recovered == pytest.approx(2062)
    assert r.cash_freed_once == pytest.approx(15_000)
    assert r.payback_month == 10  # 9 x 2062 = 18558 < 20000 <= 10 x 2062


def test_no_improvement_never_pays_back_and_missing_values_count_zero():
    m = Measured(0.03, 0.05, None, 0.9, 30, None, 500.0, 100)
    r = estimate(m, RoiAssumptions(implementation_cost=10_000))
    assert r.from_clean_claims == 0 and r.from_faster_collection == 0
    assert r.from_denials < 0 and r.payback_month is None
    assert payback_month(0, 0) == 0
    assert payback_month(100, 100) == 1
    with pytest.raises(ValueError):
        estimate(m, RoiAssumptions(implementation_cost=-1))


def test_inputs_from_cells():
    def cell(kpi, window, value, num=None, den=None):
        return Cell(kpi, window, {}, value, num, den, "ratio", None, "no_target")

    cells = [cell("denial_rate", "baseline", 0.1), cell("denial_rate", "day90", 0.05),
             cell("clean_claim_rate", "baseline", 0.8), cell("clean_claim_rate", "day90", 0.9, 270, 300),
             cell("days_in_ar", "baseline", 40), cell("days_in_ar", "day90", 32, 32_000, 1000.0)]
    m = measured_from_cells(cells, "baseline", "day90", after_days=30)
    assert (m.denial_rate_before, m.denial_rate_after, m.days_in_ar_after) == (0.1, 0.05, 32)
    assert m.average_daily_charges == 1000.0
    assert m.claims_per_month == pytest.approx(300 * 30.4 / 30)
