"""Default checklist templates (DOMAIN.md), written in our own words.

The list keys and the item keys marked in INTERFACES.md are STABLE: the go/no-go readiness rules read
them. The practice may edit the templates in the app (stored in the app DB, seeded from these
defaults); new items get new keys, and the stable ones keep theirs.

Each item: (key, title, owner team role, due in days relative to go-live, milestone key it gates).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListTemplate:
    key: str
    title: str
    gates: str  # the milestone these items gate unless an item says otherwise


@dataclass(frozen=True)
class ItemTemplate:
    key: str
    list_key: str
    title: str
    owner: str
    due_offset_days: int
    gates: str


LISTS: tuple[ListTemplate, ...] = (
    ListTemplate("workflows", "Current workflows documented", "workflows_documented"),
    ListTemplate("config_scheduling", "Configuration: scheduling", "config_scheduling"),
    ListTemplate("config_documentation", "Configuration: clinical documentation", "config_documentation"),
    ListTemplate("config_billing", "Configuration: billing", "config_billing"),
    ListTemplate("hipaa", "HIPAA during the rollout", "hipaa_safeguards"),
    ListTemplate("data_migration", "Data migration practice", "migration_validation"),
    ListTemplate("go_live_day", "Go-live day", "final_approval"),
    ListTemplate("review_30", "30-day review", "review_30"),
    ListTemplate("review_60", "60-day billing review", "review_60"),
    ListTemplate("review_90", "90-day performance baseline", "review_90"),
)
LISTS_BY_KEY = {t.key: t for t in LISTS}

_ITEMS: tuple[tuple[str, str, str, int, str | None], ...] = (
    # the nine current workflows
    ("workflows.new_patient_intake", "New-patient intake written down step by step", "front_desk_coordinator", -63, None),
    ("workflows.benefits_verification", "Insurance benefits verification documented", "front_desk_coordinator", -63, None),
    ("workflows.scheduling_cancellation", "Scheduling, cancellations and waitlist documented",
     "front_desk_coordinator", -63, None),
    ("workflows.evaluation_documentation", "How evaluations are documented today", "clinical_director", -63, None),
    ("workflows.daily_notes", "Daily treatment notes workflow documented", "clinical_director", -63, None),
    ("workflows.co_signature", "Co-signature of assistants' notes documented", "clinical_director", -63, None),
    ("workflows.claim_submission", "Claim submission documented", "billing_lead", -63, None),
    ("workflows.payment_posting", "Payment posting documented", "billing_lead", -63, None),
    ("workflows.end_of_day_reconciliation", "End-of-day reconciliation documented", "billing_lead", -63, None),
    # configuration: scheduling
    ("config_scheduling.appointment_types", "Appointment types per discipline with durations and default providers",
     "front_desk_coordinator", -42, None),
    ("config_scheduling.cancellation_waitlist", "Cancellation and waitlist rules set", "front_desk_coordinator",
     -42, None),
    ("config_scheduling.online_booking", "Online booking set up (or deliberately off)", "front_desk_coordinator",
     -42, None),
    ("config_scheduling.reminders", "Reminder cadence by text, email and phone", "front_desk_coordinator", -42, None),
    # configuration: clinical documentation
    ("config_documentation.soap_templates", "SOAP note templates for PT, OT and SLP", "clinical_director", -38, None),
    ("config_documentation.eval_templates", "Evaluation and re-evaluation templates", "clinical_director", -38, None),
    ("config_documentation.progress_alerts", "Progress-note schedule and due alerts", "clinical_director", -38, None),
    ("config_documentation.co_signature", "Assistant (PTA/COTA) co-signature and supervision rules",
     "clinical_director", -38, None),
    ("config_documentation.outcome_tools", "Functional outcome tools (Berg, 6-minute walk, FIST, sit-to-stand)",
     "clinical_director", -38, None),
    # configuration: billing
    ("config_billing.fee_schedule", "Fee schedule with therapy CPT codes", "billing_lead", -35, None),
    ("config_billing.payer_rules", "Payer rules and modifiers", "billing_lead", -35, None),
    ("config_billing.claim_scrubbing", "Claim scrubbing and clearinghouse connection", "billing_lead", -35, None),
    ("config_billing.era_eft", "ERA and EFT enrollment for the major payers", "billing_lead", -35, None),
    ("config_billing.denial_workflows", "Denial work queues and remark-code rules", "billing_lead", -35, None),
    # HIPAA
    ("hipaa.baa_signed", "Business associate agreement signed before any patient data enters the new system",
     "@hipaa", -70, None),
    ("hipaa.risk_analysis", "Security risk analysis covering the new system and its data flows", "@hipaa", -42, None),
    ("hipaa.role_based_access", "Role-based access with the minimum necessary patient data", "@hipaa", -28, None),
    ("hipaa.audit_logging", "Audit logging of every access and change switched on", "@hipaa", -28, None),
    ("hipaa.workflow_training", "HIPAA training in the new workflows", "@hipaa", -10, "training_completion"),
    ("hipaa.compliance_records", "Rollout documented in the compliance records", "@hipaa", -3, "final_approval"),
    # data migration practice
    ("data_migration.backup_verified", "Legacy backup taken, encrypted, and a restore tested", "it_liaison", -56,
     "backup_verified"),
    ("data_migration.legacy_audit", "Legacy data audited: incomplete records, duplicate patients, old insurance",
     "front_desk_coordinator", -49, "legacy_audit"),
    ("data_migration.export_obtained", "Full export in a standard format (CSV, HL7, C-CDA) before the old contract ends",
     "it_liaison", -45, "export_obtained"),
    ("data_migration.field_mapping", "Field mapping between the systems agreed and formats standardised",
     "it_liaison", -38, "field_mapping"),
    ("data_migration.test_migration", "Test migration of a 10-15 % sample, full-run time measured", "it_liaison", -31,
     "test_migration"),
    ("data_migration.spot_checks", "Spot checks of every record type signed off", "project_lead", -14, None),
    ("data_migration.legacy_read_only_90d", "Read-only access to the legacy system kept for 90 days", "it_liaison",
     -14, None),
    ("data_migration.ar_approach", "Decision on open balances: validate and move, or work down in the old system",
     "billing_lead", -21, None),
    # go-live day
    ("go_live_day.vendor_support", "Vendor support booked on call or on site for days 1-3", "it_liaison", -14, None),
    ("go_live_day.patient_load_cut", "Patient load cut by 20-30 % for the first days", "front_desk_coordinator", -14,
     None),
    ("go_live_day.floater", "A trained floater (super-user) on the floor at every location", "clinical_director", -7,
     None),
    ("go_live_day.issue_channel", "One channel where issues are logged and triaged (this app's issue log)",
     "project_lead", -7, None),
    ("go_live_day.debrief", "End-of-day debrief booked for the first days", "project_lead", -7, None),
    # 30-day review
    ("review_30.denial_rate", "Denial rate compared with the pre-go-live baseline", "billing_lead", 30, None),
    ("review_30.documentation_time", "Documentation time per clinician reviewed", "clinical_director", 30, None),
    ("review_30.staff_survey", "Staff satisfaction survey and friction points collected", "project_lead", 30, None),
    ("review_30.config_changes", "Configuration changes needed listed and assigned", "project_lead", 30, None),
    # 60-day billing review
    ("review_60.days_in_ar", "Days in AR compared with the baseline", "billing_lead", 60, None),
    ("review_60.payer_denials", "Denial trends per payer reviewed and rules updated", "billing_lead", 60, None),
    ("review_60.era_active", "ERA active for every major payer", "billing_lead", 60, None),
    ("review_60.charge_capture", "Charge capture checked for completeness", "billing_lead", 60, None),
    # 90-day performance baseline
    ("review_90.clean_claim_rate", "Clean claim rate recorded for the new baseline", "billing_lead", 90, None),
    ("review_90.days_in_ar", "Days in AR recorded for the new baseline", "billing_lead", 90, None),
    ("review_90.documentation_time", "Documentation time per note recorded", "clinical_director", 90, None),
    ("review_90.fill_and_no_show", "Schedule fill rate and no-show rate recorded", "front_desk_coordinator", 90, None),
    ("review_90.quarterly_review", "Numbers handed to the quarterly business review", "project_lead", 90, None),
)


def default_items(large_group: bool = False) -> list[ItemTemplate]:
    """The default items; HIPAA items go to the security specialist in larger groups, else the project lead."""
    hipaa_owner = "hipaa_specialist" if large_group else "project_lead"
    out = []
    for key, title, owner, offset, gates in _ITEMS:
        list_key = key.split(".", 1)[0]
        out.append(ItemTemplate(key, list_key, title, hipaa_owner if owner == "@hipaa" else owner, offset,
                                gates or LISTS_BY_KEY[list_key].gates))
    return out
