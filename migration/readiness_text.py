"""Words and small tables for the migration screens (no streamlit): verdict, receipts, captions."""

from __future__ import annotations

import pandas as pd

CHECK_LABELS = {
    "missing_in_new": "Missing in the new system",
    "extra_in_new": "Extra in the new system",
    "field_mismatch": "Field differs",
    "ar_balance_mismatch": "Claim balance differs",
    "run_off_claim_in_new": "Run-off claim also in the new system",
    "authorization_visits_mismatch": "Authorization visits differ",
    "duplicate_patient": "Duplicate patient",
    "incomplete_record": "Incomplete legacy record",
    "outdated_coverage": "Outdated coverage",
}

HELP = (
    "Compares the legacy system with the new one as they stood at cut-over (the day before go-live), "
    "record by record through the new system's legacy ID. In scope: every location, provider and payer; "
    "patients seen in the two years before cut-over or booked after it, or with an open claim or a live "
    "authorization; their current coverages; approved or pending authorizations still running at go-live; "
    "the last year of appointments and future scheduled ones; claims open at cut-over (except payer classes "
    "kept in the old system). Text is compared trimmed and case-insensitive, phones by their digits, money "
    "to the cent. Choices where the rules are silent: IDs match exactly; a status is not compared for "
    "legacy appointments dated on or after go-live; a new claim created after cut-over holds no balance at "
    "cut-over; AR differences are legacy minus new.")


def verdict(run) -> str:
    if run.blockers == 0:
        return (f"No blocker stops go-live. {run.warnings} warning(s) to review." if run.warnings
                else "No blocker stops go-live, and nothing to review.")
    items = "; ".join(f"{CHECK_LABELS.get(f['check'], f['check'])}: {f['table']} {f['key']}"
                      + (f" ({f['field']})" if f.get("field") else "") for f in run.blocker_findings[:20])
    more = f" and {run.blockers - 20} more" if run.blockers > 20 else ""
    noun = "blocker stops" if run.blockers == 1 else "blockers stop"
    return f"{run.blockers} {noun} go-live: {items}{more}."


def ar_sentence(ar: dict) -> str:
    return (f"Open AR {ar['legacy']:,.2f} vs {ar['new']:,.2f}, difference {ar['difference']:,.2f} "
            f"({ar['claims']} claims in scope)")


def run_caption(run) -> str:
    data = f", data as of {run.data_date:%Y-%m-%d %H:%M} UTC" if run.data_date else ""
    return (f"Run {run.id} at {run.ran_at:%Y-%m-%d %H:%M} UTC by {run.triggered_by or 'unknown'} "
            f"(data version {run.data_version}{data}; took {run.seconds:.1f} s).")


def receipts_frame(summary: dict) -> pd.DataFrame:
    return pd.DataFrame([{"record type": t, "in scope": c["in_scope"], "matched": c["matched"],
                          "missing": c["missing"], "extra in new": c["extra"]}
                         for t, c in summary["tables"].items()])


def counts_frame(summary: dict) -> pd.DataFrame:
    return pd.DataFrame([{"check": CHECK_LABELS.get(c, c), "id": c, "blockers": n.get("blocker", 0),
                          "warnings": n.get("warning", 0)} for c, n in summary["findings"]["by_check"].items()])
