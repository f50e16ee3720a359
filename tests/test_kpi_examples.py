"""Every worked example of KPI_EXAMPLES.md as a hand-built warehouse, with the exact JSON cells."""

from __future__ import annotations

import datetime as dt
import json

from tests.kpi_practice import Practice, assert_cell, cells, day, ts


def _expect(result, *lines: str) -> None:
    for line in lines:
        assert_cell(result, json.loads(line))


def test_example_1_claim_balance_pr_credit_divisor(tmp_path):
    p = Practice()
    p.claim("legacy", "CL1", 90.00, "2026-01-31 09:00")
    p.payment("legacy", "pCL1", "CL1", 90.00, "2026-02-20")
    p.claim("legacy", "CL2", 900.00, "2026-01-30 09:00")
    p.payment("legacy", "pCL2", "CL2", 900.00, "2026-02-20")
    p.claim("new", "7101", 300.00, "2026-04-02 10:00")
    p.payment("new", "9101", "7101", 150.00, "2026-04-20")
    p.adjustment("new", "51", "7101", "CO", "45", 60.00, "2026-04-20")
    p.adjustment("new", "52", "7101", "PR", "2", 40.00, "2026-04-20")
    p.claim("new", "7102", 100.00, "2026-04-10 10:00")
    p.payment("new", "9102", "7102", 120.00, "2026-04-25")
    p.claim("new", "7103", 200.00, "2026-04-30 16:00")
    p.payment("new", "9103", "7103", 200.00, "2026-05-10")
    p.claim("new", "7104", 500.00, "2026-05-01 08:00")
    result = cells(p.build(tmp_path), windows=["day30"], kpi_ids=["days_in_ar"])
    _expect(result, '{"kpi": "days_in_ar", "window": "day30", "by": {}, "value": 37.8261, "numerator": 290.0, '
                    '"denominator": 7.6667, "unit": "days", "target": 30, "status": "not_met"}')


def test_example_2_denial_classification(tmp_path):
    p = Practice()
    claims = {"D01": 100, "D02": 200, "D03": 300, "D04": 400, "D05": 500, "D06": 600, "D07": 700}
    for key, total in claims.items():
        p.claim("new", key, total, "2026-04-02 09:00")
    p.remit("new", "601", "D01", "2026-04-10", "1")
    p.adjustment("new", "11", "D01", "CO", "45", 10, "2026-04-10", remit_id="601")
    p.adjustment("new", "12", "D01", "PR", "2", 10, "2026-04-10", remit_id="601")
    p.remit("new", "602", "D02", "2026-04-10", "1")
    p.adjustment("new", "13", "D02", "PR", "27", 200, "2026-04-10", remit_id="602")
    p.remit("new", "603", "D03", "2026-04-11", "4")
    p.remit("new", "604", "D04", "2026-04-12", "4")
    p.adjustment("new", "14", "D04", "CO", "18", 400, "2026-04-12", remit_id="604")
    p.remit("new", "605", "D05", "2026-04-05", "22")
    p.adjustment("new", "15", "D05", "CO", "16", 500, "2026-04-05", remit_id="605")
    p.remit("new", "606", "D05", "2026-04-06", "1")
    p.adjustment("new", "16", "D05", "CO", "45", 50, "2026-04-06", remit_id="606")
    p.remit("new", "607", "D06", "2026-04-07", "2")
    p.adjustment("new", "17", "D06", "CO", "16", 600, "2026-04-07", remit_id="607")
    p.remit("new", "608", "D07", "2026-04-09", "4")
    p.adjustment("new", "230", "D07", "CO", "11", 300, "2026-04-09", remit_id="608")
    p.adjustment("new", "87", "D07", "CO", "50", 400, "2026-04-09", remit_id="608")
    result = cells(p.build(tmp_path), windows=["day30"], by=["denial_category"], kpi_ids=["denial_rate", "denial_rate_dollars"])
    _expect(
        result,
        '{"kpi": "denial_rate", "window": "day30", "by": {}, "value": 0.6, "numerator": 3, "denominator": 5, '
        '"unit": "ratio", "target": 0.03, "status": "not_met"}',
        '{"kpi": "denial_rate", "window": "day30", "by": {"denial_category": "eligibility"}, "value": 0.4, '
        '"numerator": 2, "denominator": 5, "unit": "ratio", "target": 0.03, "status": "not_met"}',
        '{"kpi": "denial_rate", "window": "day30", "by": {"denial_category": "documentation"}, "value": 0.2, '
        '"numerator": 1, "denominator": 5, "unit": "ratio", "target": 0.03, "status": "not_met"}',
        '{"kpi": "denial_rate_dollars", "window": "day30", "by": {}, "value": 0.6667, "numerator": 1200.0, '
        '"denominator": 1800.0, "unit": "ratio", "target": 0.03, "status": "not_met"}',
    )
    listed = sorted(c["by"]["denial_category"] for c in result
                    if c["kpi"] == "denial_rate" and c["window"] == "day30" and c["by"])
    assert listed == ["documentation", "eligibility"]  # no coding row, no null row


