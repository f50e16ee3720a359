"""The 16 canonical tables (ARCHITECTURE.md, "Canonical tables (contract)").

Every table also carries ``source_system`` (set by the sync) and, except ``provider_schedule`` and
``fee_schedule``, an optional ``legacy_id``: the crosswalk key a migrated record had in the legacy PMS.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt

MONEY = dt.Decimal(18, 2)

TYPE_NAMES = {
    "str": dt.string,
    "int": dt.int64,
    "decimal": MONEY,
    "date": dt.date,
    "timestamp": dt.Timestamp(),
    "bool": dt.boolean,
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of TYPE_NAMES
    required: bool = False
    codes: tuple[str, ...] | None = None  # the code list, when the column has one


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    crosswalk: bool = True  # has legacy_id

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name}")

    @property
    def all_columns(self) -> list[Column]:
        """Mapped columns plus legacy_id (when it has one) and source_system."""
        extra = [Column("legacy_id", "str")] if self.crosswalk else []
        return [*self.columns, *extra, Column("source_system", "str", required=True)]

    def ibis_schema(self) -> ibis.Schema:
        return ibis.schema({c.name: TYPE_NAMES[c.type] for c in self.all_columns})


DISCIPLINES = ("PT", "OT", "SLP")
CREDENTIALS = ("PT", "PTA", "OT", "COTA", "SLP", "SLPA", "other")
PAYER_CLASSES = ("medicare", "medicare_advantage", "medicaid", "commercial", "workers_comp", "auto",
                 "self_pay", "other")
AUTH_STATUSES = ("pending", "approved", "denied", "cancelled")
APPOINTMENT_TYPES = ("initial_eval", "follow_up", "re_eval", "progress", "discharge", "other")
APPOINTMENT_STATUSES = ("scheduled", "completed", "no_show", "cancelled", "late_cancel")
NOTE_TYPES = ("evaluation", "daily", "progress", "re_evaluation", "discharge")
CLAIM_STATUS_CODES = ("1", "2", "3", "4", "19", "20", "21", "22", "23")
PAYMENT_METHODS = ("era", "paper", "card", "cash", "other")
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")

# Columns typed by their name (contract): everything else is str unless listed here.
_TIMESTAMP = {"scheduled_start"}
_DATE = {"birth_date", "visit_date", "work_date", "service_date", "service_date_from", "service_date_to",
         "start_date", "end_date", "effective_date", "received_date", "payment_date", "adjustment_date"}
_DECIMAL = {"total_charge", "charge_amount", "paid_amount", "patient_responsibility", "amount",
            "allowed_amount"}
_INT = {"units", "duration_minutes", "available_minutes", "documentation_seconds", "visits_authorized",
        "visits_used", "priority"}
_BOOL = {"active", "era_enrolled", "requires_cosign", "first_pass_accepted", "edited_before_submission",
         "via_era"}
_CODES = {
    ("providers", "discipline"): DISCIPLINES,
    ("providers", "credential"): CREDENTIALS,
    ("payers", "payer_class"): PAYER_CLASSES,
    ("authorizations", "status"): AUTH_STATUSES,
    ("appointments", "appointment_type"): APPOINTMENT_TYPES,
    ("appointments", "status"): APPOINTMENT_STATUSES,
    ("appointments", "discipline"): DISCIPLINES,
    ("notes", "note_type"): NOTE_TYPES,
    ("remits", "claim_status_code"): CLAIM_STATUS_CODES,
    ("payments", "method"): PAYMENT_METHODS,
    ("adjustments", "group_code"): GROUP_CODES,
    ("authorizations", "discipline"): DISCIPLINES,
    ("referrals", "discipline"): DISCIPLINES,
}


def _type_of(name: str) -> str:
    if name.endswith("_at") or name in _TIMESTAMP:
        return "timestamp"
    if name in _DATE:
        return "date"
    if name in _DECIMAL:
        return "decimal"
    if name in _INT:
        return "int"
    if name in _BOOL:
        return "bool"
    return "str"


def _table(name: str, spec: str, key: tuple[str, ...] | None = None, crosswalk: bool = True) -> Table:
    cols = []
    for raw in spec.split():
        required = raw.endswith("*")
        col = raw.rstrip("*")
        cols.append(Column(col, _type_of(col), required, _CODES.get((name, col))))
    return Table(name, tuple(cols), key or (cols[0].name,), crosswalk)


TABLES: dict[str, Table] = {t.name: t for t in [
    _table("locations", "location_id* name* state"),
    _table("providers", "provider_id* name* discipline* credential location_id npi active"),
    _table("payers", "payer_id* name* payer_class* era_enrolled"),
    _table("patients", "patient_id* first_name* last_name* birth_date sex phone email address_line city "
                       "state postal_code created_at"),
    _table("coverages", "coverage_id* patient_id* payer_id* member_id priority start_date end_date verified_at"),
    _table("referrals", "referral_id* patient_id* received_at* discipline referral_source"),
    _table("authorizations", "authorization_id* patient_id* payer_id* discipline requested_at* decided_at "
                             "status* visits_authorized visits_used start_date end_date"),
    _table("provider_schedule", "provider_id* location_id* work_date* available_minutes*",
           key=("provider_id", "location_id", "work_date"), crosswalk=False),
    _table("appointments", "appointment_id* patient_id* provider_id* location_id* discipline* scheduled_start* "
                           "duration_minutes* appointment_type* status* created_at cancelled_at"),
    _table("notes", "note_id* patient_id* provider_id* appointment_id note_type* visit_date* created_at "
                    "signed_at documentation_seconds requires_cosign cosigned_at"),
    _table("claims", "claim_id* patient_id* payer_id* location_id* rendering_provider_id service_date_from* "
                     "service_date_to created_at* first_submitted_at total_charge* first_pass_accepted "
                     "edited_before_submission"),
    _table("claim_lines", "claim_line_id* claim_id* appointment_id service_date* cpt_code* modifiers units* "
                          "charge_amount*"),
    _table("remits", "remit_id* claim_id* payer_id* received_date* claim_status_code* charge_amount "
                     "paid_amount* patient_responsibility via_era"),
    _table("payments", "payment_id* claim_id* payer_id payment_date* amount* method"),
    _table("adjustments", "adjustment_id* claim_id* claim_line_id remit_id adjustment_date* group_code* "
                          "reason_code* remark_code amount*"),
    _table("fee_schedule", "payer_id* cpt_code* effective_date* allowed_amount*",
           key=("payer_id", "cpt_code", "effective_date"), crosswalk=False),
]}

# References inside a source: (table, column) -> referenced table. Used by sync validation and by the
# crosswalk (KPI_SPEC.md "Identity": references in new rows are translated to identities).
REFERENCES: dict[tuple[str, str], str] = {
    ("providers", "location_id"): "locations",
    ("coverages", "patient_id"): "patients",
    ("coverages", "payer_id"): "payers",
    ("referrals", "patient_id"): "patients",
    ("authorizations", "patient_id"): "patients",
    ("authorizations", "payer_id"): "payers",
    ("provider_schedule", "provider_id"): "providers",
    ("provider_schedule", "location_id"): "locations",
    ("appointments", "patient_id"): "patients",
    ("appointments", "provider_id"): "providers",
    ("appointments", "location_id"): "locations",
    ("notes", "patient_id"): "patients",
    ("notes", "provider_id"): "providers",
    ("notes", "appointment_id"): "appointments",
    ("claims", "patient_id"): "patients",
    ("claims", "payer_id"): "payers",
    ("claims", "location_id"): "locations",
    ("claims", "rendering_provider_id"): "providers",
    ("claim_lines", "claim_id"): "claims",
    ("claim_lines", "appointment_id"): "appointments",
    ("remits", "claim_id"): "claims",
    ("remits", "payer_id"): "payers",
    ("payments", "claim_id"): "claims",
    ("payments", "payer_id"): "payers",
    ("adjustments", "claim_id"): "claims",
    ("adjustments", "claim_line_id"): "claim_lines",
    ("adjustments", "remit_id"): "remits",
    ("fee_schedule", "payer_id"): "payers",
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
