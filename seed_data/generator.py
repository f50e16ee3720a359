"""Generate a PT/OT/SLP practice switching practice management systems: two SQLite databases
(legacy and new PMS, each in its own vendor's schema) and the manifest of planted migration defects.

    from seed_data.generator import PracticeParams, generate
    result = generate(PracticeParams(seed=42, locations=3, months=18, today=date(2026, 11, 22),
                                     legacy_path=Path("legacy_pms.db"), new_path=Path("new_pms.db")))

Same parameters give byte-identical files: every draw comes from generators seeded by (seed,
component), no wall clock is read, rows are inserted in key order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from seed_data.params import PracticeParams
from seed_data.practice import generate_truth
from seed_data.styles import legacy_style, new_style
from seed_data.systems import Systems, build_systems
from seed_data.writers import LEGACY_LAYOUT, NEW_FOREIGN_KEYS, NEW_LAYOUT, write_database

__all__ = ["GenerationResult", "PracticeParams", "build", "generate"]

LEGACY_INDEXES = {"tblAppt": [["PatID"], ["ApptDt"]], "tblClaim": [["PatID"]], "tblPmt": [["ClaimNo"]],
                  "tblAdj": [["ClaimNo"]], "tblRemit": [["ClaimNo"]], "tblClaimLn": [["ClaimNo"]],
                  "tblPatIns": [["PatID"]], "tblVisitNote": [["ApptID"]]}
NEW_INDEXES = {"bookings": [["client_id"], ["starts_at"]], "billing_claims": [["client_id"]],
               "ledger_payments": [["claim_id"]], "ledger_adjustments": [["claim_id"]],
               "remittance_claims": [["claim_id"]], "billing_claim_items": [["claim_id"]],
               "client_policies": [["client_id"]], "clinical_documents": [["booking_id"]],
               "clients": [["legacy_ref"]]}


@dataclass
class GenerationResult:
    params: PracticeParams
    legacy_path: Path
    new_path: Path
    manifest_path: Path | None
    legacy_rows: dict[str, int]
    new_rows: dict[str, int]
    manifest: dict = field(default_factory=dict)
    systems: Systems | None = None


def build(params: PracticeParams, findings: bool = True) -> tuple[Systems, dict]:
    """The two systems in canonical form (defects planted) and the manifest, without writing files.
    ``findings=False`` leaves the expected findings out (large practices: they take a while)."""
    from seed_data.defects import plant_defects
    from seed_data.expected import expected_findings

    params = params.resolved()
    truth = generate_truth(params)
    systems = build_systems(truth)
    legacy_style(systems.legacy, params.seed)
    new_style(systems.new)
    del truth
    systems.truth.frames.clear()  # the split keeps what it needs; free the simulation's memory
    planted = plant_defects(systems) if params.plant_defects else []
    found = expected_findings(systems) if findings else []
    identity_keys = ("check", "table", "system", "key", "field", "severity")
    findings = [{k: f[k] for k in identity_keys} for f in found]
    manifest = {
        "generator": "seed_data.generator",
        "seed": params.seed,
        "locations": params.locations,
        "providers_per_location": params.providers_per_location,
        "months": params.months,
        "moment": params.moment,
        "go_live": params.go_live.isoformat(),
        "cut_over": params.cut_over.isoformat(),
        "today": params.today.isoformat(),
        "run_off_payer_classes": list(systems.run_off_classes),
        "planted": planted,
        "findings": findings,
        "finding_values": [{"key": f["key"], "check": f["check"], "table": f["table"], "field": f["field"],
                            "legacy": f["legacy"], "new": f["new"]} for f in found
                           if f["legacy"] is not None or f["new"] is not None],
    }
    return systems, manifest


def generate(params: PracticeParams, keep_systems: bool = False) -> GenerationResult:
    """Write both databases (and the manifest when ``params.manifest_path`` is set)."""
    params = params.resolved()
    systems, manifest = build(params, findings=params.manifest_path is not None)
    legacy_rows = write_database(params.legacy_path, LEGACY_LAYOUT, systems.legacy, indexes=LEGACY_INDEXES)
    new_rows = write_database(params.new_path, NEW_LAYOUT, systems.new, foreign_keys=NEW_FOREIGN_KEYS,
                              indexes=NEW_INDEXES)
    if params.manifest_path is not None:
        write_manifest(params.manifest_path, manifest)
    return GenerationResult(params, params.legacy_path, params.new_path, params.manifest_path, legacy_rows,
                            new_rows, manifest, systems if keep_systems else None)


def write_manifest(path: Path, manifest: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=False, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
