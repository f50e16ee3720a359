"""The clean two-system practice of MIGRATION_EXAMPLES.md, as editable rows, and a runner.

Tests copy ``clean()``, change or add rows, and call ``check(tmp_path, rows)`` which builds a real
DuckDB warehouse with warehouse.store.build_warehouse and runs every migration check on it.
"""

from __future__ import annotations

import copy
import datetime as dt

import pandas as pd

GO_LIVE = dt.date(2026, 4, 1)

_CLEAN = {
    "legacy": {
        "locations": [{"location_id": "L1", "name": "Riverside", "state": "TX"}],
        "providers": [{"provider_id": "K1", "name": "Alex Morrow", "discipline": "PT", "credential": "PT",
                       "location_id": "L1", "npi": "1234500001", "active": True}],
        "payers": [{"payer_id": "ACME", "name": "Acme Health", "payer_class": "commercial"},
                   {"payer_id": "WRK", "name": "WorkSafe Mutual", "payer_class": "workers_comp"},
                   {"payer_id": "STATE", "name": "State Medicaid Plan", "payer_class": "medicaid"}],
        "patients": [{"patient_id": "PA1", "first_name": "JUNE", "last_name": "HALE", "birth_date": "1985-07-09",
                      "sex": "F", "phone": "5125550148", "email": "june@example.com", "address_line": "12 OAK AVE",
                      "city": "AUSTIN", "state": "TX", "postal_code": "78701"}],
        "coverages": [{"coverage_id": "CV1", "patient_id": "PA1", "payer_id": "ACME", "member_id": "AC-7731",
                       "priority": 1, "start_date": "2025-01-01", "end_date": None,
                       "verified_at": "2026-02-02 10:00"}],
        "appointments": [{"appointment_id": "AP0", "patient_id": "PA1", "provider_id": "K1", "location_id": "L1",
                          "discipline": "PT", "scheduled_start": "2026-03-21 09:00", "duration_minutes": 45,
                          "appointment_type": "follow_up", "status": "completed"}],
        "authorizations": [], "claims": [], "payments": [], "adjustments": [],
    },
    "new": {
        "locations": [{"location_id": "7", "name": "Riverside", "state": "TX", "legacy_id": "L1"}],
        "providers": [{"provider_id": "301", "name": "Alex Morrow", "discipline": "PT", "credential": "PT",
                       "location_id": "7", "npi": "1234500001", "active": True, "legacy_id": "K1"}],
        "payers": [{"payer_id": "42", "name": "Acme Health", "payer_class": "commercial", "legacy_id": "ACME"},
                   {"payer_id": "43", "name": "WorkSafe Mutual", "payer_class": "workers_comp", "legacy_id": "WRK"},
                   {"payer_id": "44", "name": "State Medicaid Plan", "payer_class": "medicaid",
                    "legacy_id": "STATE"}],
        "patients": [{"patient_id": "4401", "first_name": "June", "last_name": "Hale", "birth_date": "1985-07-09",
                      "sex": "F", "phone": "512-555-0148", "email": "june@example.com", "address_line": "12 OAK AVE",
                      "city": "AUSTIN", "state": "TX", "postal_code": "78701", "legacy_id": "PA1"}],
        "coverages": [{"coverage_id": "5501", "patient_id": "4401", "payer_id": "42", "member_id": "AC-7731",
                       "priority": 1, "start_date": "2025-01-01", "end_date": None,
                       "verified_at": "2026-02-02 10:00", "legacy_id": "CV1"}],
        "appointments": [{"appointment_id": "8000", "patient_id": "4401", "provider_id": "301", "location_id": "7",
                          "discipline": "PT", "scheduled_start": "2026-03-21 09:00", "duration_minutes": 45,
                          "appointment_type": "follow_up", "status": "completed", "legacy_id": "AP0"}],
        "authorizations": [], "claims": [], "payments": [], "adjustments": [],
    },
}


def clean() -> dict:
    return copy.deepcopy(_CLEAN)


def row(rows: dict, source: str, table: str, key_col: str, key: str) -> dict:
    """The row of ``table`` in ``source`` whose ``key_col`` is ``key`` (to edit in place)."""
    return next(r for r in rows[source][table] if r[key_col] == key)


def new_appointment(key: str, when: str, status: str = "completed", discipline: str = "PT",
                    patient: str = "4401") -> dict:
    return {"appointment_id": key, "patient_id": patient, "provider_id": "301", "location_id": "7",
            "discipline": discipline, "scheduled_start": when, "duration_minutes": 45,
            "appointment_type": "follow_up", "status": status}


def legacy_appointment(key: str, when: str, status: str = "completed") -> dict:
    return {"appointment_id": key, "patient_id": "PA1", "provider_id": "K1", "location_id": "L1",
            "discipline": "PT", "scheduled_start": when, "duration_minutes": 45,
            "appointment_type": "follow_up", "status": status}


def claim(key: str, patient: str, payer: str, total: str, service: str, created: str | None = None,
          location: str = "L1", legacy_id: str | None = None) -> dict:
    out = {"claim_id": key, "patient_id": patient, "payer_id": payer, "location_id": location,
           "service_date_from": service, "created_at": created or service, "total_charge": total}
    if legacy_id is not None:
        out["legacy_id"] = legacy_id
    return out


def payment(key: str, claim_id: str, day: str, amount: str) -> dict:
    return {"payment_id": key, "claim_id": claim_id, "payment_date": day, "amount": amount}


def adjustment(key: str, claim_id: str, day: str, amount: str, group: str) -> dict:
    return {"adjustment_id": key, "claim_id": claim_id, "adjustment_date": day, "group_code": group,
            "reason_code": "45" if group == "CO" else "1", "amount": amount}


def frames(rows: dict) -> dict:
    return {source: {table: pd.DataFrame(rs) for table, rs in tables.items() if rs}
            for source, tables in rows.items()}


def build(path, rows: dict):
    from warehouse.store import build_warehouse

    con = build_warehouse(f"duckdb:///{path}", frames(rows))
    return con


def check(tmp_path, rows: dict, run_off: tuple[str, ...] = (), name: str = "wh.duckdb"):
    """Every check over a hand-built warehouse; returns the CheckResult."""
    from migration.checks import run_check
    from migration.scope import Params

    con = build(tmp_path / name, rows)
    try:
        return run_check(con, Params(GO_LIVE, "legacy", "new", tuple(run_off)))
    finally:
        con.disconnect()


def as_set(findings: list[dict]) -> set[tuple]:
    return {(f["check"], f["table"], f["system"], f["key"], f["field"], f["legacy"], f["new"], f["severity"])
            for f in findings}


def ids(findings: list[dict]) -> set[tuple]:
    return {(f["check"], f["table"], f["system"], f["key"], f["field"], f["severity"]) for f in findings}
