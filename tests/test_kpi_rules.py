"""Hand-computed cells for every warehouse KPI and the tricky rules of KPI_SPEC.md beyond the examples."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.kpi_practice import Practice, cells, day, find, ts


def _cell(result, kpi, window="day30", by=None):
    c = find(result, kpi, window, by)
    assert c is not None, (kpi, window, by)
    return c


def _is(cell, value, num, den, status):
    assert cell["status"] == status, cell
    for key, want in (("value", value), ("numerator", num), ("denominator", den)):
        if want is None:
            assert cell[key] is None, (key, cell)
        else:
            assert cell[key] == pytest.approx(want, abs=1e-6), (key, cell)


@pytest.fixture(scope="module")
def operations(tmp_path_factory):
    """A month of new-system activity touching every KPI (day30 = April 2026)."""
    p = Practice()
    p.appointment("new", "A1", "2026-04-02 09:00")
    p.appointment("new", "A2", "2026-04-03 09:00", status="no_show")
    p.appointment("new", "A3", "2026-04-06 09:00", status="cancelled", duration_minutes=30)
    p.appointment("new", "A4", "2026-04-07 09:00", status="late_cancel", duration_minutes=60)
    p.appointment("new", "A5", "2026-04-08 09:00", status="scheduled")
    p.appointment("new", "A6", "2026-04-09 10:00", location_id="8", provider_id="390")
    for prov, loc, d, minutes in (("301", "7", "2026-04-02", 480), ("301", "7", "2026-04-03", 480),
                                  ("390", "8", "2026-04-09", 240)):
        p.add("new", "provider_schedule", provider_id=prov, location_id=loc, work_date=day(d), available_minutes=minutes)
    p.claim("new", "C1", 200, "2026-04-02 15:00", first_submitted_at=ts("2026-04-03 10:00"),
            edited_before_submission=False, first_pass_accepted=True)
    p.payment("new", "P1", "C1", 150, "2026-04-20")
    p.payment("new", "P2", "C1", 20, "2026-04-21", payer_id=None, method="card")
    p.adjustment("new", "J1", "C1", "CO", "45", 20, "2026-04-20")
    p.adjustment("new", "J2", "C1", "CO", "97", 10, "2026-04-20")
    p.claim("new", "C2", 100, "2026-04-09 15:00", location_id="8", rendering_provider_id="390",
            first_submitted_at=ts("2026-04-10 10:00"), edited_before_submission=True, first_pass_accepted=False)
    p.claim("new", "C3", 50, "2026-04-12 15:00", service_date_from=day("2026-04-10"),
            first_submitted_at=ts("2026-07-20 10:00"), edited_before_submission=False, first_pass_accepted=True)
    p.note("new", "N1", "2026-04-02", appointment_id="A1", signed_at=ts("2026-04-02 12:00"), documentation_seconds=300)
    p.note("new", "N2", "2026-04-09", appointment_id="A6", provider_id="390", signed_at=ts("2026-04-11 10:00"),
           documentation_seconds=420, requires_cosign=True, cosigned_at=ts("2026-04-18 10:00"))
    p.note("new", "N3", "2026-04-10", documentation_seconds=600)
    p.note("new", "N4", "2026-04-12", signed_at=ts("2026-04-12 10:00"), requires_cosign=True,
           cosigned_at=ts("2026-04-20 10:00"))
    p.note("new", "N5", "2026-04-14", signed_at=ts("2026-07-20 10:00"), documentation_seconds=100,
           requires_cosign=True)
    for key, req, dec, status in (("AU1", "2026-04-01 09:00", "2026-04-04 09:00", "approved"),
                                  ("AU2", "2026-04-02 09:00", "2026-04-12 21:00", "denied"),
                                  ("AU3", "2026-04-05 09:00", None, "pending"),
                                  ("AU4", "2026-04-06 09:00", "2026-07-20 09:00", "approved"),
                                  ("AU5", "2026-04-07 09:00", "2026-04-08 09:00", "cancelled")):
        p.add("new", "authorizations", authorization_id=key, patient_id="4401", payer_id="41", discipline="PT",
              requested_at=ts(req), decided_at=ts(dec) if dec else None, status=status)
    settings = p.build(tmp_path_factory.mktemp("ops"))
    return cells(settings, by=["location", "provider", "payer", "payer_class", "discipline"])


def test_scheduling_kpis(operations):
    _is(_cell(operations, "fill_rate"), 240 / 1200, 240, 1200, "not_met")
    _is(_cell(operations, "fill_rate", by={"location": "legacy:L1"}), 195 / 960, 195, 960, "not_met")
    _is(_cell(operations, "fill_rate", by={"location": "legacy:L2"}), 45 / 240, 45, 240, "not_met")
    _is(_cell(operations, "no_show_rate"), 0.2, 1, 5, "not_met")
    _is(_cell(operations, "cancellation_rate"), 0.4, 2, 5, "no_target")


def test_revenue_kpis(operations):
    _is(_cell(operations, "revenue_per_visit"), 85.0, 170.0, 2, "no_target")
    _is(_cell(operations, "revenue_per_visit", by={"location": "legacy:L2"}), 0.0, 0.0, 1, "no_target")
    _is(_cell(operations, "era_rate"), 1.0, 1, 1, "met")  # the patient's card payment has no payer
    _is(_cell(operations, "net_collection_rate"), 170 / 330, 170.0, 330.0, "not_met")  # CO-97 is not contractual
    _is(_cell(operations, "clean_claim_rate"), 0.5, 1, 2, "not_met")  # C3 submitted after as_of
    _is(_cell(operations, "first_pass_acceptance_rate"), 0.5, 1, 2, "not_met")
    _is(_cell(operations, "charge_lag_days"), 2 / 3, 2, 3, "met")
    # D = 04-30: C1 200-170-20-10 = 0, C2 100, C3 50; charges 350 / 90
    _is(_cell(operations, "days_in_ar"), 150 / (350 / 90), 150.0, 350 / 90, "not_met")
    _is(_cell(operations, "ar_over_90_rate"), 0.0, 0.0, 150.0, "met")
    assert find(operations, "era_rate", "day30", {"location": "legacy:L1"}) is None  # payments do not reach it


def test_documentation_kpis(operations):
    _is(_cell(operations, "documentation_minutes"), 6.0, 12.0, 2, "not_met")  # N3 unsigned, N5 signed after as_of
    _is(_cell(operations, "note_lag_hours"), 24.75, 49.5, 2, "not_met")
    _is(_cell(operations, "notes_signed_24h_rate"), 0.5, 1, 2, "not_met")
    _is(_cell(operations, "cosign_rate"), 0.5, 1, 2, "not_met")  # exactly 7 days is in time, 8 is not
    _is(_cell(operations, "cosign_rate", by={"provider": "new:390"}), 1.0, 1, 1, "met")
    _is(_cell(operations, "note_lag_hours", by={"location": "legacy:L2"}), 47.25, 47.25, 1, "not_met")
    _is(_cell(operations, "cosign_rate", by={"location": None}), 0.0, 0, 1, "not_met")  # N4 has no appointment


def test_authorization_kpis(operations):
    _is(_cell(operations, "pa_approval_rate"), 0.5, 1, 2, "no_target")  # AU4 decided after as_of
    _is(_cell(operations, "pa_turnaround_days"), 14.5 / 3, 14.5, 3, "met")
    _is(_cell(operations, "pa_approval_rate", by={"payer_class": "medicare"}), 0.5, 1, 2, "no_target")
    _is(_cell(operations, "pa_approval_rate", by={"discipline": "PT"}), 0.5, 1, 2, "no_target")
    assert find(operations, "pa_approval_rate", "day30", {"location": "legacy:L1"}) is None


def test_every_kpi_has_a_total_cell_per_window(operations):
    from metrics.registry import KPIS

    for w in ("baseline", "day30", "day60", "day90", "trailing30"):
        for k in KPIS:
            assert find(operations, k.id, w) is not None, (k.id, w)
    baseline = _cell(operations, "fill_rate", "baseline")
    assert baseline["status"] == "no_data" and baseline["numerator"] is None and baseline["denominator"] is None


def test_referral_30_day_edge_and_discipline(tmp_path):
    p = Practice()
    for pat in ("P1", "P2", "P3", "P4"):
        p.patient("new", pat)
    p.add("new", "referrals", referral_id="R1", patient_id="P1", received_at=ts("2026-04-01 23:00"), discipline="PT")
    p.appointment("new", "E1", "2026-05-01 08:00", patient_id="P1", appointment_type="initial_eval")  # day 30: in
    p.add("new", "referrals", referral_id="R2", patient_id="P2", received_at=ts("2026-04-01 08:00"), discipline="PT")
    p.appointment("new", "E2", "2026-05-02 08:00", patient_id="P2", appointment_type="initial_eval")  # day 31: out
    p.add("new", "referrals", referral_id="R3", patient_id="P3", received_at=ts("2026-04-02 08:00"), discipline="OT")
    p.appointment("new", "E3", "2026-04-05 08:00", patient_id="P3", appointment_type="initial_eval")  # PT, not OT
    p.add("new", "referrals", referral_id="R4", patient_id="P4", received_at=ts("2026-04-03 12:00"))
    p.appointment("new", "E4", "2026-04-03 09:00", patient_id="P4", appointment_type="initial_eval",
                  discipline="SLP")  # same day, earlier hour: the date counts; no discipline named: any
    p.appointment("new", "E5", "2026-04-04 09:00", patient_id="P4", appointment_type="initial_eval",
                  status="no_show")
    result = cells(p.build(tmp_path), windows=["day30"], by=["discipline"])
    _is(_cell(result, "referral_conversion_rate"), 0.5, 2, 4, "no_target")
    # R1: 29 days 9 hours; R4: -3 hours
    _is(_cell(result, "referral_to_first_visit_days"), (29 + 9 / 24 - 3 / 24) / 2, 29 + 9 / 24 - 3 / 24, 2,
        "no_target")
    _is(_cell(result, "referral_conversion_rate", by={"discipline": "OT"}), 0.0, 0, 1, "no_target")
    _is(_cell(result, "referral_conversion_rate", by={"discipline": None}), 1.0, 1, 1, "no_target")


def test_windows_partial_and_no_data(tmp_path):
    p = Practice()
    p.claim("new", "C1", 100, "2026-04-10 09:00")
    p.claim("new", "C2", 100, "2026-05-05 09:00", service_date_from=day("2026-05-03"))
    p.claim("new", "C3", 100, "2026-05-20 09:00")  # after as_of: does not exist yet
    settings = p.build(tmp_path)
    as_of = dt.date(2026, 5, 10)
    result = cells(settings, as_of=as_of, by=["location"])
    _is(_cell(result, "charge_lag_days", "day30"), 0.0, 0, 1, "met")
    _is(_cell(result, "charge_lag_days", "day60"), 2.0, 2, 1, "met")  # partial window: up to as_of
    # day60's point-in-time day is as_of (05-10): C1 + C2 open, charges 200 / 90
    _is(_cell(result, "days_in_ar", "day60"), 90.0, 200.0, 200 / 90, "not_met")
    for k in ("charge_lag_days", "days_in_ar", "legacy_ar", "fill_rate"):
        c = _cell(result, k, "day90")
        assert (c["value"], c["numerator"], c["denominator"], c["status"]) == (None, None, None, "no_data")
    assert not [c for c in result if c["window"] == "day90" and c["by"]]
    trailing = _cell(result, "charge_lag_days", "trailing30")  # [04-11, 05-11)
    _is(trailing, 2.0, 2, 1, "met")


def test_quarter_windows(tmp_path):
    p = Practice()
    p.claim("legacy", "Q1", 100, "2026-03-31 09:00", service_date_from=day("2026-03-30"))
    p.claim("new", "Q2", 100, "2026-04-01 09:00")
    result = cells(p.build(tmp_path), windows=["2026-Q1", "2026-Q2"])
    _is(_cell(result, "charge_lag_days", "2026-Q1"), 1.0, 1, 1, "met")
    _is(_cell(result, "charge_lag_days", "2026-Q2"), 0.0, 0, 1, "met")
    # D = 06-30: both claims open, but neither was created in [04-02, 06-30]: no divisor
    _is(_cell(result, "days_in_ar", "2026-Q2"), None, 200.0, 0.0, "no_data")
    _is(_cell(result, "days_in_ar", "2026-Q1"), 100 / (100 / 90), 100.0, 100 / 90, "not_met")


def test_key_order_text_and_numbers(tmp_path):
    p = Practice()
    p.claim("legacy", "T1", 100, "2026-02-01 09:00")
    p.remit("legacy", "R9", "T1", "2026-02-10", "4")  # as text "R10" < "R9": R10 is initial
    p.remit("legacy", "R10", "T1", "2026-02-10", "1")
    p.claim("legacy", "T2", 100, "2026-02-01 09:00")
    p.remit("legacy", "9", "T2", "2026-02-10", "4")  # as numbers 9 < 10: 9 is initial, denied
    p.remit("legacy", "10", "T2", "2026-02-10", "1")
    result = cells(p.build(tmp_path), windows=["baseline"])
    _is(_cell(result, "denial_rate", "baseline"), 0.5, 1, 2, "not_met")


def test_nothing_after_as_of_and_later_timestamps(tmp_path):
    p = Practice()
    p.appointment("new", "A1", "2026-04-02 09:00")
    p.note("new", "N1", "2026-04-02", appointment_id="A1", signed_at=ts("2026-04-04 09:00"))
    settings = p.build(tmp_path)
    before = cells(settings, as_of=dt.date(2026, 4, 3), windows=["day30"])
    _is(_cell(before, "notes_signed_24h_rate"), 0.0, 0, 1, "not_met")  # unsigned at as_of
    assert _cell(before, "note_lag_hours")["status"] == "no_data"
    after = cells(settings, as_of=dt.date(2026, 4, 4), windows=["day30"])
    _is(_cell(after, "note_lag_hours"), 47.25, 47.25, 1, "not_met")


def test_only_a_new_source_keeps_every_row(tmp_path):
    from config.settings import load_settings
    from tests.conftest import write_config
    from warehouse.store import build_warehouse

    p = Practice()
    p.claim("new", "C0", 100, "2026-03-01 09:00", legacy_id="OLD1")  # before go-live, kept anyway
    source = f'''
[[sources]]
name = "new"
role = "new"
kind = "sql"
url = "sqlite:///{tmp_path}/new_pms.db"
mapping = "config/mappings/new_pms.yaml"
'''
    settings = load_settings(write_config(tmp_path, sources=source))
    build_warehouse(settings.warehouse_url, {"new": p.frames()["new"]}).disconnect()
    result = cells(settings, windows=["baseline"], by=["location", "provider"])
    _is(_cell(result, "charge_lag_days", "baseline"), 0.0, 0, 1, "met")
    assert find(result, "charge_lag_days", "baseline", {"location": "new:7"}) is not None
    assert find(result, "charge_lag_days", "baseline", {"provider": "new:301"}) is not None


def test_targets_from_config(tmp_path):
    p = Practice()
    p.claim("new", "C1", 100, "2026-04-10 09:00", service_date_from=day("2026-04-08"))
    settings = p.build(tmp_path, extra='[targets]\ncharge_lag_days = 1\nclean_claim_rate = "none"\n')
    result = cells(settings, windows=["day30"])
    c = _cell(result, "charge_lag_days")
    assert c["target"] == 1 and c["status"] == "not_met"
    assert _cell(result, "clean_claim_rate")["target"] is None


def test_one_kpi_alone_gives_the_same_cell(tmp_path):
    """Each KPI can be asked for on its own (the screens do), with the same result."""
    from metrics.kpis import compute_cells
    from metrics.windows import resolve_all
    from warehouse.store import reading

    p = Practice()
    p.add("new", "authorizations", authorization_id="AU1", patient_id="4401", payer_id="41", discipline="PT",
          requested_at=ts("2026-04-01 09:00"), decided_at=ts("2026-04-03 21:00"), status="approved")
    p.payment("new", "P1", "C1", 10, "2026-04-20")
    p.appointment("new", "A1", "2026-04-02 09:00")
    settings = p.build(tmp_path)
    wins = resolve_all(["day30"], settings.go_live, dt.date(2026, 7, 15))
    with reading(settings.warehouse_url) as con:
        for kpi in ("pa_turnaround_days", "era_rate", "charge_capture_rate"):
            alone = compute_cells(con, settings, dt.date(2026, 7, 15), wins, ["payer"], kpi_ids=[kpi])
            assert {c.kpi for c in alone} == {kpi}
    _is(_cell([c.as_json() for c in alone], "charge_capture_rate"), 0.0, 0, 1, "not_met")
