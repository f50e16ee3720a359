"""Show the records behind a KPI value: the claims, visits, notes, payments, authorizations or
referrals a cell counted, with what each contributed to its numerator and denominator.

Patient-level data: callers check the role (auth.roles.may_see_patients) and write the audit row
(auth.audit.record) themselves, outside any cache.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics.kpis import KpiEngine, supported, windowed_facts
from metrics.registry import KPIS_BY_ID, registry
from metrics.unified import Params, unified
from metrics.windows import Window
from warehouse.store import reading

# What each KPI counts, and the columns shown for it.
RECORD_TABLES = {
    **dict.fromkeys(("clean_claim_rate", "first_pass_acceptance_rate", "denial_rate", "denial_rate_dollars",
                     "days_in_ar", "ar_over_90_rate", "legacy_ar", "net_collection_rate", "charge_lag_days"),
                    "claims"),
    **dict.fromkeys(("charge_capture_rate", "progress_note_compliance", "no_show_rate", "cancellation_rate",
                     "fill_rate", "revenue_per_visit"), "appointments"),
    **dict.fromkeys(("documentation_minutes", "note_lag_hours", "notes_signed_24h_rate", "cosign_rate"), "notes"),
    "era_rate": "payments",
    **dict.fromkeys(("pa_approval_rate", "pa_turnaround_days"), "authorizations"),
    **dict.fromkeys(("referral_conversion_rate", "referral_to_first_visit_days"), "referrals"),
}
DETAIL_COLUMNS = {
    "claims": ("claim_id", "patient_id", "service_date_from", "created_at", "first_submitted_at", "total_charge",
               "source_system"),
    "appointments": ("appointment_id", "patient_id", "scheduled_start", "duration_minutes", "appointment_type",
                     "status", "source_system"),
    "notes": ("note_id", "patient_id", "note_type", "visit_date", "signed_at", "cosigned_at", "source_system"),
    "payments": ("payment_id", "claim_id", "payment_date", "amount", "method", "source_system"),
    "authorizations": ("authorization_id", "patient_id", "requested_at", "decided_at", "status", "source_system"),
    "referrals": ("referral_id", "patient_id", "received_at", "discipline", "source_system"),
}
MAX_ROWS = 5000


def kpi_records(settings, kpi_id: str, window: Window, as_of: dt.date, by: dict | None = None,
                filters: dict | None = None, limit: int = MAX_ROWS) -> pd.DataFrame:
    """The rows one KPI cell counted (at most ``limit``), with their numerator/denominator parts."""
    if kpi_id not in KPIS_BY_ID:
        raise KeyError(kpi_id)
    conditions = {**(filters or {}), **(by or {})}
    reg = supported({kpi_id: registry(settings)[kpi_id]}, conditions)
    if not reg or window.starts_after(as_of):
        return pd.DataFrame()
    table = RECORD_TABLES[kpi_id]
    with reading(settings.warehouse_url) as con:
        engine = KpiEngine(unified(con, Params.from_settings(settings, as_of)))
        facts = windowed_facts(engine, [window], {kpi_id}, conditions)
        if facts is None:
            return pd.DataFrame()
        facts = facts.filter(facts.kpi == kpi_id)
        detail = engine.u[table]
        key = DETAIL_COLUMNS[table][0]
        detail = detail.select(*DETAIL_COLUMNS[table]).rename(record=key)
        joined = facts.left_join(detail, facts.record == detail.record)
        cols = ["record", "num", "den", *[c for c in KPIS_BY_ID[kpi_id].dimensions],
                *[c for c in DETAIL_COLUMNS[table][1:]]]
        frame = joined.select(*cols).order_by("record").limit(limit).execute()
    spec = KPIS_BY_ID[kpi_id]
    return frame.rename(columns={"record": table.rstrip("s") + " (identity)", "num": f"numerator: {spec.numerator}",
                                 "den": f"denominator: {spec.denominator}"})
