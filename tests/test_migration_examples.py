"""Every case of MIGRATION_EXAMPLES.md, with the exact findings it lists, plus the edges of issue 8."""

from __future__ import annotations

from tests.test_migration_practice import (
    adjustment,
    as_set,
    check,
    claim,
    clean,
    ids,
    legacy_appointment,
    new_appointment,
    payment,
    row,
)


def F(check_, table, system, key, field=None, legacy=None, new=None, severity="warning"):  # noqa: N802
    return (check_, table, system, key, field, legacy, new, severity)


def new_patient(key, first, last, legacy_id=None, birth="1990-01-01", phone=None):
    r = {"patient_id": key, "first_name": first, "last_name": last, "birth_date": birth, "phone": phone}
    if legacy_id:
        r["legacy_id"] = legacy_id
    return r


def test_clean_practice_has_no_finding(tmp_path):
    result = check(tmp_path, clean())
    assert result.findings == []
    assert result.summary["tables"]["patients"] == {"in_scope": 1, "matched": 1, "missing": 0, "extra": 0}


# ---------------------------------------------------------------- 1. matching


def test_1a_new_only_records_are_neither_compared_nor_extra(tmp_path):
    rows = clean()
    rows["new"]["patients"].append(new_patient("950", "Omar", "Reed"))
    rows["new"]["appointments"].append(new_appointment("8050", "2026-04-03 10:00", patient="950"))
    assert check(tmp_path, rows).findings == []


def test_1b_reference_through_crosswalk_and_extra(tmp_path):
    rows = clean()
    row(rows, "new", "coverages", "coverage_id", "5501")["payer_id"] = "43"
    rows["new"]["patients"].append(new_patient("951", "Lena", "Cruz", legacy_id="PA99"))
    assert as_set(check(tmp_path, rows).findings) == {
        F("field_mismatch", "coverages", "legacy", "CV1", "payer_id", "ACME", "43"),
        F("extra_in_new", "patients", "new", "951", None, None, "PA99"),
    }


def test_1c_reference_to_new_only_record_is_a_mismatch(tmp_path):
    rows = clean()
    rows["new"]["patients"].append(new_patient("950", "Omar", "Reed"))
    row(rows, "new", "appointments", "appointment_id", "8000")["patient_id"] = "950"
    assert as_set(check(tmp_path, rows).findings) == {
        F("field_mismatch", "appointments", "legacy", "AP0", "patient_id", "PA1", "950"),
    }


def test_1d_lowest_new_key_is_the_match(tmp_path):
    rows = clean()
    rows["new"]["patients"].append(new_patient("9500", "Someone", "Else", legacy_id="PA1", birth="1970-02-02"))
    assert check(tmp_path, rows).findings == []


def test_1d_a_copy_with_a_lower_numeric_key_becomes_the_match(tmp_path):
    rows = clean()
    rows["new"]["patients"].append(new_patient("90", "Someone", "Hale", legacy_id="PA1", birth="1985-07-09",
                                               phone="5125550148"))
    found = ids(check(tmp_path, rows).findings)
    # 90 < 4401 as numbers: 90 is compared (first name and address fields differ); 4401 is not extra.
    assert ("field_mismatch", "patients", "legacy", "PA1", "first_name", "warning") in found
    assert not any(f[0] == "extra_in_new" for f in found)


# ---------------------------------------------------------------- 2. scope edges


def scope_edge_rows():
    rows = clean()
    rows["legacy"]["appointments"] += [
        legacy_appointment("AP1", "2025-04-01 09:00"),
        legacy_appointment("AP2", "2025-03-31 09:00"),
        legacy_appointment("AP3", "2026-04-10 09:00", "scheduled"),
        legacy_appointment("AP4", "2026-04-10 09:00", "cancelled"),
        legacy_appointment("AP5", "2026-03-31 09:00", "no_show"),
    ]
    rows["legacy"]["claims"] += [claim(k, "PA1", "ACME", "100.00", "2026-03-01") for k in ("CL1", "CL2", "CL3")]
    rows["legacy"]["claims"].append(claim("CL4", "PA1", "ACME", "100.00", "2026-03-28", created="2026-04-01"))
    rows["legacy"]["payments"] += [payment("P1", "CL1", "2026-04-01", "100.00"),
                                   payment("P2", "CL2", "2026-03-31", "100.00")]
    rows["legacy"]["adjustments"].append(adjustment("A3", "CL3", "2026-03-26", "100.00", "PR"))
    return rows


