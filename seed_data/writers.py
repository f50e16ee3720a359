"""Write the two PMS databases in their vendors' own layouts.

The legacy PMS ("TheraOffice Classic" style): ``tbl`` tables with upper-case abbreviated columns,
one- and two-letter codes, money as integer cents (or text on remits), dates as ``MM/DD/YYYY`` text,
times as separate text, booleans as ``Y``/``N``. The new PMS: snake_case tables of its own vocabulary
(clients, bookings, billing_claims...), its own code words, money as REAL, ISO timestamps, integer
booleans and a ``legacy_ref`` crosswalk column on migrated records.

Both are written deterministically: rows sorted by key, no clock, no WAL, a fixed page size, to a
temporary file that replaces the target at the end.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------- value encoders


def _nulls(values: np.ndarray, mask: np.ndarray) -> list:
    out = values.astype(object)
    out[mask] = None
    return out.tolist()


def iso_date(s: pd.Series) -> list:
    v = pd.to_datetime(s).to_numpy().astype("datetime64[D]")
    return _nulls(np.datetime_as_string(v, unit="D"), np.isnat(v))


def us_date(s: pd.Series) -> list:
    v = pd.to_datetime(s).to_numpy().astype("datetime64[D]")
    iso = np.datetime_as_string(v, unit="D")
    uniq, inv = np.unique(iso, return_inverse=True)
    conv = np.array([f"{x[5:7]}/{x[8:10]}/{x[0:4]}" if x != "NaT" else None for x in uniq], dtype=object)
    return conv[inv].tolist()


def iso_ts(s: pd.Series, sep: str = "T") -> list:
    v = pd.to_datetime(s).to_numpy().astype("datetime64[s]")
    text = np.datetime_as_string(v, unit="s")
    if sep != "T":
        text = np.char.replace(text, "T", sep)
    return _nulls(text, np.isnat(v))


def legacy_ts(s: pd.Series) -> list:
    return iso_ts(s, " ")


def hhmm(s: pd.Series) -> list:
    v = pd.to_datetime(s).to_numpy().astype("datetime64[m]")
    tod = (v - v.astype("datetime64[D]")).astype(np.int64)
    return np.char.add(np.char.add(np.char.zfill((tod // 60).astype(str), 2), ":"),
                       np.char.zfill((tod % 60).astype(str), 2)).astype(object).tolist()


def _objects(values, mask) -> list:
    out = np.asarray(values).astype(object)
    out[np.asarray(mask)] = None
    return out.tolist()


def _numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    v = pd.to_numeric(pd.Series(s).astype(object).where(pd.Series(s).notna(), np.nan), errors="raise")
    v = v.to_numpy(dtype=float, na_value=np.nan)
    return v, np.isnan(v)


def integer(s: pd.Series) -> list:
    v, na = _numbers(s)
    return _objects(np.where(na, 0, v).astype(np.int64), na)


cents = integer


def money_text(s: pd.Series) -> list:
    v, na = _numbers(s)
    c = np.where(na, 0, v).astype(np.int64)
    sign = np.where(c < 0, "-", "")
    a = np.abs(c)
    txt = np.char.add(np.char.add(np.char.add(sign, (a // 100).astype(str)), "."),
                      np.char.zfill((a % 100).astype(str), 2))
    return _objects(txt, na)


def money_real(s: pd.Series) -> list:
    v, na = _numbers(s)
    return _objects(np.round(np.where(na, 0, v) / 100.0, 2), na)


def _bools(s: pd.Series, yes, no) -> list:
    ser = pd.Series(s).astype(object)
    na = ser.isna().to_numpy()
    v = ser.where(~na, False).astype(bool).to_numpy()
    return _objects(np.where(v, yes, no), na)


def yn(s: pd.Series) -> list:
    return _bools(s, "Y", "N")


def one_zero(s: pd.Series) -> list:
    return _bools(s, 1, 0)


def text(s: pd.Series) -> list:
    ser = pd.Series(s).astype(object)
    na = ser.isna().to_numpy()
    return _objects(ser.to_numpy(dtype=object), na) if na.any() else ser.astype(str).to_numpy(dtype=object).tolist()


def coded(mapping: dict) -> Callable[[pd.Series], list]:
    def enc(s: pd.Series) -> list:
        ser = pd.Series(s).astype(object)
        na = ser.isna().to_numpy()
        mapped = ser.map(mapping)
        bad = mapped.isna().to_numpy() & ~na
        if bad.any():
            raise ValueError(f"no code for {sorted(set(ser[bad].astype(str)))[:5]}")
        return _objects(mapped.to_numpy(dtype=object), na)
    return enc


def const(value) -> Callable[[pd.Series], list]:
    return lambda s: [value] * len(s)


# ---------------------------------------------------------------------- table layouts
# (physical table, key columns for ordering, [(physical column, SQL type, canonical column, encoder)])

L_DISC = {"PT": "P", "OT": "O", "SLP": "S"}
L_CRED = {"PT": "DPT", "PTA": "PTA", "OT": "OTR/L", "COTA": "COTA/L", "SLP": "CCC-SLP", "SLPA": "SLPA"}
L_CLASS = {"medicare": "MB", "medicare_advantage": "MA", "medicaid": "MD", "commercial": "CM",
           "workers_comp": "WC", "auto": "AU", "self_pay": "SP", "other": "OT"}
L_AUTH = {"pending": "P", "approved": "A", "denied": "D", "cancelled": "X"}
L_APPT_TYPE = {"initial_eval": "EV", "follow_up": "TX", "re_eval": "RE", "progress": "PN", "discharge": "DC"}
L_APPT_STATUS = {"completed": "A", "no_show": "N", "cancelled": "C", "late_cancel": "L", "scheduled": "S"}
L_NOTE = {"evaluation": "IE", "daily": "DN", "progress": "PN", "re_evaluation": "RE", "discharge": "DC"}
L_PRIORITY = {1: "P", 2: "S", 3: "T"}
L_METHOD = {"era": "E", "paper": "K", "card": "C", "cash": "H", "other": "O"}

N_DISC = {"PT": "physical_therapy", "OT": "occupational_therapy", "SLP": "speech_language_pathology"}
N_LINE = {"PT": "pt", "OT": "ot", "SLP": "slp"}
N_CRED = {"PT": "pt", "PTA": "pta", "OT": "ot", "COTA": "cota", "SLP": "slp", "SLPA": "slpa"}
N_CLASS = {"medicare": "medicare_part_b", "medicare_advantage": "medicare_advantage", "medicaid": "medicaid",
           "commercial": "commercial", "workers_comp": "workers_compensation", "auto": "auto_pi",
           "self_pay": "self_pay", "other": "government_other"}
N_AUTH = {"pending": "submitted", "approved": "approved", "denied": "rejected", "cancelled": "withdrawn"}
N_APPT_TYPE = {"initial_eval": "evaluation", "follow_up": "treatment", "re_eval": "reevaluation",
               "progress": "progress_visit", "discharge": "discharge_visit"}
N_APPT_STATUS = {"completed": "arrived", "no_show": "noshow", "cancelled": "canceled", "late_cancel": "late_canceled",
                 "scheduled": "booked"}
N_NOTE = {"evaluation": "initial_evaluation", "daily": "treatment_note", "progress": "progress_report",
          "re_evaluation": "reevaluation", "discharge": "discharge_summary"}
N_SEX = {"F": "female", "M": "male", "U": "unknown"}
N_METHOD = {"era": "era", "paper": "check", "card": "card", "cash": "cash", "other": "other"}

T, I, R = "TEXT", "INTEGER", "REAL"  # noqa: E741
CHUNK_ROWS = 200_000

LEGACY_LAYOUT = {
    "locations": ("tblClinic", ["ClinicID"], [
        ("ClinicID", T, "location_id", text), ("ClinicName", T, "name", text), ("ST", T, "state", text)]),
    "providers": ("tblStaff", ["StaffID"], [
        ("StaffID", I, "provider_id", integer), ("LName", T, "_last", text), ("FName", T, "_first", text),
        ("Cred", T, "_cred_code", text), ("DiscCd", T, "discipline", coded(L_DISC)),
        ("HomeClinic", T, "location_id", text), ("NPI", T, "npi", text), ("ActiveYN", T, "active", yn)]),
    "payers": ("tblIns", ["InsCode"], [
        ("InsCode", T, "payer_id", text), ("InsName", T, "name", text), ("FinClass", T, "payer_class", coded(L_CLASS)),
        ("ERAYN", T, "era_enrolled", yn)]),
    "patients": ("tblPat", ["PatID"], [
        ("PatID", I, "patient_id", integer), ("LName", T, "last_name", text), ("FName", T, "first_name", text),
        ("DOB", T, "birth_date", us_date), ("Sex", T, "sex", text), ("HomePh", T, "_home_phone", text),
        ("CellPh", T, "_cell_phone", text), ("EMail", T, "email", text), ("Addr1", T, "_addr1", text),
        ("Addr2", T, "_addr2", text), ("City", T, "city", text), ("ST", T, "state", text),
        ("Zip", T, "postal_code", text), ("EnteredOn", T, "created_at", legacy_ts)]),
    "coverages": ("tblPatIns", ["PatInsID"], [
        ("PatInsID", I, "coverage_id", integer), ("PatID", I, "patient_id", integer), ("InsCode", T, "payer_id", text),
        ("PolicyNo", T, "member_id", text), ("SeqCd", T, "priority", coded(L_PRIORITY)),
        ("EffDt", T, "start_date", us_date), ("TermDt", T, "end_date", us_date),
        ("VerifiedOn", T, "verified_at", legacy_ts)]),
    "referrals": ("tblRefIn", ["RefID"], [
        ("RefID", I, "referral_id", integer), ("PatID", I, "patient_id", integer), ("RecvOn", T, "received_at", legacy_ts),
        ("DiscCd", T, "discipline", coded(L_DISC)), ("RefSource", T, "referral_source", text)]),
    "authorizations": ("tblAuth", ["AuthID"], [
        ("AuthID", I, "authorization_id", integer), ("PatID", I, "patient_id", integer), ("InsCode", T, "payer_id", text),
        ("DiscCd", T, "discipline", coded(L_DISC)), ("ReqOn", T, "requested_at", legacy_ts),
        ("DecOn", T, "decided_at", legacy_ts), ("AuthStat", T, "status", coded(L_AUTH)),
        ("VisitsAuth", I, "visits_authorized", integer), ("VisitsUsed", I, "visits_used", integer),
        ("FromDt", T, "start_date", us_date), ("ThruDt", T, "end_date", us_date)]),
    "provider_schedule": ("tblSched", ["StaffID", "ClinicID", "WorkDt"], [
        ("StaffID", I, "provider_id", integer), ("ClinicID", T, "location_id", text),
        ("WorkDt", T, "work_date", us_date), ("AvailMin", I, "available_minutes", integer)]),
    "appointments": ("tblAppt", ["ApptID"], [
        ("ApptID", I, "appointment_id", integer), ("PatID", I, "patient_id", integer), ("StaffID", I, "provider_id", integer),
        ("ClinicID", T, "location_id", text), ("DiscCd", T, "discipline", coded(L_DISC)),
        ("ApptDt", T, "scheduled_start", us_date), ("ApptTm", T, "scheduled_start", hhmm),
        ("Minutes", I, "duration_minutes", integer), ("ApptType", T, "appointment_type", coded(L_APPT_TYPE)),
        ("StatusCd", T, "status", coded(L_APPT_STATUS)), ("CreatedOn", T, "created_at", legacy_ts),
        ("CxlOn", T, "cancelled_at", legacy_ts)]),
    "notes": ("tblVisitNote", ["NoteID"], [
        ("NoteID", I, "note_id", integer), ("PatID", I, "patient_id", integer), ("StaffID", I, "provider_id", integer),
        ("ApptID", I, "appointment_id", integer), ("NoteTyp", T, "note_type", coded(L_NOTE)),
        ("DOS", T, "visit_date", us_date), ("CreatedOn", T, "created_at", legacy_ts), ("SignedOn", T, "signed_at", legacy_ts),
        ("DocSecs", I, "documentation_seconds", integer), ("CosignYN", T, "requires_cosign", yn),
        ("CosignOn", T, "cosigned_at", legacy_ts)]),
    "claims": ("tblClaim", ["ClaimNo"], [
        ("ClaimNo", I, "claim_id", integer), ("PatID", I, "patient_id", integer), ("InsCode", T, "payer_id", text),
        ("ClinicID", T, "location_id", text), ("RendStaffID", I, "rendering_provider_id", integer),
        ("FromDOS", T, "service_date_from", us_date), ("ThruDOS", T, "service_date_to", us_date),
        ("CreatedOn", T, "created_at", legacy_ts), ("BilledOn", T, "first_submitted_at", legacy_ts),
        ("TotChgCents", I, "total_charge", cents), ("ScrubEdit", T, "edited_before_submission", yn),
        ("FirstPass", T, "first_pass_accepted", coded({True: "A", False: "R"}))]),
    "claim_lines": ("tblClaimLn", ["LineID"], [
        ("LineID", I, "claim_line_id", integer), ("ClaimNo", I, "claim_id", integer), ("LnNo", I, "_line_no", integer),
        ("ApptID", I, "appointment_id", integer), ("DOS", T, "service_date", us_date), ("CPT", T, "cpt_code", text),
        ("Mod1", T, "_mod1", text), ("Mod2", T, "_mod2", text), ("Units", I, "units", integer),
        ("ChgCents", I, "charge_amount", cents)]),
    "remits": ("tblRemit", ["RemitID"], [
        ("RemitID", I, "remit_id", integer), ("ClaimNo", I, "claim_id", integer), ("InsCode", T, "payer_id", text),
        ("RecvDt", T, "received_date", iso_date), ("CLPStat", T, "claim_status_code", text),
        ("ChgAmt", T, "charge_amount", money_text), ("PdAmt", T, "paid_amount", money_text),
        ("PtResp", T, "patient_responsibility", money_text), ("ERAYN", T, "via_era", yn)]),
    "payments": ("tblPmt", ["PmtID"], [
        ("PmtID", I, "payment_id", integer), ("ClaimNo", I, "claim_id", integer), ("InsCode", T, "payer_id", text),
        ("PmtDt", T, "payment_date", iso_date), ("AmtCents", I, "amount", cents), ("PmtType", T, "method", coded(L_METHOD))]),
    "adjustments": ("tblAdj", ["AdjID"], [
        ("AdjID", I, "adjustment_id", integer), ("ClaimNo", I, "claim_id", integer), ("LineID", I, "claim_line_id", integer),
        ("RemitID", I, "remit_id", integer), ("AdjDt", T, "adjustment_date", iso_date), ("GrpCd", T, "group_code", text),
        ("CARC", T, "reason_code", text), ("RARC", T, "remark_code", text), ("AmtCents", I, "amount", cents)]),
    "fee_schedule": ("tblFeeSch", ["InsCode", "CPT", "EffDt"], [
        ("InsCode", T, "payer_id", text), ("CPT", T, "cpt_code", text), ("EffDt", T, "effective_date", us_date),
        ("AllowedCents", I, "allowed_amount", cents)]),
}

NEW_LAYOUT = {
    "locations": ("clinics", ["id"], [
        ("id", I, "location_id", integer), ("name", T, "name", text), ("state_code", T, "state", text),
        ("time_zone", T, "_tz", text), ("legacy_ref", T, "legacy_id", text)]),
    "providers": ("staff_members", ["id"], [
        ("id", I, "provider_id", integer), ("first_name", T, "first", text), ("last_name", T, "last", text),
        ("discipline", T, "discipline", coded(N_DISC)), ("license_type", T, "credential", coded(N_CRED)),
        ("home_clinic_id", I, "location_id", integer), ("npi", T, "npi", text), ("is_active", I, "active", one_zero),
        ("legacy_ref", T, "legacy_id", text)]),
    "payers": ("insurance_carriers", ["id"], [
        ("id", I, "payer_id", integer), ("display_name", T, "name", text), ("category", T, "payer_class", coded(N_CLASS)),
        ("era_enabled", I, "era_enrolled", one_zero), ("legacy_ref", T, "legacy_id", text)]),
    "patients": ("clients", ["id"], [
        ("id", I, "patient_id", integer), ("given_name", T, "first_name", text), ("family_name", T, "last_name", text),
        ("date_of_birth", T, "birth_date", iso_date), ("gender", T, "sex", coded(N_SEX)),
        ("mobile_phone", T, "phone", text), ("email_address", T, "email", text), ("street", T, "address_line", text),
        ("city", T, "city", text), ("region", T, "state", text), ("zip", T, "postal_code", text),
        ("created_ts", T, "created_at", iso_ts), ("legacy_ref", T, "legacy_id", text)]),
    "coverages": ("client_policies", ["id"], [
        ("id", I, "coverage_id", integer), ("client_id", I, "patient_id", integer), ("carrier_id", I, "payer_id", integer),
        ("subscriber_number", T, "member_id", text), ("rank", I, "priority", integer),
        ("effective_on", T, "start_date", iso_date), ("terminates_on", T, "end_date", iso_date),
        ("eligibility_checked_ts", T, "verified_at", iso_ts), ("legacy_ref", T, "legacy_id", text)]),
    "referrals": ("intake_referrals", ["id"], [
        ("id", I, "referral_id", integer), ("client_id", I, "patient_id", integer), ("received_ts", T, "received_at", iso_ts),
        ("service_line", T, "discipline", coded(N_LINE)), ("referring_party", T, "referral_source", text),
        ("legacy_ref", T, "legacy_id", text)]),
    "authorizations": ("prior_auths", ["id"], [
        ("id", I, "authorization_id", integer), ("client_id", I, "patient_id", integer), ("carrier_id", I, "payer_id", integer),
        ("service_line", T, "discipline", coded(N_LINE)), ("submitted_ts", T, "requested_at", iso_ts),
        ("determination_ts", T, "decided_at", iso_ts), ("state", T, "status", coded(N_AUTH)),
        ("approved_visits", I, "visits_authorized", integer), ("consumed_visits", I, "visits_used", integer),
        ("valid_from", T, "start_date", iso_date), ("valid_to", T, "end_date", iso_date),
        ("legacy_ref", T, "legacy_id", text)]),
    "provider_schedule": ("staff_availability", ["staff_id", "clinic_id", "day"], [
        ("staff_id", I, "provider_id", integer), ("clinic_id", I, "location_id", integer), ("day", T, "work_date", iso_date),
        ("open_minutes", I, "available_minutes", integer)]),
    "appointments": ("bookings", ["id"], [
        ("id", I, "appointment_id", integer), ("client_id", I, "patient_id", integer), ("staff_id", I, "provider_id", integer),
        ("clinic_id", I, "location_id", integer), ("service_line", T, "discipline", coded(N_LINE)),
        ("starts_at", T, "scheduled_start", iso_ts), ("length_min", I, "duration_minutes", integer),
        ("visit_kind", T, "appointment_type", coded(N_APPT_TYPE)), ("state", T, "status", coded(N_APPT_STATUS)),
        ("created_ts", T, "created_at", iso_ts), ("canceled_ts", T, "cancelled_at", iso_ts),
        ("legacy_ref", T, "legacy_id", text)]),
    "notes": ("clinical_documents", ["id"], [
        ("id", I, "note_id", integer), ("client_id", I, "patient_id", integer), ("author_id", I, "provider_id", integer),
        ("booking_id", I, "appointment_id", integer), ("doc_kind", T, "note_type", coded(N_NOTE)),
        ("service_date", T, "visit_date", iso_date), ("created_ts", T, "created_at", iso_ts),
        ("finalized_ts", T, "signed_at", iso_ts), ("active_seconds", I, "documentation_seconds", integer),
        ("needs_cosign", I, "requires_cosign", one_zero), ("cosigned_ts", T, "cosigned_at", iso_ts),
        ("legacy_ref", T, "legacy_id", text)]),
    "claims": ("billing_claims", ["id"], [
        ("id", I, "claim_id", integer), ("client_id", I, "patient_id", integer), ("carrier_id", I, "payer_id", integer),
        ("clinic_id", I, "location_id", integer), ("rendering_staff_id", I, "rendering_provider_id", integer),
        ("dos_start", T, "service_date_from", iso_date), ("dos_end", T, "service_date_to", iso_date),
        ("created_ts", T, "created_at", iso_ts), ("submitted_ts", T, "first_submitted_at", iso_ts),
        ("total_billed", R, "total_charge", money_real),
        ("scrub_result", T, "edited_before_submission", coded({True: "edited", False: "clean"})),
        ("first_pass_status", T, "first_pass_accepted", coded({True: "accepted", False: "rejected"})),
        ("legacy_ref", T, "legacy_id", text)]),
    "claim_lines": ("billing_claim_items", ["id"], [
        ("id", I, "claim_line_id", integer), ("claim_id", I, "claim_id", integer), ("booking_id", I, "appointment_id", integer),
        ("dos", T, "service_date", iso_date), ("procedure_code", T, "cpt_code", text),
        ("modifier_codes", T, "modifiers", text), ("unit_count", I, "units", integer),
        ("line_amount", R, "charge_amount", money_real), ("legacy_ref", T, "legacy_id", text)]),
    "remits": ("remittance_claims", ["id"], [
        ("id", I, "remit_id", integer), ("claim_id", I, "claim_id", integer), ("carrier_id", I, "payer_id", integer),
        ("received_on", T, "received_date", iso_date), ("status_code", I, "claim_status_code", integer),
        ("billed_amount", R, "charge_amount", money_real), ("paid_amount", R, "paid_amount", money_real),
        ("patient_resp_amount", R, "patient_responsibility", money_real),
        ("source", T, "via_era", coded({True: "era", False: "manual"})), ("legacy_ref", T, "legacy_id", text)]),
    "payments": ("ledger_payments", ["id"], [
        ("id", I, "payment_id", integer), ("claim_id", I, "claim_id", integer), ("carrier_id", I, "payer_id", integer),
        ("posted_on", T, "payment_date", iso_date), ("amount", R, "amount", money_real),
        ("channel", T, "method", coded(N_METHOD)), ("legacy_ref", T, "legacy_id", text)]),
    "adjustments": ("ledger_adjustments", ["id"], [
        ("id", I, "adjustment_id", integer), ("claim_id", I, "claim_id", integer), ("claim_item_id", I, "claim_line_id", integer),
        ("remittance_id", I, "remit_id", integer), ("posted_on", T, "adjustment_date", iso_date),
        ("group_code", T, "group_code", text), ("carc", T, "reason_code", text), ("rarc", T, "remark_code", text),
        ("amount", R, "amount", money_real), ("legacy_ref", T, "legacy_id", text)]),
    "fee_schedule": ("contracted_rates", ["carrier_id", "cpt", "effective_on"], [
        ("carrier_id", I, "payer_id", integer), ("cpt", T, "cpt_code", text), ("effective_on", T, "effective_date", iso_date),
        ("allowed", R, "allowed_amount", money_real)]),
}

NEW_FOREIGN_KEYS = {
    "staff_members": [("home_clinic_id", "clinics")],
    "clients": [],
    "client_policies": [("client_id", "clients"), ("carrier_id", "insurance_carriers")],
    "intake_referrals": [("client_id", "clients")],
    "prior_auths": [("client_id", "clients"), ("carrier_id", "insurance_carriers")],
    "staff_availability": [("staff_id", "staff_members"), ("clinic_id", "clinics")],
    "bookings": [("client_id", "clients"), ("staff_id", "staff_members"), ("clinic_id", "clinics")],
    "clinical_documents": [("client_id", "clients"), ("author_id", "staff_members"), ("booking_id", "bookings")],
    "billing_claims": [("client_id", "clients"), ("carrier_id", "insurance_carriers"), ("clinic_id", "clinics"),
                       ("rendering_staff_id", "staff_members")],
    "billing_claim_items": [("claim_id", "billing_claims"), ("booking_id", "bookings")],
    "remittance_claims": [("claim_id", "billing_claims"), ("carrier_id", "insurance_carriers")],
    "ledger_payments": [("claim_id", "billing_claims"), ("carrier_id", "insurance_carriers")],
    "ledger_adjustments": [("claim_id", "billing_claims"), ("claim_item_id", "billing_claim_items"),
                           ("remittance_id", "remittance_claims")],
    "contracted_rates": [("carrier_id", "insurance_carriers")],
}


def write_database(path: Path, layout: dict, frames: dict[str, pd.DataFrame],
                   foreign_keys: dict | None = None, indexes: dict | None = None) -> dict[str, int]:
    """Write every table of ``layout`` from the canonical frames; returns rows per physical table."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    for p in (tmp, Path(str(tmp) + "-journal")):
        if p.exists():
            p.unlink()
    con = sqlite3.connect(tmp, isolation_level=None)
    counts = {}
    try:
        con.execute("PRAGMA page_size = 4096")
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("BEGIN")
        for canonical, (table, key, cols) in layout.items():
            frame = frames[canonical]
            fks = (foreign_keys or {}).get(table, [])
            single_int_key = len(key) == 1 and cols[0][1] == I and cols[0][0] == key[0]
            defs = []
            for name, sqltype, _, _ in cols:
                d = f'"{name}" {sqltype}'
                if single_int_key and name == key[0] or len(key) == 1 and name == key[0]:
                    d += " PRIMARY KEY"
                defs.append(d)
            if len(key) > 1:
                defs.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in key) + ")")
            for col, ref in fks:
                defs.append(f'FOREIGN KEY ("{col}") REFERENCES "{ref}" ("id")')
            con.execute(f'CREATE TABLE "{table}" (' + ", ".join(defs) + ")")
            frame = _sorted(frame, key, cols)
            placeholders = ", ".join("?" for _ in cols)
            for start in range(0, len(frame), CHUNK_ROWS):  # bounded memory on large practices
                part = frame.iloc[start:start + CHUNK_ROWS]
                data = [enc(part[src]) if src in part.columns else [None] * len(part) for _, _, src, enc in cols]
                con.executemany(f'INSERT INTO "{table}" VALUES ({placeholders})', zip(*data, strict=True))
            counts[table] = len(frame)
            for ix_cols in (indexes or {}).get(table, []):
                name = f"ix_{table}_{'_'.join(ix_cols)}".lower()
                con.execute(f'CREATE INDEX "{name}" ON "{table}" (' + ", ".join(f'"{c}"' for c in ix_cols) + ")")
        con.execute("COMMIT")
    finally:
        con.close()
    os.replace(tmp, path)
    return counts


def _sorted(frame: pd.DataFrame, key: list[str], cols) -> pd.DataFrame:
    """Rows in key order (integer keys as numbers), so the same data always gives the same file."""
    by_name = {name: (sqltype, src) for name, sqltype, src, _ in cols}
    sort_cols = []
    work = pd.DataFrame(index=frame.index)
    for k in key:
        sqltype, src = by_name[k]
        values = frame[src]
        if sqltype == I:
            work[k] = pd.to_numeric(values).astype("int64")
        elif src.endswith("_date") or src == "work_date":
            work[k] = pd.to_datetime(values)
        else:
            work[k] = values.astype(str)
        sort_cols.append(k)
    order = work.sort_values(sort_cols, kind="stable").index
    return frame.loc[order]