def _example_3(p: Practice) -> None:
    p.claim("legacy", "CL5", 250.00, "2026-03-20 09:00", service_date_from=day("2026-03-18"))
    p.payment("legacy", "pm5", "CL5", 100.00, "2026-03-27")
    p.adjustment("legacy", "E5", "CL5", "CO", "45", 50.00, "2026-03-27")
    p.adjustment("legacy", "M5", "CL5", "OA", "XFR", 100.00, "2026-04-01")
    p.claim("new", "7005", 250.00, "2026-03-20 09:00", service_date_from=day("2026-03-18"), legacy_id="CL5",
            patient_id="4401", payer_id="42", location_id="7", rendering_provider_id="301")
    p.payment("new", "q5", "7005", 100.00, "2026-03-27", method="other", legacy_id="pm5")
    p.adjustment("new", "55", "7005", "CO", "45", 50.00, "2026-03-27", legacy_id="E5")
    p.payment("new", "q6", "7005", 60.00, "2026-04-20")


def test_example_3_migrated_claim_collects_after_go_live(tmp_path):
    p = Practice()
    _example_3(p)
    result = cells(p.build(tmp_path))
    _expect(
        result,
        '{"kpi": "net_collection_rate", "window": "baseline", "by": {}, "value": 0.8, "numerator": 160.0, '
        '"denominator": 200.0, "unit": "ratio", "target": 0.95, "status": "not_met"}',
        '{"kpi": "era_rate", "window": "baseline", "by": {}, "value": 1.0, "numerator": 1, "denominator": 1, '
        '"unit": "ratio", "target": 0.9, "status": "met"}',
        '{"kpi": "days_in_ar", "window": "day30", "by": {}, "value": 14.4, "numerator": 40.0, '
        '"denominator": 2.7778, "unit": "days", "target": 30, "status": "met"}',
        '{"kpi": "legacy_ar", "window": "day30", "by": {}, "value": null, "numerator": null, "denominator": null, '
        '"unit": "currency", "target": null, "status": "no_data"}',
    )


def test_example_4_run_off_legacy_claim(tmp_path):
    p = Practice()
    p.claim("legacy", "WC1", 400.00, "2026-03-10 09:00", payer_id="WRK", service_date_from=day("2026-03-09"))
    p.payment("legacy", "pm8", "WC1", 150.00, "2026-04-15", payer_id="WRK", method="paper")
    p.adjustment("legacy", "E8", "WC1", "CO", "45", 50.00, "2026-04-15")
    p.claim("new", "7201", 100.00, "2026-04-05 09:00")
    result = cells(p.build(tmp_path), by=["payer"])
    _expect(
        result,
        '{"kpi": "legacy_ar", "window": "baseline", "by": {}, "value": null, "numerator": null, '
        '"denominator": null, "unit": "currency", "target": null, "status": "no_data"}',
        '{"kpi": "legacy_ar", "window": "day30", "by": {}, "value": 200.0, "numerator": 200.0, '
        '"denominator": null, "unit": "currency", "target": null, "status": "no_target"}',
        '{"kpi": "legacy_ar", "window": "day30", "by": {"payer": "legacy:WRK"}, "value": 200.0, '
        '"numerator": 200.0, "denominator": null, "unit": "currency", "target": null, "status": "no_target"}',
        '{"kpi": "days_in_ar", "window": "day30", "by": {}, "value": 54.0, "numerator": 300.0, '
        '"denominator": 5.5556, "unit": "days", "target": 30, "status": "not_met"}',
    )


