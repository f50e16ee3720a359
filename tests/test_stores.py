"""The two stores: init is idempotent, the warehouse has the contract's 16 tables and types, and the
SQLite app DB takes concurrent read-then-write transactions without "database is locked"."""

from __future__ import annotations

import threading

import duckdb
from sqlalchemy import select, text

from config.settings import duckdb_path, load_settings
from jobs.setup import init_stores
from tests.conftest import write_config
from tracker.db import get_engine, session_scope

# ARCHITECTURE.md "Canonical tables (contract)", copied by hand (required marks dropped).
CONTRACT = {
    "locations": "location_id name state",
    "providers": "provider_id name discipline credential location_id npi active",
    "payers": "payer_id name payer_class era_enrolled",
    "patients": "patient_id first_name last_name birth_date sex phone email address_line city state postal_code "
                "created_at",
    "coverages": "coverage_id patient_id payer_id member_id priority start_date end_date verified_at",
    "referrals": "referral_id patient_id received_at discipline referral_source",
    "authorizations": "authorization_id patient_id payer_id discipline requested_at decided_at status "
                      "visits_authorized visits_used start_date end_date",
    "provider_schedule": "provider_id location_id work_date available_minutes",
    "appointments": "appointment_id patient_id provider_id location_id discipline scheduled_start duration_minutes "
                    "appointment_type status created_at cancelled_at",
    "notes": "note_id patient_id provider_id appointment_id note_type visit_date created_at signed_at "
             "documentation_seconds requires_cosign cosigned_at",
    "claims": "claim_id patient_id payer_id location_id rendering_provider_id service_date_from service_date_to "
              "created_at first_submitted_at total_charge first_pass_accepted edited_before_submission",
    "claim_lines": "claim_line_id claim_id appointment_id service_date cpt_code modifiers units charge_amount",
    "remits": "remit_id claim_id payer_id received_date claim_status_code charge_amount paid_amount "
              "patient_responsibility via_era",
    "payments": "payment_id claim_id payer_id payment_date amount method",
    "adjustments": "adjustment_id claim_id claim_line_id remit_id adjustment_date group_code reason_code "
                   "remark_code amount",
    "fee_schedule": "payer_id cpt_code effective_date allowed_amount",
}
DATES = {"birth_date", "visit_date", "work_date", "service_date", "service_date_from", "service_date_to",
         "start_date", "end_date", "effective_date", "received_date", "payment_date", "adjustment_date"}
MONEY = {"total_charge", "charge_amount", "paid_amount", "patient_responsibility", "amount", "allowed_amount"}
INTS = {"units", "duration_minutes", "available_minutes", "documentation_seconds", "visits_authorized",
        "visits_used", "priority"}
BOOLS = {"active", "era_enrolled", "requires_cosign", "first_pass_accepted", "edited_before_submission",
         "via_era"}


def _contract_type(column: str) -> str:
    if column.endswith("_at") or column == "scheduled_start":
        return "TIMESTAMP"
    if column in DATES:
        return "DATE"
    if column in MONEY:
        return "DECIMAL(18,2)"
    if column in INTS:
        return "BIGINT"
    if column in BOOLS:
        return "BOOLEAN"
    return "VARCHAR"


def test_init_is_idempotent_and_builds_both_stores(tmp_path):
    settings = load_settings(write_config(tmp_path))
    init_stores(settings)
    with session_scope(settings.database_url) as s:
        s.execute(text("INSERT INTO audit_events (ts, action) VALUES (CURRENT_TIMESTAMP, 'marker')"))
    init_stores(settings)  # again: upgrades nothing, keeps data
    with session_scope(settings.database_url) as s:
        assert s.execute(text("SELECT count(*) FROM audit_events WHERE action='marker'")).scalar() == 1
        assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0006"


def test_warehouse_has_the_contract_tables_and_types(tmp_settings):
    con = duckdb.connect(str(duckdb_path(tmp_settings.warehouse_url)), read_only=True)
    try:
        rows = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                           "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position").fetchall()
    finally:
        con.close()
    actual: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        actual.setdefault(table, {})[column] = kind
    assert sorted(actual) == sorted(CONTRACT)
    assert len(actual) == 16
    for table, columns in CONTRACT.items():
        expected = {c: _contract_type(c) for c in columns.split()}
        expected["source_system"] = "VARCHAR"
        if table not in ("provider_schedule", "fee_schedule"):
            expected["legacy_id"] = "VARCHAR"
        assert actual[table] == expected, table


def test_sqlite_read_then_write_transactions_do_not_lock(tmp_settings):
    """Eight threads each read a counter and write it back 25 times; all 200 increments land."""
    url = tmp_settings.database_url
    with session_scope(url) as s:
        s.execute(text("INSERT INTO audit_events (ts, action, note) VALUES (CURRENT_TIMESTAMP, 'counter', '0')"))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(25):
                with session_scope(url) as s:
                    value = int(s.execute(text("SELECT note FROM audit_events WHERE action='counter'")).scalar())
                    s.execute(text("UPDATE audit_events SET note = :v WHERE action='counter'"), {"v": str(value + 1)})
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_scope(url) as s:
        assert s.execute(text("SELECT note FROM audit_events WHERE action='counter'")).scalar() == "200"


def test_sqlite_is_tuned(tmp_settings):
    with get_engine(tmp_settings.database_url).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    with session_scope(tmp_settings.database_url) as s:
        assert s.execute(select(1)).scalar() == 1
