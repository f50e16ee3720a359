"""A synthetic two-system warehouse for the migration benchmark (vectorized; no PMS generator, no sync).

``patients`` legacy patients, each with a primary coverage and two appointments; half of them with an
open claim and a payment, a fifth with an approved authorization; 100 locations, 600 providers, 20
payers. The new system holds twins of everything (legacy_id set, references translated), minus 0.5 %
of the records, with 1 % of first names changed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
GO_LIVE = dt.date(2026, 4, 1)
CONFIG = """[project]
go_live = {go_live}

[app]
database_url = "sqlite:///{folder}/app.db"

[warehouse]
url = "duckdb:///{folder}/warehouse.duckdb"

[[sources]]
name = "legacy"
role = "legacy"
kind = "x12"
url = "{folder}"

[[sources]]
name = "new"
role = "new"
kind = "x12"
url = "{folder}"
"""


def legacy_frames(n: int, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    keys = np.arange(1, n + 1).astype(str)
    first = np.array(["ANA", "BEN", "CARA", "DAN", "EVA", "FIN", "GUS", "HANA"])[rng.integers(0, 8, n)]
    last = np.char.add("NAME", rng.integers(0, 50_000, n).astype(str))
    birth = pd.Timestamp("1940-01-01") + pd.to_timedelta(rng.integers(0, 25_000, n), unit="D")
    out = {
        "locations": pd.DataFrame({"location_id": [f"L{i}" for i in range(100)],
                                   "name": [f"Clinic {i}" for i in range(100)]}),
        "providers": pd.DataFrame({"provider_id": [f"K{i}" for i in range(600)],
                                   "name": [f"Provider {i}" for i in range(600)], "discipline": "PT",
                                   "credential": "PT"}),
        "payers": pd.DataFrame({"payer_id": [f"P{i}" for i in range(20)], "name": [f"Payer {i}" for i in range(20)],
                                "payer_class": "commercial"}),
        "patients": pd.DataFrame({"patient_id": keys, "first_name": first, "last_name": last,
                                  "birth_date": birth.date, "phone": (5_120_000_000 + rng.integers(0, 9_999_999, n))
                                  .astype(str), "address_line": "1 MAIN ST", "city": "AUSTIN", "state": "TX",
                                  "postal_code": "78701"}),
    }
    idx = np.arange(1, n + 1)
    out["coverages"] = pd.DataFrame({"coverage_id": keys, "patient_id": keys,
                                     "payer_id": np.char.add("P", (idx % 20).astype(str)),
                                     "member_id": np.char.add("M", keys), "priority": 1,
                                     "start_date": dt.date(2024, 1, 1),
                                     "verified_at": pd.Timestamp("2026-01-15 09:00")})
    appt = np.arange(1, 2 * n + 1)
    patient = (appt - 1) % n + 1
    start = pd.Timestamp("2025-04-01 08:00") + pd.to_timedelta(rng.integers(0, 420, 2 * n), unit="D")
    out["appointments"] = pd.DataFrame({
        "appointment_id": appt.astype(str), "patient_id": patient.astype(str),
        "provider_id": np.char.add("K", (patient % 600).astype(str)),
        "location_id": np.char.add("L", (patient % 100).astype(str)), "discipline": "PT", "scheduled_start": start,
        "duration_minutes": 45, "appointment_type": "follow_up",
        "status": np.where(start.date >= GO_LIVE, "scheduled", "completed")})
    claims = np.arange(1, n // 2 + 1)
    service = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 89, len(claims)), unit="D")
    out["claims"] = pd.DataFrame({
        "claim_id": claims.astype(str), "patient_id": claims.astype(str),
        "payer_id": np.char.add("P", (claims % 20).astype(str)),
        "location_id": np.char.add("L", (claims % 100).astype(str)), "service_date_from": service.date,
        "created_at": service, "total_charge": "180.00"})
    out["payments"] = pd.DataFrame({"payment_id": claims.astype(str), "claim_id": claims.astype(str),
                                    "payment_date": (service + pd.Timedelta(days=20)).date, "amount": "100.00"})
    auths = np.arange(1, n // 5 + 1)
    out["authorizations"] = pd.DataFrame({
        "authorization_id": auths.astype(str), "patient_id": auths.astype(str),
        "payer_id": np.char.add("P", (auths % 20).astype(str)), "discipline": "PT",
        "requested_at": pd.Timestamp("2026-02-01 09:00"), "status": "approved", "visits_authorized": 20,
        "visits_used": 4, "start_date": dt.date(2026, 2, 1), "end_date": dt.date(2026, 7, 31)})
    return out


def twins(legacy: dict[str, pd.DataFrame], rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    out = {}
    for table, frame in legacy.items():
        key = frame.columns[0]
        reference = table in ("locations", "providers", "payers")
        twin = frame.copy()
        twin["legacy_id"] = twin[key]
        twin[key] = ("N" if reference else "9") + twin[key].astype(str)
        if not reference and table != "payments":
            twin = twin[rng.random(len(twin)) > 0.005].copy()
        for col in ("patient_id", "claim_id"):
            if col in twin and col != key:
                twin[col] = "9" + twin[col].astype(str)
        for col in ("payer_id", "provider_id", "location_id"):
            if col in twin and col != key:
                twin[col] = "N" + twin[col].astype(str)
        if table == "patients":
            twin.loc[rng.random(len(twin)) < 0.01, "first_name"] = "CHANGED"
        if table == "payments":
            twin = twin.drop(columns=["legacy_id"])
        out[table] = twin
    return out


def synthetic_settings(patients: int):
    from config.settings import load_settings
    from warehouse.store import connect, create_schema, replace_source_rows

    folder = REPO / "bench" / "data" / f"migration-synthetic-{patients}"
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text(CONFIG.format(go_live=GO_LIVE.isoformat(), folder=folder))
    settings = load_settings(config)
    if not (folder / "built").exists():
        rng = np.random.default_rng(42)
        legacy = legacy_frames(patients, rng)
        new = twins(legacy, rng)
        con = connect(settings.warehouse_url)
        create_schema(con)
        replace_source_rows(con, "legacy", legacy)
        replace_source_rows(con, "new", new)
        con.disconnect()
        (folder / "built").write_text("ok\n")
    return settings