def test_2_scope_edges(tmp_path):
    result = check(tmp_path, scope_edge_rows())
    assert as_set(result.findings) == {
        F("missing_in_new", "appointments", "legacy", "AP1"),
        F("missing_in_new", "appointments", "legacy", "AP3"),
        F("missing_in_new", "appointments", "legacy", "AP5"),
        F("missing_in_new", "claims", "legacy", "CL1", severity="blocker"),
        F("missing_in_new", "claims", "legacy", "CL3", severity="blocker"),
    }
    ar = result.summary["open_ar"]
    assert (ar["legacy"], ar["new"], ar["difference"]) == (200.0, 0.0, 200.0)
    assert result.summary["tables"]["appointments"] == {"in_scope": 4, "matched": 1, "missing": 3, "extra": 0}


# ---------------------------------------------------------------- 3. normalization


def decoy_rows():
    rows = clean()
    p = row(rows, "new", "patients", "patient_id", "4401")
    p.update(first_name=" june ", address_line="12 Oak Ave", phone="(512) 555-0148", email="June@Example.COM",
             birth_date="1985-07-09T00:00:00")
    row(rows, "legacy", "patients", "patient_id", "PA1")["address_line"] = "12 OAK  AVE"
    row(rows, "new", "coverages", "coverage_id", "5501")["member_id"] = "ac-7731 "
    return rows


def test_3a_normalization_decoys(tmp_path):
    assert check(tmp_path, decoy_rows()).findings == []


def test_3b_real_mismatches(tmp_path):
    rows = decoy_rows()
    row(rows, "new", "patients", "patient_id", "4401").update(birth_date="1985-07-10", phone="+1 512 555 0148")
    assert as_set(check(tmp_path, rows).findings) == {
        F("field_mismatch", "patients", "legacy", "PA1", "birth_date", "1985-07-09", "1985-07-10", "blocker"),
        F("field_mismatch", "patients", "legacy", "PA1", "phone", "5125550148", "+1 512 555 0148"),
    }


def test_null_on_one_side_only_is_a_mismatch_blank_is_null(tmp_path):
    rows = clean()
    row(rows, "new", "patients", "patient_id", "4401")["sex"] = None
    row(rows, "legacy", "patients", "patient_id", "PA1")["email"] = "   "
    row(rows, "new", "patients", "patient_id", "4401")["email"] = None
    assert as_set(check(tmp_path, rows).findings) == {
        F("field_mismatch", "patients", "legacy", "PA1", "sex", "F", None),
    }


def test_member_id_mismatch_is_a_blocker(tmp_path):
    rows = clean()
    row(rows, "new", "coverages", "coverage_id", "5501")["member_id"] = "AC-7732"
    assert as_set(check(tmp_path, rows).findings) == {
        F("field_mismatch", "coverages", "legacy", "CV1", "member_id", "AC-7731", "AC-7732", "blocker"),
    }


def test_status_of_appointments_on_or_after_go_live_is_not_compared(tmp_path):
    rows = clean()
    rows["legacy"]["appointments"].append(legacy_appointment("AP7", "2026-04-02 09:00", "scheduled"))
    twin = new_appointment("8007", "2026-04-02 09:00", "completed")
    twin["legacy_id"] = "AP7"
    rows["new"]["appointments"].append(twin)
    row(rows, "new", "appointments", "appointment_id", "8000")["status"] = "no_show"
    assert as_set(check(tmp_path, rows).findings) == {
        F("field_mismatch", "appointments", "legacy", "AP0", "status", "completed", "no_show"),
    }


def test_new_record_without_legacy_id_is_never_compared_nor_extra(tmp_path):
    rows = clean()
    rows["new"]["coverages"].append({"coverage_id": "5599", "patient_id": "4401", "payer_id": "44",
                                     "member_id": None, "priority": 2})
    assert check(tmp_path, rows).findings == []


# ---------------------------------------------------------------- 4. balances


def balance_rows():
    rows = clean()
    rows["legacy"]["claims"].append(claim("CL4", "PA1", "ACME", "240.00", "2026-02-19"))
    rows["legacy"]["payments"].append(payment("LP1", "CL4", "2026-03-11", "65.00"))
    rows["new"]["claims"].append(claim("7004", "4401", "42", "240.00", "2026-02-19", location="7", legacy_id="CL4"))
    rows["new"]["payments"].append(payment("NP1", "7004", "2026-03-11", "65.00"))
    return rows


