"""The demo practice's rollout project: profile, accepted plan, checklists and go-live issues.

``after``: go-live was 100 days ago; everything through go-live is done (a few items slipped), the 30-
and 60-day reviews are done and the 90-day baseline is under way; the go-live week's issues are logged.
``before``: go-live is three weeks away; planning, HIPAA basics (BAA signed well before any data moved)
and the test migration are done, billing configuration is blocked, spot checks, training and parts of
the go-live day plan are still open.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from auth import audit
from tracker import checklists, plan
from tracker.checklists import ChecklistItemRow
from tracker.db import session_scope
from tracker.issue_log import GoLiveIssueRow
from tracker.plan import MilestoneRow, PracticeProfileRow

SEEDER = audit.Actor("demo-setup", "administrator")
# Who does the work of each team role in the demo (usernames of auth.users.DEMO_USERS).
TEAM_MEMBERS = {"project_lead": "lead", "hipaa_specialist": "admin", "it_liaison": "lead",
                "billing_lead": "billing", "clinical_director": "clinician", "front_desk_coordinator": "frontdesk"}
CONTRACT_WEEKS = 14
PLANNING_LEAD_DAYS = 21


def _practice_shape(settings) -> tuple[list[str], dict[str, int]]:
    """Location names and providers per discipline from the legacy system in the warehouse (fallback: a
    typical three-location group)."""
    names, providers = ["Main Street", "Riverside", "Northgate"], {"PT": 10, "OT": 5, "SLP": 3}
    try:
        from warehouse.store import reading

        legacy = settings.legacy_source.name if settings.legacy_source else "legacy"
        with reading(settings.warehouse_url) as con:
            loc = con.table("locations").execute()
            prov = con.table("providers").execute()
        loc = loc[loc["source_system"] == legacy]
        prov = prov[prov["source_system"] == legacy]
        if "active" in prov.columns:
            prov = prov[prov["active"].fillna(True).astype(bool)]
        if len(loc) and len(prov):
            names = sorted(str(n) for n in loc["name"])
            providers = {str(k): int(v) for k, v in prov.groupby("discipline").size().items()}
    except Exception:  # noqa: BLE001 - the demo still works with the typical shape
        pass
    return names, providers


def _at(day: dt.date, hour: int = 16, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def seed_demo(settings, moment: str, today: dt.date) -> None:
    url = settings.database_url
    if plan.get_profile(url) is not None:
        return
    go_live = settings.go_live
    contract = go_live - dt.timedelta(weeks=CONTRACT_WEEKS)
    planning_start = contract - dt.timedelta(days=PLANNING_LEAD_DAYS)
    names, providers = _practice_shape(settings)
    version = plan.save_profile(url, SEEDER, {
        "practice_name": settings.raw.get("project", {}).get("practice_name", "Demo practice"),
        "location_count": len(names), "location_names": names, "providers_by_discipline": providers,
        "current_system": "complex_legacy", "contract_date": contract, "planning_start": planning_start,
        "target_go_live": go_live, "rollout": "big_bang", "parallel_run": False})
    plan.accept_plan(url, SEEDER, version)
    profile = plan.get_profile(url)
    checklists.create_checklists(url, SEEDER, go_live, large_group=profile.location_count > 1)
    with session_scope(url) as s:
        row = s.scalar(select(PracticeProfileRow))
        row.plan_accepted_at = _at(planning_start + dt.timedelta(days=10), 11)
        row.plan_accepted_by = "lead"
        milestones = {m.key: m for m in s.scalars(select(MilestoneRow))}
        items = {i.key: i for i in s.scalars(select(ChecklistItemRow))}
        if moment == "before":
            _before(milestones, items, today)
        else:
            _after(milestones, items, today)
        issues = _issues_after(go_live, names) if moment != "before" else _issues_before(today, names)
        for issue in issues:
            s.add(issue)
        audit.add(s, SEEDER, "demo.seed", resource_type="plan", resource_id="demo",
                  detail={"moment": moment, "milestones": len(milestones), "items": len(items), "issues": len(issues)})


def _done(m: MilestoneRow, day: dt.date, today: dt.date, note: str | None = None) -> None:
    m.status = "done"
    m.done_at = _at(min(day, today), 15)
    if note:
        m.notes = note


def _tick(i: ChecklistItemRow, day: dt.date, today: dt.date, evidence: str) -> None:
    i.done = True
    i.done_by = TEAM_MEMBERS.get(i.owner, "lead")
    i.done_at = _at(min(day, today), 14, 30)
    i.evidence = evidence


EVIDENCE = {
    "workflows": "Walk-through recorded and the written steps filed in the shared drive (Rollout/Workflows).",
    "config_scheduling": "Checked in the sandbox with the front desk; screenshots in Rollout/Config.",
    "config_documentation": "Templates reviewed by the lead therapists of each discipline.",
    "config_billing": "Test claims passed the scrubber; settings exported to Rollout/Billing.",
    "hipaa": "Signed copy filed in the compliance binder.",
    "data_migration": "Report filed in Rollout/Migration.",
    "go_live_day": "Confirmed by email; details in the go-live runbook.",
    "review_30": "Discussed at the 30-day review meeting; minutes filed.",
    "review_60": "Billing review notes filed.",
    "review_90": "Figures recorded on the KPI records page.",
}


def _before(milestones: dict[str, MilestoneRow], items: dict[str, ChecklistItemRow], today: dt.date) -> None:
    done_keys = ("team_assembled", "staff_informed", "workflows_documented", "plan_agreed", "hipaa_safeguards",
                 "backup_verified", "legacy_audit", "export_obtained", "field_mapping", "test_migration",
                 "config_scheduling", "config_documentation")
    for key in done_keys:
        m = milestones[key]
        slip = 4 if key == "field_mapping" else 0
        _done(m, m.due_date + dt.timedelta(days=slip), today)
    milestones["test_migration"].notes = "12 % sample moved in 3 h 40 min; full run estimated at one weekend."
    billing = milestones["config_billing"]
    billing.status, billing.due_date = "blocked", today + dt.timedelta(days=4)
    billing.blocked_reason = "ERA/EFT enrollment still pending with two major payers."
    signoff = milestones["configuration_signoff"]
    signoff.status, signoff.due_date = "in_progress", today + dt.timedelta(days=8)
    validation = milestones["migration_validation"]
    validation.status = "in_progress"
    validation.notes = "Spot-check sample drawn; review under way."
    supers = milestones["super_users_trained"]
    supers.status, supers.due_date = "in_progress", today + dt.timedelta(days=5)
    for key in ("role_training",):
        milestones[key].status = "in_progress"

    open_items = {"config_documentation.outcome_tools", "config_billing.claim_scrubbing", "config_billing.era_eft",
                  "config_billing.denial_workflows", "hipaa.workflow_training", "hipaa.compliance_records",
                  "data_migration.spot_checks", "data_migration.legacy_read_only_90d", "go_live_day.patient_load_cut",
                  "go_live_day.floater", "go_live_day.debrief"}
    for key, item in items.items():
        if item.list_key.startswith("review_") or key in open_items:
            continue
        if item.due_date and item.due_date > today + dt.timedelta(days=14):
            continue
        evidence = EVIDENCE[item.list_key]
        if key == "hipaa.baa_signed":
            evidence = "BAA countersigned by the vendor; PDF in the compliance binder."
            day = milestones["hipaa_safeguards"].start_date + dt.timedelta(days=5)
        elif key == "data_migration.ar_approach":
            evidence = "Open balances validated against the legacy aged-trial-balance before they move."
            day = today - dt.timedelta(days=6)
        else:
            day = min(item.due_date or today, today - dt.timedelta(days=1))
        _tick(item, day, today, evidence)


def _after(milestones: dict[str, MilestoneRow], items: dict[str, ChecklistItemRow], today: dt.date) -> None:
    slips = {"field_mapping": 4, "config_billing": 6, "configuration_signoff": 5, "super_users_trained": 3}
    for key, m in milestones.items():
        if key == "review_90":
            continue
        if slips.get(key):
            m.due_date = m.due_date + dt.timedelta(days=slips[key])
        _done(m, m.due_date, today)
    milestones["configuration_signoff"].notes = "Signed off by the administrator, clinical and billing leads."
    milestones["training_completion"].notes = "Every role group above 90 % with the sandbox check passed (Training page)."
    milestones["migration_validation"].notes = "Spot-check sample reviewed and signed off (Spot checks page)."
    milestones["final_approval"].notes = "Go decision recorded on the go/no-go page."
    milestones["review_90"].status = "in_progress"
    milestones["review_90"].due_date = milestones["review_90"].due_date + dt.timedelta(days=14)
    milestones["review_90"].notes = "Waiting for the last month's remittances before recording the baseline."
    open_items = {"review_60.charge_capture", "review_90.clean_claim_rate", "review_90.days_in_ar",
                  "review_90.quarterly_review"}
    for key, item in items.items():
        if key in open_items:
            if item.list_key == "review_90":
                item.due_date = milestones["review_90"].due_date
            continue
        _tick(item, item.due_date or today, today, EVIDENCE[item.list_key])


_ISSUES = (
    ("scheduling", "high", "Recurring appointments created before cut-over show the wrong therapist"),
    ("access", "blocker", "Two front-desk staff cannot sign in: accounts not activated"),
    ("documentation", "normal", "Daily note template is missing the OT goals section"),
    ("hardware", "high", "Check-in tablet cannot reach the new system on the guest Wi-Fi"),
    ("billing", "high", "Claims for 97530 rejected by the scrubber: modifier rule too strict"),
    ("training", "normal", "Assistants unsure how to route notes for co-signature"),
    ("scheduling", "normal", "Reminder texts go out in the wrong time zone"),
    ("documentation", "blocker", "Evaluation note cannot be signed: outcome score field required but hidden"),
    ("billing", "normal", "Copay not shown at check-out for workers' comp visits"),
    ("access", "normal", "Billing lead cannot open the ERA report"),
    ("hardware", "low", "Label printer at the front desk prints blank labels"),
    ("training", "normal", "Clinicians ask where the progress-note due alerts appear"),
    ("scheduling", "normal", "Waitlist not offering cancelled slots"),
    ("documentation", "normal", "Speech therapy templates missing the swallow screen"),
    ("billing", "high", "Secondary claims not generated after primary payment posts"),
    ("scheduling", "low", "Colours of appointment types hard to tell apart"),
    ("training", "low", "Requests for a second quick-reference card on payment posting"),
    ("documentation", "normal", "Discharge summary does not pull the last goal status"),
)
RESOLUTIONS = {
    "scheduling": "Corrected the configuration and re-checked the affected appointments.",
    "documentation": "Template fixed by the clinical director and re-published.",
    "billing": "Rule updated with the vendor; affected claims re-submitted.",
    "access": "Accounts and permissions fixed by the IT liaison.",
    "hardware": "Device reconfigured on site.",
    "training": "Covered at the next huddle and added to the quick-reference cards.",
}


def _issues_after(go_live: dt.date, locations: list[str]) -> list[GoLiveIssueRow]:
    rng = random.Random(606)
    people = ["frontdesk", "clinician", "billing", "lead", "frontdesk", "clinician"]
    out = []
    for n, (category, severity, what) in enumerate(_ISSUES):
        day = go_live + dt.timedelta(days=min(n // 4, 4))
        opened = _at(day, 8 + rng.randrange(9), rng.randrange(60))
        row = GoLiveIssueRow(opened_at=opened, opened_by=people[n % len(people)], what=what,
                             location=locations[n % len(locations)], severity=severity, category=category,
                             owner={"billing": "billing", "documentation": "clinician"}.get(category, "lead"),
                             status="resolved", version_id=1)
        if n in (13, 17):  # two small ones still open
            row.status = "in_progress" if n == 13 else "open"
        else:
            hours = 2 if severity == "blocker" else rng.choice((3, 5, 20, 28, 50))
            row.resolved_at = opened + dt.timedelta(hours=hours)
            row.resolved_by = row.owner
            row.resolution = RESOLUTIONS[category]
        out.append(row)
    return out


def _issues_before(today: dt.date, locations: list[str]) -> list[GoLiveIssueRow]:
    """A few issues found in the sandbox and the test migration."""
    rows = [
        ("billing", "high", "Sandbox: fee schedule is missing 97140 for two payers", today - dt.timedelta(days=9), True),
        ("documentation", "normal", "Sandbox: PTA notes do not ask for co-signature", today - dt.timedelta(days=6), True),
        ("scheduling", "normal", "Test migration: 31 appointments landed on the wrong location",
         today - dt.timedelta(days=3), False),
    ]
    out = []
    for n, (category, severity, what, day, resolved) in enumerate(rows):
        opened = _at(day, 10 + n, 15)
        row = GoLiveIssueRow(opened_at=opened, opened_by="lead", what=what, location=locations[n % len(locations)],
                             severity=severity, category=category, owner="lead", status="open")
        if resolved:
            row.status, row.resolution = "resolved", RESOLUTIONS[category]
            row.resolved_at, row.resolved_by = opened + dt.timedelta(days=1), "lead"
        out.append(row)
    return out
