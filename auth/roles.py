"""Roles and what each may see. Data, not if/else chains: app.py builds navigation from PAGES."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

OWNER = "owner"
ADMINISTRATOR = "administrator"
IMPLEMENTATION_LEAD = "implementation_lead"
BILLING = "billing"
CLINICIAN = "clinician"
FRONT_DESK = "front_desk"
ROLES = (OWNER, ADMINISTRATOR, IMPLEMENTATION_LEAD, BILLING, CLINICIAN, FRONT_DESK)
ROLE_LABELS = {
    OWNER: "Owner",
    ADMINISTRATOR: "Practice administrator",
    IMPLEMENTATION_LEAD: "Implementation lead",
    BILLING: "Billing lead",
    CLINICIAN: "Clinician",
    FRONT_DESK: "Front desk",
}
ALL = ROLES
# Roles allowed to open patient-level data (drill-downs, findings side by side, spot checks).
PATIENT_LEVEL_ROLES = (OWNER, ADMINISTRATOR, IMPLEMENTATION_LEAD, BILLING)

APP_PAGES_DIR = Path(__file__).resolve().parent.parent / "app_pages"


@dataclass(frozen=True)
class PageSpec:
    key: str  # file name in app_pages/ without .py, also the url path
    title: str
    section: str
    roles: tuple[str, ...]
    icon: str = ""

    @property
    def path(self) -> Path:
        return APP_PAGES_DIR / f"{self.key}.py"


# Every screen of the product. A page whose file does not exist yet is simply left out of navigation.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", "Home", "Overview", ALL, ":material/home:"),
    PageSpec("go_no_go", "Go / no-go", "Overview", (OWNER, ADMINISTRATOR, IMPLEMENTATION_LEAD), ":material/flag:"),
    PageSpec("golive_review", "Go-live review", "Results", (OWNER, ADMINISTRATOR), ":material/monitoring:"),
    PageSpec("quarterly_review", "Quarterly review", "Results", (OWNER,), ":material/calendar_month:"),
    PageSpec("kpi_records", "KPI records", "Results", (OWNER, ADMINISTRATOR, BILLING), ":material/table_view:"),
    PageSpec("plan", "Plan & milestones", "Rollout", (OWNER, ADMINISTRATOR, IMPLEMENTATION_LEAD), ":material/timeline:"),
    PageSpec("checklists", "Checklists", "Rollout", (OWNER, ADMINISTRATOR, IMPLEMENTATION_LEAD, BILLING, CLINICIAN),
             ":material/checklist:"),
    PageSpec("my_items", "My items", "Rollout", ALL, ":material/assignment_ind:"),
    PageSpec("issue_log", "Go-live issue log", "Rollout", ALL, ":material/bug_report:"),
    PageSpec("debrief", "End-of-day debrief", "Rollout", (OWNER, ADMINISTRATOR, IMPLEMENTATION_LEAD),
             ":material/summarize:"),
    PageSpec("training", "Training", "People", (OWNER, ADMINISTRATOR, IMPLEMENTATION_LEAD), ":material/school:"),
    PageSpec("staff_pulse", "Staff pulse", "People", ALL, ":material/favorite:"),
    PageSpec("vendors", "Vendor decision", "People", (OWNER, ADMINISTRATOR, IMPLEMENTATION_LEAD), ":material/storefront:"),
    PageSpec("migration_readiness", "Migration readiness", "Data migration",
             (ADMINISTRATOR, IMPLEMENTATION_LEAD, BILLING, OWNER), ":material/fact_check:"),
    PageSpec("migration_findings", "Migration findings", "Data migration", (ADMINISTRATOR, IMPLEMENTATION_LEAD),
             ":material/rule:"),
    PageSpec("migration_runs", "Check runs", "Data migration", (ADMINISTRATOR, IMPLEMENTATION_LEAD), ":material/history:"),
    PageSpec("spot_checks", "Spot checks", "Data migration", (ADMINISTRATOR, IMPLEMENTATION_LEAD), ":material/search_check:"),
    PageSpec("premigration_audit", "Pre-migration audit", "Data migration",
             (ADMINISTRATOR, IMPLEMENTATION_LEAD, FRONT_DESK), ":material/cleaning_services:"),
    PageSpec("data_sources", "Data sources", "Administration", (ADMINISTRATOR,), ":material/database:"),
    PageSpec("users", "Users", "Administration", (ADMINISTRATOR,), ":material/group:"),
    PageSpec("audit_log", "Audit log", "Administration", (ADMINISTRATOR,), ":material/policy:"),
)
PAGES_BY_KEY = {p.key: p for p in PAGES}


def can_view(role: str, page_key: str) -> bool:
    spec = PAGES_BY_KEY.get(page_key)
    return spec is not None and role in spec.roles


def pages_for(role: str, only_built: bool = True) -> list[PageSpec]:
    """The pages a role may open, in menu order; only those whose script exists unless asked."""
    return [p for p in PAGES if role in p.roles and (not only_built or p.path.exists())]


def may_see_patients(role: str) -> bool:
    return role in PATIENT_LEVEL_ROLES