BALANCE_CASES = {  # added to the new twin -> expected (legacy, new) or None
    "0.004": (payment("NP2", "7004", "2026-03-28", "0.004"), None),
    "0.005": (payment("NP2", "7004", "2026-03-28", "0.005"), None),
    "0.006": (payment("NP2", "7004", "2026-03-28", "0.006"), (175.0, 174.99)),
    "go-live-day": (payment("NP2", "7004", "2026-04-01", "5.00"), None),
    "on-C": (payment("NP2", "7004", "2026-03-31", "5.00"), (175.0, 170.0)),
    "PR": (adjustment("NA2", "7004", "2026-03-28", "25.00", "PR"), None),
    "CO": (adjustment("NA2", "7004", "2026-03-28", "25.00", "CO"), (175.0, 150.0)),
}


def test_4_balance_tolerance_and_cutover(tmp_path):
    """All seven rows of the table at once: one claim pair per case (CL4-<case>, its twin 7004-<case>)."""
    rows = clean()
    want = set()
    for case, (added, expected) in BALANCE_CASES.items():
        lkey, nkey = f"CL4-{case}", f"7004-{case}"
        rows["legacy"]["claims"].append(claim(lkey, "PA1", "ACME", "240.00", "2026-02-19"))
        rows["legacy"]["payments"].append(payment(f"LP-{case}", lkey, "2026-03-11", "65.00"))
        rows["new"]["claims"].append(claim(nkey, "4401", "42", "240.00", "2026-02-19", location="7", legacy_id=lkey))
        rows["new"]["payments"].append(payment(f"NP1-{case}", nkey, "2026-03-11", "65.00"))
        extra = {**added, "claim_id": nkey}
        extra["payment_id" if "payment_id" in extra else "adjustment_id"] = f"X-{case}"
        rows["new"]["payments" if "payment_id" in extra else "adjustments"].append(extra)
        if expected:
            want.add(F("ar_balance_mismatch", "claims", "legacy", lkey, "balance", expected[0], expected[1], "blocker"))
    assert as_set(check(tmp_path, rows).findings) == want


def test_4_receipts_show_open_ar_in_both(tmp_path):
    rows = balance_rows()
    rows["new"]["payments"].append(payment("NP2", "7004", "2026-03-31", "5.00"))
    ar = check(tmp_path, rows).summary["open_ar"]
    assert (ar["legacy"], ar["new"], ar["difference"]) == (175.0, 170.0, 5.0)
    assert ar["by_payer"] == [{"payer_id": "ACME", "claims": 1, "legacy": 175.0, "new": 170.0, "difference": 5.0}]
    bucket = {b["bucket"]: b for b in ar["by_aging_bucket"]}
    assert bucket["31-60"]["legacy"] == 175.0  # 2026-02-19 is 40 days before C
    assert bucket["0-30"]["legacy"] == 0.0


# ---------------------------------------------------------------- 5. remaining visits

AUTH_CASES = {
    "a": ((10, 2), (10, 4), [("04-03", "completed", "PT"), ("04-08", "completed", "PT")], None),
    "b": ((10, 2), (10, 4), [("04-03", "completed", "PT"), ("04-08", "no_show", "PT"), ("03-31", "completed", "PT")],
          (8, 7)),
    "c": ((10, 2), (10, 4), [("04-03", "completed", "OT"), ("05-31", "completed", "PT")], (8, 6)),
    "d": ((10, 8), (10, 10), [("04-03", "completed", "PT"), ("04-05", "completed", "PT"),
                              ("04-08", "completed", "PT")], None),
    "e": ((10, 3), (10, 10), [("04-03", "completed", "PT"), ("04-05", "completed", "PT"),
                              ("04-08", "completed", "PT")], (7, 3)),
    "f": ((10, 7), (10, 9), [(f"04-0{d}", "completed", "PT") for d in range(2, 7)], (3, 6)),
}


