"""The same KPI code on a PostgreSQL warehouse gives the same cells as on DuckDB."""

from __future__ import annotations

import math

from tests.kpi_practice import Practice, cells, day, ts
from tests.test_kpi_examples import _example_3
from warehouse.store import copy_warehouse, postgres_connect, reading


def _practice() -> Practice:
    p = Practice()
    _example_3(p)
    p.claim("legacy", "WC1", 400, "2026-03-10 09:00", payer_id="WRK", service_date_from=day("2026-03-09"))
    p.payment("legacy", "pm8", "WC1", 150, "2026-04-15", payer_id="WRK", method="paper")
    p.claim("new", "D07", 700, "2026-04-02 09:00", rendering_provider_id="390", location_id="8")
    p.remit("new", "608", "D07", "2026-04-09", "4")
    p.adjustment("new", "230", "D07", "CO", "11", 300, "2026-04-09", remit_id="608")
    p.adjustment("new", "87", "D07", "CO", "50", 400, "2026-04-09", remit_id="608")
    p.claim("new", "D01", 100, "2026-04-03 09:00", first_submitted_at=ts("2026-04-03 12:00"),
            edited_before_submission=False, first_pass_accepted=True)
    p.remit("new", "601", "D01", "2026-04-10", "1")
    for i, d in enumerate(("2026-03-20", "2026-03-25", "2026-04-02", "2026-04-20", "2026-05-10", "2026-06-20")):
        src = "legacy" if d < "2026-04-01" else "new"
        p.appointment(src, f"V{i}", f"{d} 09:00", appointment_type="initial_eval" if i == 0 else "follow_up")
        p.note(src, f"N{i}", d, appointment_id=f"V{i}", note_type="evaluation" if i == 0 else "daily",
               signed_at=ts(f"{d} 18:00"), documentation_seconds=240 + i)
    p.add("new", "provider_schedule", provider_id="301", location_id="7", work_date=day("2026-04-02"),
          available_minutes=480)
    p.add("legacy", "referrals", referral_id="RF1", patient_id="PA1", received_at=ts("2026-03-15 10:00"),
          discipline="PT")
    p.add("new", "authorizations", authorization_id="AU1", patient_id="4401", payer_id="41", discipline="PT",
          requested_at=ts("2026-04-01 09:00"), decided_at=ts("2026-04-04 15:00"), status="approved")
    return p


def _same(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    key = lambda c: (c["kpi"], c["window"], str(sorted(c["by"].items(), key=str)))  # noqa: E731
    a, b = sorted(a, key=key), sorted(b, key=key)
    for x, y in zip(a, b, strict=True):
        assert key(x) == key(y) and x["status"] == y["status"] and x["unit"] == y["unit"], (x, y)
        for f in ("value", "numerator", "denominator", "target"):
            if x[f] is None or y[f] is None:
                assert x[f] is None and y[f] is None, (f, x, y)
            else:
                assert math.isclose(x[f], y[f], rel_tol=1e-9, abs_tol=1e-6), (f, x, y)


def test_postgres_gives_the_same_cells(tmp_path, postgres_schema):
    url, schema = postgres_schema
    settings = _practice().build(tmp_path)
    windows = ["baseline", "day30", "day60", "day90", "trailing30", "2026-Q2"]
    by = ["location", "payer", "provider", "denial_category"]
    pg = postgres_connect(url, schema)
    try:
        with reading(settings.warehouse_url) as duck:
            copy_warehouse(duck, pg)
            expected = cells(settings, windows=windows, by=by, con=duck)
        got = cells(settings, windows=windows, by=by, con=pg)
    finally:
        pg.disconnect()
    assert any(c["status"] in ("met", "not_met") for c in expected)
    _same(expected, got)
