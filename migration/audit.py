"""Pre-migration audit: the legacy system alone, before any data moves.

The same rules as the migration check's ``incomplete_record``, ``duplicate_patient`` (legacy side) and
``outdated_coverage``, so what the front desk cleans up now is exactly what the check would report
later. Each finding carries the patient's location (their latest legacy appointment's) so the work
can be split per clinic. Needs a legacy source only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import pandas as pd
from ibis import _

from migration.checks import duplicate_patients, incomplete_records, outdated_coverages
from migration.scope import Params, Scope

AUDIT_CHECKS = ("incomplete_record", "duplicate_patient", "outdated_coverage")
COLUMNS = ["check", "table", "key", "field", "legacy", "patient", "location"]


@dataclass
class AuditResult:
    findings: pd.DataFrame  # COLUMNS
    by_location: pd.DataFrame  # location, one column per check, total


def _patient_locations(scope: Scope) -> pd.DataFrame:
    appts = scope.legacy("appointments")
    w = ibis.window(group_by=appts.patient_id, order_by=ibis.desc(appts.scheduled_start))
    latest = appts.mutate(r=ibis.row_number().over(w)).filter(_.r == 0).select("patient_id", "location_id")
    locs = scope.legacy("locations").select(l_id="location_id", l_name="name")
    j = latest.left_join(locs, latest.location_id == locs.l_id)
    return j.select(patient=j.patient_id, location=j.l_name.fill_null(j.location_id)).to_pandas()


def run_audit(con: ibis.BaseBackend, go_live: dt.date, legacy: str) -> AuditResult:
    """Audit the legacy source as it stands (scope decided as at go-live, as the check does)."""
    scope = Scope(con, Params(go_live=go_live, legacy=legacy, new="\x00no new source\x00"))
    try:
        patients = scope.in_scope("patients")
        found = incomplete_records(patients, scope.in_scope("coverages"))
        found += duplicate_patients(scope.legacy("patients"), "legacy")
        found += outdated_coverages(scope, patients)
        coverage_patient = (scope.legacy("coverages").select("coverage_id", "patient_id").to_pandas()
                            .set_index("coverage_id")["patient_id"].to_dict())
        locations = _patient_locations(scope).set_index("patient")["location"].to_dict()
    finally:
        scope.release()
    rows = []
    for f in found:
        if f["table"] == "coverages" and f["check"] == "incomplete_record":
            patient = coverage_patient.get(f["key"])
        else:
            patient = f["key"].split("|")[0]
        rows.append({"check": f["check"], "table": f["table"], "key": f["key"], "field": f["field"],
                     "legacy": f["legacy"], "patient": patient, "location": locations.get(patient, "(no visits)")})
    frame = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    if frame.empty:
        by_location = pd.DataFrame(columns=["location", *AUDIT_CHECKS, "total"])
    else:
        by_location = (frame.pivot_table(index="location", columns="check", values="key", aggfunc="count",
                                         fill_value=0).reindex(columns=list(AUDIT_CHECKS), fill_value=0))
        by_location["total"] = by_location.sum(axis=1)
        by_location = by_location.reset_index().sort_values("total", ascending=False, kind="stable")
    return AuditResult(frame, by_location.reset_index(drop=True))