def test_5_remaining_visits(tmp_path):
    """All six cases at once, each on its own patient (legacy PA-<case>, new 44-<case>)."""
    rows = clean()
    base = {"discipline": "PT", "requested_at": "2026-03-01 09:00", "status": "approved",
            "start_date": "2026-03-11", "end_date": "2026-05-30"}
    want = set()
    for n, (case, ((la, lu), (na, nu), visits, expected)) in enumerate(sorted(AUTH_CASES.items())):
        lp, np_ = f"PA-{case}", f"44{n}"
        person = {"first_name": f"CASE{case.upper()}", "last_name": f"PERSON{case.upper()}",
                  "birth_date": f"19{60 + n}-01-0{n + 1}", "phone": f"51255500{n}{n}", "address_line": "1 ELM",
                  "city": "AUSTIN", "state": "TX", "postal_code": "78701"}
        rows["legacy"]["patients"].append({**person, "patient_id": lp})
        rows["new"]["patients"].append({**person, "patient_id": np_, "legacy_id": lp})
        rows["legacy"]["authorizations"].append({**base, "authorization_id": f"AU-{case}", "patient_id": lp,
                                                 "payer_id": "ACME", "visits_authorized": la, "visits_used": lu})
        rows["new"]["authorizations"].append({**base, "authorization_id": f"66{n}", "patient_id": np_,
                                              "payer_id": "42", "visits_authorized": na, "visits_used": nu,
                                              "legacy_id": f"AU-{case}"})
        for i, (day, status, discipline) in enumerate(visits):
            rows["new"]["appointments"].append(new_appointment(f"8{n}{i:02d}", f"2026-{day} 10:00", status,
                                                               discipline, patient=np_))
        if expected:
            want.add(F("authorization_visits_mismatch", "authorizations", "legacy", f"AU-{case}", "visits_remaining",
                       expected[0], expected[1], "blocker"))
    assert len(want) == 4
    assert as_set(check(tmp_path, rows).findings) == want


# ---------------------------------------------------------------- 6. run-off


def run_off_rows():
    rows = clean()
    rows["legacy"]["patients"].append({"patient_id": "PA2", "first_name": "RUTH", "last_name": "IVES",
                                       "birth_date": "1960-01-01", "phone": "5125550199", "address_line": "1 ELM",
                                       "city": "AUSTIN", "state": "TX", "postal_code": "78701"})
    rows["legacy"]["claims"] += [
        claim("CW1", "PA2", "WRK", "300.00", "2026-03-01"),
        claim("CW2", "PA1", "WRK", "150.00", "2026-03-06"),
        claim("CW3", "PA1", "WRK", "80.00", "2026-02-19"),
        claim("CS1", "PA1", "STATE", "120.00", "2026-03-11"),
    ]
    rows["legacy"]["payments"] += [payment("LP1", "CW1", "2026-03-21", "100.00"),
                                   payment("LP3", "CW3", "2026-03-21", "80.00")]
    rows["new"]["claims"] += [claim("7012", "4401", "43", "160.00", "2026-03-06", location="7", legacy_id="CW2"),
                              claim("7013", "4401", "43", "80.00", "2026-02-19", location="7", legacy_id="CW3")]
    rows["new"]["payments"].append(payment("NP3", "7013", "2026-03-21", "80.00"))
    return rows


def test_6_run_off_workers_comp(tmp_path):
    result = check(tmp_path, run_off_rows(), run_off=("workers_comp",))
    assert as_set(result.findings) == {
        F("run_off_claim_in_new", "claims", "legacy", "CW2", None, 150.0, 160.0, "blocker"),
        F("missing_in_new", "claims", "legacy", "CS1", severity="blocker"),
    }
    assert result.summary["run_off_ar"] == {"workers_comp": {"amount": 350.0, "claims": 2}}


def test_6_without_run_off(tmp_path):
    result = check(tmp_path, run_off_rows())
    assert as_set(result.findings) == {
        F("missing_in_new", "patients", "legacy", "PA2", severity="blocker"),
        F("missing_in_new", "claims", "legacy", "CW1", severity="blocker"),
        F("missing_in_new", "claims", "legacy", "CS1", severity="blocker"),
        F("field_mismatch", "claims", "legacy", "CW2", "total_charge", 150.0, 160.0),
        F("ar_balance_mismatch", "claims", "legacy", "CW2", "balance", 150.0, 160.0, "blocker"),
    }
    assert result.summary["run_off_ar"] == {}


def test_6_star_runs_off_every_class(tmp_path):
    found = ids(check(tmp_path, run_off_rows(), run_off=("*",)).findings)
    assert found == {("run_off_claim_in_new", "claims", "legacy", "CW2", None, "blocker")}


