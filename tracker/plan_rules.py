"""Timeline rules of a rollout: recommended length, warnings and the proposed milestone dates.

Pure functions on plain values (no database, no streamlit) so every rule is unit-tested on hand-made
profiles. The facts come from DOMAIN.md; the exact fractions used to place milestones between the
contract and the go-live date are our own choice, documented in ``MILESTONE_RULES`` below.

Dates: every proposed milestone is placed ``round(fraction * T)`` days after the contract date (T =
days from contract to go-live) or a fixed number of days before/after go-live. A date that falls on a
Saturday or Sunday moves back to the Friday before, except the go-live date itself (the practice's
choice) and the go-live waves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CURRENT_SYSTEMS = {"paper": "Paper charts", "simple": "A simple system", "complex_legacy": "A complex legacy system"}
ROLLOUTS = {"big_bang": "Big bang (everything on one date)", "phased_module": "Phased by module",
            "phased_location": "Phased by location"}
STATUSES = {"not_started": "Not started", "in_progress": "In progress", "blocked": "Blocked", "done": "Done"}
CHECKPOINTS = ("configuration_signoff", "training_completion", "parallel_run", "migration_validation",
               "final_approval")
PHASES = {
    "planning": "Pre-implementation planning",
    "hipaa": "HIPAA safeguards",
    "data_migration": "Data migration",
    "configuration": "System configuration",
    "training": "Staff training",
    "go_live": "Go-live",
    "after_go_live": "After go-live",
}

# The implementation team (DOMAIN.md "Who is involved"). An owner field holds one of these keys or a
# username; "My items" maps each app role to the team roles it covers (see tracker/checklists.py).
TEAM_ROLES = {
    "project_lead": "Project lead (practice administrator)",
    "clinical_director": "Clinical director",
    "billing_lead": "Billing lead",
    "front_desk_coordinator": "Front-desk coordinator",
    "it_liaison": "IT / vendor liaison",
    "hipaa_specialist": "Security / HIPAA specialist",
}

FLOOR_WEEKS = 6
PLANNING_WEEKS = (4, 8)
VENDOR_SELECTION_WEEKS = 16
LARGE_GROUP_PROVIDERS = 10
SMALL_CLINIC_PROVIDERS = 3
WAVE_GAP_DAYS = 14


@dataclass(frozen=True)
class ProfileInput:
    """What the lead enters about the practice (validated by ``check_profile``)."""

    location_count: int
    providers_by_discipline: Mapping[str, int]
    current_system: str
    contract_date: dt.date
    target_go_live: dt.date
    rollout: str
    parallel_run: bool
    planning_start: dt.date

    @property
    def providers(self) -> int:
        return sum(int(v) for v in self.providers_by_discipline.values())


@dataclass(frozen=True)
class PlanWarning:
    level: str  # "red" | "amber" | "info"
    code: str
    message: str


@dataclass(frozen=True)
class ProposedMilestone:
    key: str
    phase: str
    title: str
    owner: str
    start_date: dt.date
    due_date: dt.date
    checkpoint: str | None = None
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProposedPlan:
    weeks: float
    recommended_weeks: tuple[int, int]
    warnings: tuple[PlanWarning, ...]
    milestones: tuple[ProposedMilestone, ...] = field(default_factory=tuple)


def check_profile(profile: ProfileInput) -> None:
    """Raise ValueError naming the field when a profile cannot be planned at all."""
    if profile.location_count < 1:
        raise ValueError("Locations: a practice has at least one location.")
    if any(int(v) < 0 for v in profile.providers_by_discipline.values()):
        raise ValueError("Providers: counts cannot be negative.")
    if profile.providers < 1:
        raise ValueError("Providers: enter at least one provider.")
    if profile.current_system not in CURRENT_SYSTEMS:
        raise ValueError(f"Current system: {profile.current_system!r} is not one of {', '.join(CURRENT_SYSTEMS)}.")
    if profile.rollout not in ROLLOUTS:
        raise ValueError(f"Rollout: {profile.rollout!r} is not one of {', '.join(ROLLOUTS)}.")
    if profile.target_go_live <= profile.contract_date:
        raise ValueError("Target go-live must be after the contract date.")
    if profile.planning_start >= profile.target_go_live:
        raise ValueError("Planning start must be before the target go-live.")


def weeks_between(start: dt.date, end: dt.date) -> float:
    return round((end - start).days / 7, 1)


def is_large_group(profile: ProfileInput) -> bool:
    return profile.location_count > 1 or profile.providers >= LARGE_GROUP_PROVIDERS


def recommended_weeks(profile: ProfileInput) -> tuple[int, int]:
    """Contract-to-go-live range in weeks for this practice.

    DOMAIN.md gives 8-12 weeks for one location with 3-10 providers and 12-16 for several locations
    or a complex legacy migration. Our choices where it is silent: a single location with more than
    10 providers is treated like a larger group (12-16); one with 1-2 providers gets 6-10 (the
    6-week floor still applies).
    """
    if profile.location_count > 1 or profile.current_system == "complex_legacy":
        return (12, 16)
    if profile.providers > LARGE_GROUP_PROVIDERS:
        return (12, 16)
    if profile.providers >= SMALL_CLINIC_PROVIDERS:
        return (8, 12)
    return (6, 10)


def planning_end(profile: ProfileInput) -> dt.date:
    """End of pre-implementation planning: a quarter of the contract-to-go-live span after the contract,
    and never earlier than a week after planning started."""
    span = (profile.target_go_live - profile.contract_date).days
    end = profile.contract_date + dt.timedelta(days=round(span * 0.25))
    return max(end, profile.planning_start + dt.timedelta(days=7))


def warnings_for(profile: ProfileInput) -> list[PlanWarning]:
    """Plain-words warnings for every rule the profile breaks (red first, then amber, then info)."""
    out: list[PlanWarning] = []
    weeks = weeks_between(profile.contract_date, profile.target_go_live)
    low, high = recommended_weeks(profile)
    if weeks < FLOOR_WEEKS:
        out.append(PlanWarning("red", "under_floor",
                               f"Go-live is only {weeks:g} weeks after the contract, under the {FLOOR_WEEKS}-week "
                               "minimum. Rollouts this short tend to bring higher claim denial rates and unhappy "
                               "staff during the first 90 days."))
    elif weeks < low:
        out.append(PlanWarning("amber", "below_range",
                               f"Go-live is {weeks:g} weeks after the contract; a practice like this one usually "
                               f"needs {low}-{high} weeks. Expect a compressed schedule for configuration and "
                               "training."))
    elif weeks > high:
        out.append(PlanWarning("info", "above_range",
                               f"Go-live is {weeks:g} weeks after the contract, longer than the usual {low}-{high} "
                               "weeks. That is safe, but keep the team's momentum with firm checkpoints."))
    if profile.rollout == "big_bang" and is_large_group(profile):
        why = (f"{profile.location_count} locations" if profile.location_count > 1
               else f"{profile.providers} providers")
        out.append(PlanWarning("amber", "big_bang_large_group",
                               f"Big bang with {why}: groups with several locations or 10 or more providers "
                               "usually go live in phases (by module or by location) so problems stay small "
                               "and each wave learns from the last."))
    if (profile.rollout != "big_bang" and profile.location_count == 1
            and profile.providers <= SMALL_CLINIC_PROVIDERS):
        out.append(PlanWarning("info", "phased_small_clinic",
                               f"A phased rollout is usually unnecessary for a clinic with {profile.providers} "
                               "provider(s): going live with everything on one date is simpler and avoids "
                               "keeping two systems running."))
    if profile.rollout == "phased_location" and profile.location_count == 1:
        out.append(PlanWarning("amber", "phased_location_single",
                               "Phasing by location needs more than one location; choose big bang or phase "
                               "by module."))
    planning_weeks = weeks_between(profile.planning_start, planning_end(profile))
    if planning_weeks < PLANNING_WEEKS[0]:
        out.append(PlanWarning("amber", "short_planning",
                               f"Pre-implementation planning gets only {planning_weeks:g} weeks (from "
                               f"{profile.planning_start:%d %b %Y} to {planning_end(profile):%d %b %Y}); plan for "
                               f"{PLANNING_WEEKS[0]}-{PLANNING_WEEKS[1]} weeks to document workflows and prepare "
                               "staff."))
    if profile.parallel_run and profile.location_count == 1:
        out.append(PlanWarning("info", "parallel_single_location",
                               "Running both systems side by side roughly doubles the front desk's and "
                               "clinicians' work; most single-location clinics do better with a clean cut-over "
                               "after a thorough validation."))
    vendor_start = profile.contract_date - dt.timedelta(weeks=VENDOR_SELECTION_WEEKS)
    out.append(PlanWarning("info", "vendor_selection",
                           f"For reference: choosing a vendor takes about {VENDOR_SELECTION_WEEKS} weeks, so for "
                           f"this contract date the selection would have started around {vendor_start:%d %b %Y}."))
    order = {"red": 0, "amber": 1, "info": 2}
    return sorted(out, key=lambda w: order[w.level])


def _weekday(day: dt.date) -> dt.date:
    """Move a Saturday or Sunday back to the Friday before."""
    if day.weekday() >= 5:
        return day - dt.timedelta(days=day.weekday() - 4)
    return day


# (key, phase, title, owner, checkpoint, start rule, due rule, depends on)
# A rule is ("c", fraction): contract + round(fraction * T) days; ("g", days): go-live + days;
# ("p", days): planning start + days; ("pe", days): planning end + days.
MILESTONE_RULES: tuple[tuple, ...] = (
    ("team_assembled", "planning", "Implementation team assembled, one owner per area", "project_lead", None,
     ("p", 0), ("p", 7), ()),
    ("staff_informed", "planning", "Staff told about the change (town hall, walk-throughs, one-pagers)",
     "project_lead", None, ("p", 7), ("p", 14), ("team_assembled",)),
    ("workflows_documented", "planning", "Nine current workflows documented", "project_lead", None,
     ("p", 7), ("pe", -3), ("team_assembled",)),
    ("plan_agreed", "planning", "Go-live date and milestone checkpoints agreed", "project_lead", None,
     ("p", 7), ("pe", 0), ("workflows_documented",)),
    ("hipaa_safeguards", "hipaa", "HIPAA safeguards in place before any patient data moves", "@hipaa", None,
     ("c", 0), ("c", 0.15), ()),
    ("backup_verified", "data_migration", "Legacy data backed up and restore tested", "it_liaison", None,
     ("c", 0.1), ("c", 0.2), ()),
    ("legacy_audit", "data_migration", "Legacy data cleaned up (duplicates, outdated insurance)",
     "front_desk_coordinator", None, ("c", 0.15), ("c", 0.3), ()),
    ("export_obtained", "data_migration", "Full export of the legacy data received", "it_liaison", None,
     ("c", 0.2), ("c", 0.35), ("hipaa_safeguards",)),
    ("field_mapping", "data_migration", "Fields mapped between the two systems", "it_liaison", None,
     ("c", 0.3), ("c", 0.45), ("export_obtained",)),
    ("test_migration", "data_migration", "Test migration of a 10-15 % sample", "it_liaison", None,
     ("c", 0.45), ("c", 0.55), ("field_mapping", "backup_verified", "legacy_audit")),
    ("migration_validation", "data_migration", "Data migration validated (spot checks signed off)",
     "project_lead", "migration_validation", ("c", 0.55), ("g", -14), ("test_migration",)),
    ("config_scheduling", "configuration", "Scheduling configured", "front_desk_coordinator", None,
     ("pe", 0), ("c", 0.45), ("plan_agreed",)),
    ("config_documentation", "configuration", "Clinical documentation configured", "clinical_director", None,
     ("pe", 0), ("c", 0.5), ("plan_agreed",)),
    ("config_billing", "configuration", "Billing configured", "billing_lead", None,
     ("pe", 0), ("c", 0.55), ("plan_agreed",)),
    ("configuration_signoff", "configuration", "Configuration signed off", "project_lead",
     "configuration_signoff", ("c", 0.55), ("c", 0.6),
     ("config_scheduling", "config_documentation", "config_billing")),
    ("super_users_trained", "training", "Super-users trained in the sandbox", "clinical_director", None,
     ("c", 0.6), ("c", 0.7), ("configuration_signoff",)),
    ("role_training", "training", "Role-based training sessions held", "project_lead", None,
     ("c", 0.65), ("g", -10), ("super_users_trained",)),
    ("training_completion", "training", "Training complete: 90 % of every role group passed the sandbox check",
     "project_lead", "training_completion", ("g", -14), ("g", -7), ("role_training",)),
    ("parallel_run", "go_live", "Parallel run finished", "project_lead", "parallel_run", ("g", -14), ("g", -3),
     ("migration_validation", "training_completion")),
    ("final_approval", "go_live", "Final go-live approval", "project_lead", "final_approval", ("g", -5),
     ("g", -3), ("configuration_signoff", "training_completion", "migration_validation", "parallel_run",
                 "hipaa_safeguards")),
    ("go_live", "go_live", "Go-live", "project_lead", None, ("g", 0), ("g", 0), ("final_approval",)),
    ("review_30", "after_go_live", "30-day review", "project_lead", None, ("g", 1), ("g", 30), ("go_live",)),
    ("review_60", "after_go_live", "60-day billing review", "billing_lead", None, ("g", 31), ("g", 60),
     ("review_30",)),
    ("review_90", "after_go_live", "90-day performance baseline", "project_lead", None, ("g", 61), ("g", 90),
     ("review_60",)),
)
FIXED_KEYS = ("go_live",)  # dates the practice chose; never moved off a weekend


def _resolve(rule: tuple, profile: ProfileInput) -> dt.date:
    kind, value = rule
    span = (profile.target_go_live - profile.contract_date).days
    if kind == "c":
        return profile.contract_date + dt.timedelta(days=round(value * span))
    if kind == "g":
        return profile.target_go_live + dt.timedelta(days=value)
    if kind == "p":
        return profile.planning_start + dt.timedelta(days=value)
    if kind == "pe":
        return planning_end(profile) + dt.timedelta(days=value)
    raise ValueError(f"unknown date rule {rule!r}")


def _waves(profile: ProfileInput) -> list[ProposedMilestone]:
    """Later go-live waves of a phased rollout, two weeks apart after the first go-live."""
    if profile.rollout == "phased_module":
        names = [("wave_documentation", "Wave 2: clinical documentation live in the new system", "clinical_director"),
                 ("wave_billing", "Wave 3: billing live in the new system", "billing_lead")]
    elif profile.rollout == "phased_location" and profile.location_count > 1:
        names = [(f"wave_location_{n}", f"Wave {n}: location {n} live", "project_lead")
                 for n in range(2, profile.location_count + 1)]
    else:
        return []
    out, previous = [], "go_live"
    for i, (key, title, owner) in enumerate(names, start=1):
        due = profile.target_go_live + dt.timedelta(days=WAVE_GAP_DAYS * i)
        out.append(ProposedMilestone(key, "go_live", title, owner, due - dt.timedelta(days=WAVE_GAP_DAYS - 1), due,
                                     None, (previous,)))
        previous = key
    return out


def propose_plan(profile: ProfileInput) -> ProposedPlan:
    """The proposed plan for a profile: milestones with owners and dates, plus the warnings."""
    check_profile(profile)
    hipaa_owner = "hipaa_specialist" if is_large_group(profile) else "project_lead"
    keys = {rule[0] for rule in MILESTONE_RULES}
    if not profile.parallel_run:
        keys.discard("parallel_run")
    milestones = []
    for key, phase, title, owner, checkpoint, start_rule, due_rule, deps in MILESTONE_RULES:
        if key not in keys:
            continue
        due = _resolve(due_rule, profile)
        start = _resolve(start_rule, profile)
        if key not in FIXED_KEYS:
            due = _weekday(due)
        start = min(start, due)
        milestones.append(ProposedMilestone(key, phase, title, hipaa_owner if owner == "@hipaa" else owner, start,
                                            due, checkpoint, tuple(d for d in deps if d in keys)))
    milestones.extend(_waves(profile))
    return ProposedPlan(weeks_between(profile.contract_date, profile.target_go_live), recommended_weeks(profile),
                        tuple(warnings_for(profile)), tuple(milestones))


# ------------------------------------------------------------------ dependencies and critical path


def creates_cycle(depends_on: Mapping[int, Iterable[int]], milestone: int, prerequisite: int) -> bool:
    """Would "milestone depends on prerequisite" close a loop? True when milestone is already reachable
    from prerequisite by following dependencies (or they are the same)."""
    if milestone == prerequisite:
        return True
    seen, stack = set(), [prerequisite]
    while stack:
        node = stack.pop()
        if node == milestone:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(depends_on.get(node, ()))
    return False


@dataclass(frozen=True)
class PathNode:
    id: int
    due_date: dt.date | None
    done: bool
    depends_on: tuple[int, ...]


def critical_path(nodes: Iterable[PathNode], target: int) -> list[int]:
    """The chain of open dependencies that decides the target's date, earliest first.

    From the target, step to the open (not done) prerequisite that is due last: it is the one the
    target waits for. Ties go to the lower id so the result is stable. The target is included when open.
    """
    by_id = {n.id: n for n in nodes}
    if target not in by_id:
        return []
    chain, current, seen = [], by_id[target], set()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        if not current.done:
            chain.append(current.id)
        open_deps = [by_id[d] for d in current.depends_on if d in by_id and not by_id[d].done]
        if not open_deps:
            break
        current = max(open_deps, key=lambda n: (n.due_date or dt.date.min, -n.id))
    return list(reversed(chain))


def slip_days(due: dt.date | None, baseline: dt.date | None) -> int | None:
    """Days the current due date moved past the baseline (negative: pulled in)."""
    if due is None or baseline is None:
        return None
    return (due - baseline).days


def is_overdue(due: dt.date | None, status: str, today: dt.date) -> bool:
    return due is not None and status != "done" and due < today
