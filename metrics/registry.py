"""The KPI registry: one entry per KPI of KPI_SPEC.md, with its plain-words definition and target.

Targets default to the spec's and can be changed per practice: a ``[targets]`` table in the config
TOML (``clean_claim_rate = 0.98``; ``"none"`` removes a target), and, on top of it, the targets the
owner saves on the Quarterly review screen, kept as JSON in ``<data folder>/kpi_targets.json``
(no app-DB table needed, so no Alembic revision). The CLI and the screens read the same merged set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

REVENUE = "Revenue cycle"
DOCUMENTATION = "Documentation and authorization"
SCHEDULING = "Scheduling and access"
GROUPS = (REVENUE, DOCUMENTATION, SCHEDULING)

CLAIM_DIMS = ("location", "payer", "payer_class", "discipline", "provider")
VISIT_DIMS = ("location", "discipline", "provider")
NOTE_DIMS = ("location", "discipline", "provider")
AUTH_DIMS = ("payer", "payer_class", "discipline")
PAYMENT_DIMS = ("payer", "payer_class")
REFERRAL_DIMS = ("discipline",)
DIMENSIONS = ("location", "payer", "payer_class", "discipline", "provider", "denial_category")
TARGETS_FILE = "kpi_targets.json"


@dataclass(frozen=True)
class Kpi:
    id: str
    name: str
    group: str
    unit: str  # ratio | days | minutes | hours | currency
    direction: str  # "higher" or "lower" is better
    target: float | None
    event_date: str
    definition: str
    numerator: str
    denominator: str
    dimensions: tuple[str, ...]
    pit: bool = False
    numerator_is_count: bool = False
    denominator_is_count: bool = False
    note: str = ""  # where the spec was silent: the reading we chose

    def meets(self, value: float) -> bool:
        if self.target is None:
            raise ValueError(f"{self.id} has no target")
        return value >= self.target if self.direction == "higher" else value <= self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "none"
        sign = ">=" if self.direction == "higher" else "<="
        return f"{sign} {format_value(self.target, self.unit)}"


def format_value(value: float | None, unit: str) -> str:
    if value is None or value != value:  # None or NaN (a no_data cell that went through pandas)
        return "no data"
    if unit == "ratio":
        return f"{value * 100:.1f} %"
    if unit == "currency":
        return f"${value:,.2f}"
    return f"{value:,.1f} {unit}"


def _k(*args, **kw) -> Kpi:
    return Kpi(*args, **kw)


KPIS: tuple[Kpi, ...] = (
    # ---------------------------------------------------------------- revenue cycle
    _k("clean_claim_rate", "Clean claim rate", REVENUE, "ratio", "higher", 0.97, "first submission date",
       "Share of submitted claims that went out without being edited first.",
       "claims not edited before submission", "claims with the edited flag recorded", CLAIM_DIMS,
       numerator_is_count=True, denominator_is_count=True),
    _k("first_pass_acceptance_rate", "First-pass acceptance rate", REVENUE, "ratio", "higher", 0.95,
       "first submission date", "Share of submitted claims the payer or clearinghouse accepted the first time.",
       "claims accepted on first pass", "claims with the acceptance flag recorded", CLAIM_DIMS,
       numerator_is_count=True, denominator_is_count=True),
    _k("denial_rate", "Denial rate", REVENUE, "ratio", "lower", 0.03, "initial adjudication date",
       "Share of claims the primary payer denied on its first decision (a remit with status 4 or a "
       "denial reason code). Secondary-first and duplicate-flagged claims are left out.",
       "denied claims", "claims first decided by the primary payer", (*CLAIM_DIMS, "denial_category"),
       numerator_is_count=True, denominator_is_count=True),
    _k("denial_rate_dollars", "Denial rate (dollars)", REVENUE, "ratio", "lower", 0.03,
       "initial adjudication date", "Charges of denied claims as a share of the charges of all claims first "
       "decided by the primary payer.", "charges of denied claims", "charges of those claims",
       (*CLAIM_DIMS, "denial_category")),
    _k("days_in_ar", "Days in A/R", REVENUE, "days", "lower", 30, "last day of the window",
       "Open balances on the window's last day divided by the average daily charges of the 90 days up to it.",
       "A/R on the day", "average daily charges (90 days)", CLAIM_DIMS, pit=True,
       note="A/R is 0 (not empty) when claims are posted but none has an open balance."),
    _k("ar_over_90_rate", "A/R over 90 days", REVENUE, "ratio", "lower", 0.15, "last day of the window",
       "Share of open balances on claims whose service began more than 90 days before the day.",
       "A/R older than 90 days", "A/R on the day", CLAIM_DIMS, pit=True),
    _k("legacy_ar", "Legacy A/R still worked in the old system", REVENUE, "currency", "lower", None,
       "last day of the window",
       "Open balance of old-system claims that were not migrated, so staff still collect them there.",
       "legacy A/R on the day", "none", CLAIM_DIMS, pit=True),
    _k("net_collection_rate", "Net collection rate", REVENUE, "ratio", "higher", 0.95, "service date",
       "Payments collected so far as a share of what was collectable (charges minus contractual write-offs) "
       "for the services in the window.", "payments", "charges minus contractual adjustments", CLAIM_DIMS,
       note="Counted over claims, so it breaks down like claims (payments follow their claim)."),
    _k("revenue_per_visit", "Revenue per visit", REVENUE, "currency", "higher", None, "service date; visit date",
       "Payments collected so far on services in the window per completed visit in the window.",
       "payments", "completed visits", VISIT_DIMS, denominator_is_count=True),
    _k("charge_lag_days", "Charge lag", REVENUE, "days", "lower", 3, "service date",
       "Average whole days from the date of service to the day the claim was created.",
       "sum of days", "claims", CLAIM_DIMS, numerator_is_count=True, denominator_is_count=True),
    _k("charge_capture_rate", "Charge capture rate", REVENUE, "ratio", "higher", 0.98, "visit date",
       "Share of completed visits that appear on at least one claim line.",
       "visits on a claim line", "completed visits", VISIT_DIMS, numerator_is_count=True,
       denominator_is_count=True),
    _k("era_rate", "Electronic remittance rate", REVENUE, "ratio", "higher", 0.90, "payment date",
       "Share of insurance payments posted from an electronic remittance (835).",
       "insurance payments by ERA", "insurance payments", PAYMENT_DIMS, numerator_is_count=True,
       denominator_is_count=True),
    # ---------------------------------------------------------------- documentation and authorization
    _k("documentation_minutes", "Documentation time per note", DOCUMENTATION, "minutes", "lower", 5, "visit date",
       "Average minutes spent writing a signed note.", "minutes", "signed notes timed", NOTE_DIMS,
       denominator_is_count=True),
    _k("note_lag_hours", "Note completion lag", DOCUMENTATION, "hours", "lower", 24, "visit date",
       "Average hours from the end of the visit to the signature.", "hours", "signed visit notes", NOTE_DIMS,
       denominator_is_count=True),
    _k("notes_signed_24h_rate", "Notes signed within 24 hours", DOCUMENTATION, "ratio", "higher", 0.90,
       "visit date", "Share of visit notes signed within 24 hours of the visit's end, once that deadline "
       "has passed.", "notes signed in time", "visit notes past their deadline", NOTE_DIMS,
       numerator_is_count=True, denominator_is_count=True),
    _k("cosign_rate", "Co-signature within 7 days", DOCUMENTATION, "ratio", "higher", 0.95, "visit date",
       "Share of signed notes needing a co-signature that were co-signed within 7 days of signing.",
       "notes co-signed in time", "signed notes needing a co-signature", NOTE_DIMS,
       numerator_is_count=True, denominator_is_count=True,
       note="A co-signature recorded before the signature counts as within 7 days."),
    _k("progress_note_compliance", "Progress note compliance", DOCUMENTATION, "ratio", "higher", 0.98,
       "visit date", "Share of completed visits that fall within 10 visits of the patient's latest evaluation, "
       "progress, re-evaluation or discharge note in that discipline.", "compliant visits",
       "visits with such a note", VISIT_DIMS, numerator_is_count=True, denominator_is_count=True),
    _k("pa_approval_rate", "Prior authorization approval rate", DOCUMENTATION, "ratio", "higher", None,
       "decision date", "Share of decided prior authorizations that were approved.", "approved",
       "approved or denied", AUTH_DIMS, numerator_is_count=True, denominator_is_count=True),
    _k("pa_turnaround_days", "Prior authorization turnaround", DOCUMENTATION, "days", "lower", 7, "decision date",
       "Average days from the authorization request to the payer's decision.", "sum of days",
       "decided authorizations", AUTH_DIMS, denominator_is_count=True),
    # ---------------------------------------------------------------- scheduling and access
    _k("fill_rate", "Schedule fill rate", SCHEDULING, "ratio", "higher", 0.85, "appointment date; work date",
       "Booked minutes as a share of the minutes providers made available.", "booked minutes",
       "available minutes", VISIT_DIMS, numerator_is_count=True, denominator_is_count=True),
    _k("no_show_rate", "No-show rate", SCHEDULING, "ratio", "lower", 0.10, "appointment date",
       "Share of past appointments where the patient did not come.", "no-shows",
       "completed, no-show and cancelled appointments", VISIT_DIMS, numerator_is_count=True,
       denominator_is_count=True),
    _k("cancellation_rate", "Cancellation rate", SCHEDULING, "ratio", "lower", None, "appointment date",
       "Share of past appointments that were cancelled, late or not.", "cancellations",
       "completed, no-show and cancelled appointments", VISIT_DIMS, numerator_is_count=True,
       denominator_is_count=True),
    _k("referral_conversion_rate", "Referral conversion", SCHEDULING, "ratio", "higher", None, "referral date",
       "Share of referrals whose patient had a completed evaluation within 30 days.", "converted referrals",
       "referrals", REFERRAL_DIMS, numerator_is_count=True, denominator_is_count=True),
    _k("referral_to_first_visit_days", "Referral to first visit", SCHEDULING, "days", "lower", None,
       "referral date", "Average days from receiving a referral to the patient's evaluation, for converted "
       "referrals.", "sum of days", "converted referrals", REFERRAL_DIMS, denominator_is_count=True),
)
KPIS_BY_ID = {k.id: k for k in KPIS}

# Kept in the app DB (training engineer's screens), not computed from the warehouse.
APP_KEPT = ("training_completion_rate", "staff_enps")


def targets_path(settings) -> Path:
    return Path(settings.data_dir) / TARGETS_FILE


def _parse_target(value, where: str) -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        from warehouse.errors import UserFacingError

        raise UserFacingError(f"{where}: target must be a number or \"none\", got {value!r}")
    return float(value)


def target_overrides(settings) -> dict[str, float | None]:
    """Targets changed for this practice: config ``[targets]``, then the app's saved file."""
    out: dict[str, float | None] = {}
    for kpi_id, value in (settings.raw.get("targets") or {}).items():
        if kpi_id in KPIS_BY_ID:
            out[kpi_id] = _parse_target(value, f"{settings.path}: [targets] {kpi_id}")
    path = targets_path(settings)
    if path.exists():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            from warehouse.errors import UserFacingError

            raise UserFacingError(f"{path}: not valid JSON ({exc}); fix or delete the file") from exc
        for kpi_id, value in saved.items():
            if kpi_id in KPIS_BY_ID:
                out[kpi_id] = _parse_target(value, f"{path}: {kpi_id}")
    return out


def save_targets(settings, targets: dict[str, float | None]) -> None:
    """Store the targets chosen on screen (only those that differ from the spec's defaults)."""
    changed = {k: v for k, v in targets.items() if k in KPIS_BY_ID and v != KPIS_BY_ID[k].target}
    path = targets_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(changed, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def registry(settings=None) -> dict[str, Kpi]:
    """The KPIs with this practice's targets."""
    if settings is None:
        return dict(KPIS_BY_ID)
    overrides = target_overrides(settings)
    return {k.id: replace(k, target=overrides.get(k.id, k.target)) if k.id in overrides else k for k in KPIS}