# ---------------------------------------------------------------- 7. duplicates and key order


def test_7_duplicate_patients_and_key_order(tmp_path):
    rows = clean()
    for key, first, birth, phone in [("98", "OWEN", "1949-12-01", "5125550101"),
                                     ("102", " owen ", "1949-12-01", "5125550102"),
                                     ("103", "OWEN", "1949-12-02", "5125550101"),
                                     ("104", "OTTO", "1949-12-01", "5125550104"),
                                     ("PA9", "NELL", "1950-05-05", "512-555-0170"),
                                     ("PA10", "NELLIE", "1950-05-05", "5125550170"),
                                     ("PA11", "NORA", "1950-05-05", None)]:
        rows["legacy"]["patients"].append({"patient_id": key, "first_name": first,
                                           "last_name": "Brandt" if key == "102" else "BRANDT",
                                           "birth_date": birth, "phone": phone})
    rows["new"]["patients"].append(new_patient("12000", "Junie", "Hale", birth="1985-07-09", phone="(512) 555-0148"))
    assert as_set(check(tmp_path, rows).findings) == {
        F("duplicate_patient", "patients", "legacy", "98|102"),
        F("duplicate_patient", "patients", "legacy", "PA10|PA9"),
        F("duplicate_patient", "patients", "new", "4401|12000"),
    }


# ---------------------------------------------------------------- record quality


def test_incomplete_record_reports_the_first_missing_field(tmp_path):
    rows = clean()
    p = row(rows, "legacy", "patients", "patient_id", "PA1")
    p.update(phone=None, email=" ", city=None)
    row(rows, "legacy", "coverages", "coverage_id", "CV1")["member_id"] = ""
    found = ids(check(tmp_path, rows).findings)
    assert ("incomplete_record", "patients", "legacy", "PA1", "phone", "warning") in found
    assert ("incomplete_record", "coverages", "legacy", "CV1", "member_id", "warning") in found
    assert len([f for f in found if f[0] == "incomplete_record"]) == 2


OUTDATED_CASES = [  # change to the patient's coverage -> (field, legacy) or None
    ({"end_date": "2026-03-31"}, ("end_date", "2026-03-31")),
    ({"verified_at": None}, ("verified_at", None)),
    ({"verified_at": "2025-03-31 10:00"}, ("verified_at", "2025-03-31")),  # 366 days before go-live
    ({"verified_at": "2025-04-01 10:00"}, None),  # exactly 365 days: not outdated
    ({"priority": 2}, ("coverage", None)),
    ({"end_date": "2026-04-01", "verified_at": "2026-03-01 08:00"}, None),
]


def test_outdated_coverage(tmp_path):
    """One patient per case (PO<n>), each seen since go-live - 90 days, with one coverage."""
    rows = clean()
    want = set()
    for n, (change, expected) in enumerate(OUTDATED_CASES):
        patient = {**rows["legacy"]["patients"][0], "patient_id": f"PO{n}", "first_name": f"P{n}",
                   "birth_date": f"19{50 + n}-02-02"}
        rows["legacy"]["patients"].append(patient)
        rows["legacy"]["coverages"].append({**rows["legacy"]["coverages"][0], "coverage_id": f"CO{n}",
                                            "patient_id": f"PO{n}", **change})
        rows["legacy"]["appointments"].append({**legacy_appointment(f"APO{n}", "2026-01-01 08:00"),
                                               "patient_id": f"PO{n}"})
        if expected:
            want.add(F("outdated_coverage", "coverages", "legacy", f"PO{n}", expected[0], expected[1]))
    found = [f for f in check(tmp_path, rows).findings if f["check"] == "outdated_coverage"]
    assert as_set(found) == want


def test_latest_primary_coverage_tie_goes_to_the_higher_key(tmp_path):
    rows = clean()
    rows["legacy"]["coverages"].append({"coverage_id": "CV2", "patient_id": "PA1", "payer_id": "ACME",
                                        "member_id": "AC-1", "priority": 1, "start_date": "2025-01-01",
                                        "end_date": "2026-01-01", "verified_at": "2026-02-02 10:00"})
    found = ids(check(tmp_path, rows).findings)
    assert ("outdated_coverage", "coverages", "legacy", "PA1", "end_date", "warning") in found