def test_example_5_charge_capture_across_the_seam(tmp_path):
    p = Practice()
    for key, start in (("AP1", "2026-03-30 10:00"), ("AP2", "2026-03-31 10:00"), ("AP3", "2026-03-31 11:00")):
        p.appointment("legacy", key, start)
    p.claim("legacy", "CL7", 100.00, "2026-03-30 15:00")
    p.add("legacy", "claim_lines", claim_line_id="CL7-1", claim_id="CL7", appointment_id="AP1",
          service_date=day("2026-03-30"), cpt_code="97110", units=1, charge_amount=100.00)
    for key, leg, start in (("8001", "AP1", "2026-03-30 10:00"), ("8002", "AP2", "2026-03-31 10:00"),
                            ("8003", "AP3", "2026-03-31 11:00")):
        p.appointment("new", key, start, legacy_id=leg)
    p.claim("new", "7301", 100.00, "2026-04-02 09:00", service_date_from=day("2026-03-31"))
    p.add("new", "claim_lines", claim_line_id="73011", claim_id="7301", appointment_id="8002",
          service_date=day("2026-03-31"), cpt_code="97110", units=1, charge_amount=100.00)
    result = cells(p.build(tmp_path), windows=["baseline"], by=["location"], kpi_ids=["charge_capture_rate"])
    _expect(
        result,
        '{"kpi": "charge_capture_rate", "window": "baseline", "by": {}, "value": 0.6667, "numerator": 2, '
        '"denominator": 3, "unit": "ratio", "target": 0.98, "status": "not_met"}',
        '{"kpi": "charge_capture_rate", "window": "baseline", "by": {"location": "legacy:L1"}, "value": 0.6667, '
        '"numerator": 2, "denominator": 3, "unit": "ratio", "target": 0.98, "status": "not_met"}',
    )


def test_example_6_referral_converted_across_the_seam(tmp_path):
    p = Practice()
    p.patient("legacy", "PA7")
    p.patient("legacy", "PA8")
    p.add("legacy", "referrals", referral_id="RF1", patient_id="PA7", received_at=ts("2026-03-25 10:00"),
          discipline="PT")
    p.add("legacy", "referrals", referral_id="RF2", patient_id="PA8", received_at=ts("2026-03-28 09:00"),
          discipline="PT")
    p.patient("new", "4407", legacy_id="PA7")
    p.patient("new", "4408", legacy_id="PA8")
    p.add("new", "referrals", referral_id="61", patient_id="4407", received_at=ts("2026-03-25 10:00"),
          discipline="PT", legacy_id="RF1")
    p.appointment("new", "8101", "2026-04-03 10:00", patient_id="4407", appointment_type="initial_eval")
    result = cells(p.build(tmp_path))
    _expect(
        result,
        '{"kpi": "referral_conversion_rate", "window": "baseline", "by": {}, "value": 0.5, "numerator": 1, '
        '"denominator": 2, "unit": "ratio", "target": null, "status": "no_target"}',
        '{"kpi": "referral_to_first_visit_days", "window": "baseline", "by": {}, "value": 9.0, "numerator": 9.0, '
        '"denominator": 1, "unit": "days", "target": null, "status": "no_target"}',
    )


def test_example_7_progress_note_counting_across_the_seam(tmp_path):
    p = Practice()
    legacy_days = ("2026-03-20", "2026-03-23", "2026-03-25", "2026-03-27", "2026-03-30")
    for i, d in enumerate(legacy_days):
        p.appointment("legacy", f"AV{i}", f"{d} 09:00", appointment_type="initial_eval" if i == 0 else "follow_up")
        p.appointment("new", f"81{i}", f"{d} 09:00", appointment_type="initial_eval" if i == 0 else "follow_up",
                      legacy_id=f"AV{i}")
    p.note("legacy", "LN1", "2026-03-20", note_type="evaluation", appointment_id="AV0",
           signed_at=ts("2026-03-20 12:00"))
    new_days = ("2026-04-01", "2026-04-03", "2026-04-06", "2026-04-08", "2026-04-10", "2026-04-13", "2026-04-15")
    for i, d in enumerate(new_days):
        p.appointment("new", f"82{i}", f"{d} 09:00")
    p.note("new", "5501", "2026-04-15", note_type="progress")
    p.note("new", "5502", "2026-04-12", note_type="evaluation", provider_id="303")
    result = cells(p.build(tmp_path))
    _expect(
        result,
        '{"kpi": "progress_note_compliance", "window": "baseline", "by": {}, "value": 1.0, "numerator": 5, '
        '"denominator": 5, "unit": "ratio", "target": 0.98, "status": "met"}',
        '{"kpi": "progress_note_compliance", "window": "day30", "by": {}, "value": 0.8571, "numerator": 6, '
        '"denominator": 7, "unit": "ratio", "target": 0.98, "status": "not_met"}',
    )


def test_example_8_notes_signed_within_24_hours_at_as_of(tmp_path):
    p = Practice()
    rows = (("NT1", "2026-07-13 09:00", "2026-07-13 15:00"), ("NT2", "2026-07-15 08:00", "2026-07-15 10:00"),
            ("NT3", "2026-07-14 07:00", None), ("NT4", "2026-07-12 07:00", "2026-07-13 09:00"),
            ("NT5", "2026-07-14 23:00", "2026-07-15 23:30"))
    for key, start, signed in rows:
        p.appointment("new", f"A{key}", start, duration_minutes=60)
        p.note("new", key, start[:10], appointment_id=f"A{key}", signed_at=ts(signed) if signed else None)
    p.note("new", "NT6", "2026-07-14", note_type="progress", signed_at=ts("2026-07-14 12:00"))
    result = cells(p.build(tmp_path), as_of=dt.date(2026, 7, 15), windows=["trailing30"])
    _expect(
        result,
        '{"kpi": "notes_signed_24h_rate", "window": "trailing30", "by": {}, "value": 0.5, "numerator": 2, '
        '"denominator": 4, "unit": "ratio", "target": 0.9, "status": "not_met"}',
        '{"kpi": "note_lag_hours", "window": "trailing30", "by": {}, "value": 13.625, "numerator": 54.5, '
        '"denominator": 4, "unit": "hours", "target": 24, "status": "met"}',
    )


def test_example_9_breakdowns_identities_codes_null_group(tmp_path):
    p = Practice()
    for row in p.rows["new"]["payers"]:
        if row["payer_id"] == "42":
            row["payer_class"] = "other"
    p.claim("new", "7401", 100, "2026-04-07 09:00", payer_id="41", location_id="7", rendering_provider_id="301",
            service_date_from=day("2026-04-06"))
    p.claim("new", "7402", 100, "2026-04-09 09:00", payer_id="42", location_id="8", rendering_provider_id="390",
            service_date_from=day("2026-04-06"))
    p.claim("new", "7403", 100, "2026-04-14 09:00", payer_id="42", location_id="7", rendering_provider_id=None,
            service_date_from=day("2026-04-08"))
    result = cells(p.build(tmp_path), windows=["day30"], by=["location", "provider", "payer", "payer_class"],
                   kpi_ids=["charge_lag_days"])
    lines = """
{"kpi": "charge_lag_days", "window": "day30", "by": {}, "value": 3.3333, "numerator": 10, "denominator": 3, "unit": "days", "target": 3, "status": "not_met"}
{"kpi": "charge_lag_days", "window": "day30", "by": {"location": "legacy:L1"}, "value": 3.5, "numerator": 7, "denominator": 2, "unit": "days", "target": 3, "status": "not_met"}
{"kpi": "charge_lag_days", "window": "day30", "by": {"location": "legacy:L2"}, "value": 3.0, "numerator": 3, "denominator": 1, "unit": "days", "target": 3, "status": "met"}
{"kpi": "charge_lag_days", "window": "day30", "by": {"provider": "legacy:K1"}, "value": 1.0, "numerator": 1, "denominator": 1, "unit": "days", "target": 3, "status": "met"}
{"kpi": "charge_lag_days", "window": "day30", "by": {"provider": "new:390"}, "value": 3.0, "numerator": 3, "denominator": 1, "unit": "days", "target": 3, "status": "met"}
{"kpi": "charge_lag_days", "window": "day30", "by": {"provider": null}, "value": 6.0, "numerator": 6, "denominator": 1, "unit": "days", "target": 3, "status": "not_met"}
{"kpi": "charge_lag_days", "window": "day30", "by": {"payer": "legacy:ACME"}, "value": 4.5, "numerator": 9, "denominator": 2, "unit": "days", "target": 3, "status": "not_met"}
{"kpi": "charge_lag_days", "window": "day30", "by": {"payer": "legacy:GOV"}, "value": 1.0, "numerator": 1, "denominator": 1, "unit": "days", "target": 3, "status": "met"}
{"kpi": "charge_lag_days", "window": "day30", "by": {"payer_class": "commercial"}, "value": 4.5, "numerator": 9, "denominator": 2, "unit": "days", "target": 3, "status": "not_met"}
{"kpi": "charge_lag_days", "window": "day30", "by": {"payer_class": "medicare"}, "value": 1.0, "numerator": 1, "denominator": 1, "unit": "days", "target": 3, "status": "met"}
"""  # noqa: E501
    _expect(result, *[line for line in lines.strip().splitlines()])
    groups = [c["by"] for c in result if c["kpi"] == "charge_lag_days" and c["window"] == "day30" and c["by"]]
    assert {"payer_class": "other"} not in groups
    assert len([g for g in groups if "location" in g]) == 2
