"""Go/no-go readiness: the criteria of the go-live decision and the verdict, as pure functions.

Everything a criterion looks at arrives in one plain :class:`ReadinessInputs` (built from the live
app DB and warehouse by ``metrics.readiness_inputs.gather_inputs``, or by hand in tests). Nothing in
this module reads a database, a file or the clock, so every rule can be checked on a hand-made state.

Each criterion is green, amber or red, critical or not, and carries its evidence, an owner and the
page (an ``auth.roles`` page key) where it is fixed. The verdict:

- **NO-GO** when any critical criterion is red;
- **GO WITH RISKS** when anything is amber, or a non-critical criterion is red;
- **GO** otherwise.

Missing evidence is never silently green: when an area has nothing recorded (or its module is not
installed), the criterion says "no evidence yet" with the reason, red when critical, amber otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal

GREEN, AMBER, RED = "green", "amber", "red"
STATES = (GREEN, AMBER, RED)
_RANK = {GREEN: 0, AMBER: 1, RED: 2}

GO, GO_WITH_RISKS, NO_GO = "GO", "GO WITH RISKS", "NO-GO"
VERDICTS = (GO, GO_WITH_RISKS, NO_GO)

# Team roles as DOMAIN.md names them (who fixes what).
ADMINISTRATOR = "Practice administrator"
IMPLEMENTATION_LEAD = "Implementation lead"
CLINICAL_LEAD = "Clinical lead"
BILLING_LEAD = "Billing lead"
IT_CONTACT = "IT contact"
SECURITY_LEAD = "HIPAA / security lead"

# Milestone checkpoints of DOMAIN.md, in the order a rollout reaches them.
CHECKPOINTS = {
    "configuration_signoff": "Configuration sign-off",
    "training_completion": "Training completion",
    "parallel_run": "Parallel run",
    "migration_validation": "Data migration validation",
    "final_approval": "Final go-live approval",
}
HIPAA_ITEMS = {
    "hipaa.baa_signed": "Business associate agreement signed",
    "hipaa.risk_analysis": "Security risk analysis",
    "hipaa.role_based_access": "Role-based access configured",
    "hipaa.audit_logging": "Audit logging on",
    "hipaa.workflow_training": "HIPAA training in the new workflows",
}
CONFIG_LISTS = {
    "config_scheduling": "Scheduling configuration",
    "config_documentation": "Clinical documentation configuration",
    "config_billing": "Billing configuration",
    "workflows": "The nine current workflows documented",
}
GO_LIVE_DAY_ITEMS = {
    "go_live_day.vendor_support": "Vendor support booked for days 1-3",
    "go_live_day.issue_channel": "One channel to log and triage issues",
    "go_live_day.debrief": "End-of-day debrief set",
}
BACKUP_ITEM = "data_migration.backup_verified"


# ------------------------------------------------------------------ thresholds


@dataclass(frozen=True)
class ThresholdSpec:
    key: str
    label: str
    default: float
    minimum: float
    maximum: float
    unit: str  # "weeks" | "ratio" | "currency" | "days" | "hours"
    help: str = ""


THRESHOLDS: tuple[ThresholdSpec, ...] = (
    ThresholdSpec("timeline_floor_weeks", "Shortest acceptable project (weeks, red below)", 6, 1, 52, "weeks",
                  "Under this many weeks from contract to go-live, denial rates and staff dissatisfaction climb."),
    ThresholdSpec("timeline_small_weeks", "Recommended minimum, one location (weeks)", 8, 1, 52, "weeks"),
    ThresholdSpec("timeline_large_weeks", "Recommended minimum, several locations or complex legacy (weeks)",
                  12, 1, 78, "weeks"),
    ThresholdSpec("planning_min_weeks", "Pre-implementation planning at least (weeks)", 4, 0, 26, "weeks"),
    ThresholdSpec("training_gate", "Training gate per role group", 0.90, 0.5, 1.0, "ratio",
                  "Share of active staff in every role group with training done and proficiency passed."),
    ThresholdSpec("ar_tolerance", "Open AR reconciles within (USD)", 0.01, 0.0, 100.0, "currency"),
    ThresholdSpec("schedule_cut_min", "Go-live schedule cut at least", 0.20, 0.0, 0.9, "ratio"),
    ThresholdSpec("schedule_cut_max", "Go-live schedule cut at most", 0.30, 0.0, 0.95, "ratio"),
    ThresholdSpec("schedule_golive_days", "First go-live clinic days measured", 3, 1, 10, "days"),
    ThresholdSpec("freshness_hours", "Both sources synced within (hours)", 24, 1, 720, "hours"),
)
THRESHOLDS_BY_KEY = {t.key: t for t in THRESHOLDS}


@dataclass(frozen=True)
class Thresholds:
    timeline_floor_weeks: float = 6
    timeline_small_weeks: float = 8
    timeline_large_weeks: float = 12
    planning_min_weeks: float = 4
    training_gate: float = 0.90
    ar_tolerance: float = 0.01
    schedule_cut_min: float = 0.20
    schedule_cut_max: float = 0.30
    schedule_golive_days: float = 3
    freshness_hours: float = 24

    @classmethod
    def from_values(cls, values: Mapping[str, float] | None) -> Thresholds:
        """Defaults overridden by stored values (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in (values or {}).items() if k in known and v is not None})

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def check_threshold(key: str, value: float, current: Thresholds | None = None) -> str | None:
    """Why a threshold value cannot be used, or None when it can."""
    spec = THRESHOLDS_BY_KEY.get(key)
    if spec is None:
        return f"unknown threshold {key!r}"
    if not spec.minimum <= value <= spec.maximum:
        return f"{spec.label}: {value:g} is outside {spec.minimum:g}..{spec.maximum:g}"
    current = current or Thresholds()
    merged = replace(current, **{key: float(value)})
    if merged.schedule_cut_min > merged.schedule_cut_max:
        return "the smallest schedule cut must not be above the largest"
    if merged.timeline_floor_weeks > min(merged.timeline_small_weeks, merged.timeline_large_weeks):
        return "the shortest acceptable project must not be above a recommended minimum"
    return None


# ------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class ProfileFacts:
    contract_date: dt.date | None
    planning_start: dt.date | None
    location_count: int = 1
    provider_count: int = 0
    current_system: str = "simple"  # paper | simple | complex_legacy
    rollout: str = "big_bang"
    parallel_run: bool = False
    practice_name: str = ""


@dataclass(frozen=True)
class MilestoneFacts:
    id: int
    title: str
    checkpoint: str | None = None
    phase: str | None = None
    status: str = "not_started"  # not_started | in_progress | blocked | done
    owner: str | None = None
    due_date: dt.date | None = None
    done_at: dt.date | None = None
    evidence: str | None = None
    blocked_reason: str | None = None
    depends_on: tuple[int, ...] = ()
    key: str | None = None  # the plan's stable key; "go_live" marks the go-live milestone itself


@dataclass(frozen=True)
class TrainingGroupFacts:
    role_group: str
    label: str
    active_staff: int
    completed: int
    forecast_date: dt.date | None = None
    forecast_before_go_live: bool = False
    missing: int = 0

    @property
    def rate(self) -> float:
        return self.completed / self.active_staff if self.active_staff else 0.0


@dataclass(frozen=True)
class SyncFacts:
    source: str
    last_success_at: dt.datetime | None = None
    first_success_at: dt.datetime | None = None
    last_outcome: str | None = None  # success | failed | running
    last_error: str | None = None


@dataclass(frozen=True)
class MigrationRunFacts:
    ran_at: dt.datetime
    blockers: int = 0
    warnings: int = 0
    blocker_summaries: tuple[str, ...] = ()
    ar_legacy: Decimal | None = None
    ar_new: Decimal | None = None
    ar_difference: Decimal | None = None


@dataclass(frozen=True)
class SpotCheckFacts:
    size: int
    reviewed: int
    wrong: int
    signed_off: bool
    signed_off_by: str | None = None
    signed_off_at: dt.datetime | None = None


@dataclass(frozen=True)
class ChecklistItemFacts:
    key: str
    title: str
    done: bool
    owner: str | None = None
    done_at: dt.datetime | None = None
    done_by: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class LocationSchedule:
    """Booked minutes per clinic day at one location: the baseline's average against the first go-live days."""

    location: str
    baseline_days: int
    baseline_minutes_per_day: float
    golive_days: int
    golive_minutes_per_day: float

    @property
    def reduction(self) -> float | None:
        if self.baseline_minutes_per_day <= 0:
            return None
        return round(1 - self.golive_minutes_per_day / self.baseline_minutes_per_day, 4)


@dataclass(frozen=True)
class ReadinessInputs:
    """Everything the criteria look at. ``None`` means "nothing known"; ``gaps`` says why per area."""

    today: dt.date
    now: dt.datetime
    go_live: dt.date
    thresholds: Thresholds = field(default_factory=Thresholds)
    profile: ProfileFacts | None = None
    milestones: tuple[MilestoneFacts, ...] | None = None
    training: tuple[TrainingGroupFacts, ...] | None = None
    migration_run: MigrationRunFacts | None = None
    spot_check: SpotCheckFacts | None = None
    legacy_sync: SyncFacts | None = None
    new_sync: SyncFacts | None = None
    checklist_items: Mapping[str, ChecklistItemFacts] | None = None
    checklist_progress: Mapping[str, tuple[int, int]] | None = None
    legacy_ar_in_old_system: bool = False
    locations: tuple[str, ...] = ()
    super_users: Mapping[str, tuple[str, ...]] | None = None
    schedule: tuple[LocationSchedule, ...] | None = None
    gaps: Mapping[str, str] = field(default_factory=dict)

    def gap(self, area: str, default: str) -> str:
        return self.gaps.get(area) or default


# ------------------------------------------------------------------ outputs


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    state: str
    critical: bool
    evidence: str
    owner: str
    page: str
    details: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "state": self.state, "critical": self.critical,
                "evidence": self.evidence, "details": list(self.details), "owner": self.owner, "page": self.page}

    @classmethod
    def from_dict(cls, data: Mapping) -> Criterion:
        return cls(key=data["key"], title=data["title"], state=data["state"], critical=bool(data["critical"]),
                   evidence=data.get("evidence", ""), owner=data.get("owner", ""), page=data.get("page", ""),
                   details=tuple(data.get("details") or ()))


@dataclass(frozen=True)
class Readiness:
    verdict: str
    sentence: str
    score: int
    criteria: tuple[Criterion, ...]
    today: dt.date
    go_live: dt.date
    data_date: dt.datetime | None = None

    @property
    def days_to_go_live(self) -> int:
        return (self.go_live - self.today).days

    @property
    def blockers(self) -> list[Criterion]:
        """Criteria that are not green, the ones that stop go-live first."""
        return sorted((c for c in self.criteria if c.state != GREEN), key=_blocker_order)

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "sentence": self.sentence, "score": self.score,
                "today": self.today.isoformat(), "go_live": self.go_live.isoformat(),
                "days_to_go_live": self.days_to_go_live,
                "data_date": self.data_date.isoformat(sep=" ", timespec="minutes") if self.data_date else None,
                "criteria": [c.to_dict() for c in self.criteria]}


def _blocker_order(c: Criterion) -> tuple[int, int]:
    if c.critical and c.state == RED:
        return (0, 0)
    return (1 if c.state == RED else 2, 0)


def worst(states: Iterable[str]) -> str:
    return max(states, key=_RANK.__getitem__, default=GREEN)


# ------------------------------------------------------------------ helpers


def _date(value: dt.date | dt.datetime | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _fmt_day(value: dt.date | dt.datetime | None) -> str:
    d = _date(value)
    return d.strftime("%b %-d, %Y") if d else "?"


def _fmt_ts(value: dt.datetime | None) -> str:
    return value.strftime("%b %-d, %Y %H:%M") if value else "?"


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def _no_evidence(key: str, title: str, critical: bool, reason: str, owner: str, page: str) -> Criterion:
    return Criterion(key, title, RED if critical else AMBER, critical, f"No evidence yet: {reason}.", owner, page)


def _lower_first(label: str) -> str:
    """'Security risk analysis' -> 'security risk analysis', but 'HIPAA training' stays."""
    return label[0].lower() + label[1:] if len(label) > 1 and label[1].islower() else label


def _item_owner(items: Iterable[ChecklistItemFacts | None], default: str) -> str:
    for item in items:
        if item is not None and not item.done and item.owner:
            return item.owner
    return default


# ------------------------------------------------------------------ criteria


def timeline(inp: ReadinessInputs) -> Criterion:
    """Weeks from contract to go-live against DOMAIN.md's ranges for this practice, and planning time."""
    key, title, owner, page = "timeline", "Timeline", IMPLEMENTATION_LEAD, "plan"
    p, t = inp.profile, inp.thresholds
    if p is None or p.contract_date is None:
        return _no_evidence(key, title, False, inp.gap("profile", "the practice profile has no contract date"),
                            owner, page)
    weeks = (inp.go_live - p.contract_date).days / 7
    large = p.location_count > 1 or p.current_system == "complex_legacy"
    recommended = t.timeline_large_weeks if large else t.timeline_small_weeks
    kind = ("several locations or a complex legacy migration" if large
            else "one location moving from a simple system or paper")
    details = [f"Contract {_fmt_day(p.contract_date)}, go-live {_fmt_day(inp.go_live)}: {weeks:.1f} weeks; "
               f"at least {recommended:g} weeks are recommended for {kind}."]
    if weeks < t.timeline_floor_weeks:
        state = RED
        evidence = (f"{weeks:.1f} weeks from contract to go-live is under the {t.timeline_floor_weeks:g}-week floor, "
                    "where denial rates and staff dissatisfaction climb.")
    elif weeks < recommended:
        state = AMBER
        evidence = f"{weeks:.1f} weeks from contract to go-live is below the recommended {recommended:g} weeks."
    else:
        state = GREEN
        evidence = f"{weeks:.1f} weeks from contract to go-live (recommended at least {recommended:g})."
    if p.planning_start is None:
        state = worst([state, AMBER])
        details.append("The start of pre-implementation planning is not recorded.")
    else:
        planning_end = _planning_end(inp) or inp.go_live
        planning_weeks = (planning_end - p.planning_start).days / 7
        line = f"Pre-implementation planning: {planning_weeks:.1f} weeks from {_fmt_day(p.planning_start)}"
        if planning_weeks < t.planning_min_weeks:
            state = worst([state, AMBER])
            details.append(f"{line}, under the {t.planning_min_weeks:g} weeks it needs.")
            if state == AMBER and weeks >= recommended:
                evidence = f"Planning took {planning_weeks:.1f} weeks, under {t.planning_min_weeks:g}."
        else:
            details.append(f"{line}.")
    return Criterion(key, title, state, False, evidence, owner, page, tuple(details))


def _planning_end(inp: ReadinessInputs) -> dt.date | None:
    """The last due date of the planning phase's milestones, when the plan has such a phase."""
    dates = [m.due_date for m in inp.milestones or () if m.phase and "plan" in m.phase.lower() and m.due_date]
    return max(dates) if dates else None


def milestone_checkpoints(inp: ReadinessInputs) -> Criterion:
    """Each checkpoint done with evidence; no overdue milestone on the dependency path to go-live."""
    key, title, owner, page = "milestones", "Milestone checkpoints", IMPLEMENTATION_LEAD, "plan"
    if not inp.milestones:
        return _no_evidence(key, title, False, inp.gap("milestones", "the plan has no milestones"), owner, page)
    by_id = {m.id: m for m in inp.milestones}
    wanted = [c for c in CHECKPOINTS if c != "parallel_run" or (inp.profile and inp.profile.parallel_run)]
    states, details, owners = [], [], []
    checkpoints: list[MilestoneFacts] = []
    for cp in wanted:
        found = [m for m in inp.milestones if m.checkpoint == cp]
        if not found:
            states.append(AMBER)
            details.append(f"{CHECKPOINTS[cp]}: not in the plan.")
            continue
        for m in found:
            checkpoints.append(m)
            state, line = _checkpoint_state(m, inp.today)
            states.append(state)
            details.append(line)
            if state != GREEN and m.owner:
                owners.append(m.owner)
    roots = [m for m in inp.milestones if m.key == "go_live"] or checkpoints
    path = [m for m in _dependency_path(roots, by_id) if m not in checkpoints]
    overdue = [m for m in path if m.status != "done" and m.due_date and m.due_date < inp.today]
    for m in sorted(overdue, key=lambda m: m.due_date):
        states.append(RED)
        details.append(f"Overdue dependency on the path to go-live: {m.title} (due {_fmt_day(m.due_date)}, "
                       f"{(inp.today - m.due_date).days} days late, owner {m.owner or 'unassigned'}).")
        if m.owner:
            owners.append(m.owner)
    state = worst(states)
    done = sum(1 for m in checkpoints if m.status == "done")
    late = [m for m in checkpoints if m.status != "done" and m.due_date and m.due_date < inp.today] + overdue
    evidence = f"{done} of {len(wanted)} checkpoints done"
    if late:
        evidence += f"; {len(late)} overdue on the path to go-live: " + ", ".join(m.title for m in late)
    blocked = [m for m in checkpoints if m.status == "blocked"]
    if blocked:
        evidence += "; blocked: " + ", ".join(m.title for m in blocked)
    return Criterion(key, title, state, False, evidence + ".", owners[0] if owners else owner, page,
                     tuple(details))


def _checkpoint_state(m: MilestoneFacts, today: dt.date) -> tuple[str, str]:
    name = CHECKPOINTS.get(m.checkpoint or "", m.title)
    if m.status == "done":
        if m.evidence and m.evidence.strip():
            return GREEN, f"{name}: done {_fmt_day(m.done_at)} ({m.evidence.strip()})."
        return AMBER, f"{name}: marked done without evidence."
    if m.status == "blocked":
        return RED, f"{name}: blocked ({m.blocked_reason or 'no reason given'})."
    if m.due_date and m.due_date < today:
        return RED, f"{name}: overdue since {_fmt_day(m.due_date)}."
    if m.checkpoint == "final_approval":
        # The final approval is the decision recorded on the go/no-go page itself.
        return GREEN, f"{name}: pending, due {_fmt_day(m.due_date)} (recorded with the go/no-go decision)."
    return AMBER, f"{name}: {m.status.replace('_', ' ')}, due {_fmt_day(m.due_date)}."


def _dependency_path(roots: list[MilestoneFacts], by_id: Mapping[int, MilestoneFacts]) -> list[MilestoneFacts]:
    """Every milestone the roots depend on, directly or through others (the roots excluded)."""
    seen: set[int] = {m.id for m in roots}
    out: list[MilestoneFacts] = []
    stack = [d for m in roots for d in m.depends_on]
    while stack:
        mid = stack.pop()
        if mid in seen or mid not in by_id:
            continue
        seen.add(mid)
        m = by_id[mid]
        out.append(m)
        stack.extend(m.depends_on)
    return out


def training_gate(inp: ReadinessInputs) -> Criterion:
    """Every role group at or above the gate; amber when a group's forecast crosses before go-live."""
    key, title, owner, page = "training", "Training gate", IMPLEMENTATION_LEAD, "training"
    gate = inp.thresholds.training_gate
    groups = [g for g in inp.training or () if g.active_staff > 0]
    if not groups:
        return _no_evidence(key, title, True, inp.gap("training", "no staff or training records"), owner, page)
    states, details = [], []
    for g in groups:
        line = f"{g.label}: {g.completed}/{g.active_staff} ({_pct(g.rate)})"
        if g.rate + 1e-9 >= gate:
            states.append(GREEN)
            details.append(line + " - meets the gate.")
            continue
        crosses = (g.forecast_date <= inp.go_live) if g.forecast_date else g.forecast_before_go_live
        if crosses:
            states.append(AMBER)
            details.append(f"{line} - reaches {_pct(gate)} on {_fmt_day(g.forecast_date)}, "
                           f"before go-live {_fmt_day(inp.go_live)}.")
        elif g.forecast_date:
            states.append(RED)
            details.append(f"{line} - reaches {_pct(gate)} only on {_fmt_day(g.forecast_date)}, "
                           f"after go-live {_fmt_day(inp.go_live)}.")
        else:
            states.append(RED)
            details.append(f"{line} - no recent progress, so no date it reaches {_pct(gate)}.")
    below = [g for g in groups if g.rate + 1e-9 < gate]
    if not below:
        evidence = f"All {len(groups)} role groups at or above {_pct(gate)}."
    else:
        evidence = (f"{len(below)} of {len(groups)} role groups below {_pct(gate)}: "
                    + ", ".join(f"{g.label} {_pct(g.rate)}" for g in below) + ".")
    return Criterion(key, title, worst(states), True, evidence, owner, page, tuple(details))


def migration(inp: ReadinessInputs) -> Criterion:
    """Newest check after both newest syncs, no blocker, AR reconciled (or worked in the old system), sample signed off."""
    key, title, owner, page = "migration", "Data migration", ADMINISTRATOR, "migration_readiness"
    run = inp.migration_run
    if run is None:
        return _no_evidence(key, title, True, inp.gap("migration", "the migration check has never run"),
                            owner, page)
    problems, details = [], [f"Newest migration check ran {_fmt_ts(run.ran_at)}."]
    for label, sync in (("legacy", inp.legacy_sync), ("new", inp.new_sync)):
        if sync is None or sync.last_success_at is None:
            problems.append(f"the {label} source has no successful sync")
        elif sync.last_success_at > run.ran_at:
            problems.append(f"the check ran before the newest sync of the {label} source "
                            f"({_fmt_ts(sync.last_success_at)}); run it again")
    if run.blockers:
        problems.append(f"{run.blockers} blocker finding{'s' if run.blockers != 1 else ''}")
        details.extend(f"Blocker: {s}" for s in run.blocker_summaries[:5])
    tol = Decimal(str(inp.thresholds.ar_tolerance))
    if inp.legacy_ar_in_old_system:
        details.append("Open AR at cut-over is worked down in the old system (recorded by the practice).")
    elif run.ar_difference is None:
        problems.append("open AR at cut-over was not reconciled")
    else:
        diff = abs(Decimal(run.ar_difference))
        details.append(f"Open AR at cut-over: legacy {_money(run.ar_legacy)} vs new {_money(run.ar_new)}, "
                       f"difference {_money(run.ar_difference)}.")
        if diff > tol:
            problems.append(f"open AR differs by {_money(run.ar_difference)} (tolerance {_money(tol)})")
    sc = inp.spot_check
    if sc is None:
        problems.append("no spot-check sample drawn")
    elif not sc.signed_off:
        problems.append(f"spot-check sample not signed off ({sc.reviewed}/{sc.size} reviewed, {sc.wrong} wrong)")
    else:
        details.append(f"Spot-check sample of {sc.size} signed off by {sc.signed_off_by or '?'} "
                       f"on {_fmt_day(sc.signed_off_at)} ({sc.wrong} wrong).")
    if problems:
        evidence = "Not proven: " + "; ".join(problems) + "."
        return Criterion(key, title, RED, True, evidence, owner, page, tuple(details))
    evidence = "Newest check is current, has no blocker, open AR reconciles and the sample is signed off."
    return Criterion(key, title, GREEN, True, evidence, owner, page, tuple(details))


def _money(value) -> str:
    if value is None:
        return "?"
    return f"{Decimal(value):,.2f}"


def hipaa(inp: ReadinessInputs) -> Criterion:
    """BAA signed before the first sync of the new source, and the other HIPAA safeguards in place."""
    key, title, owner, page = "hipaa", "HIPAA safeguards", SECURITY_LEAD, "checklists"
    items = inp.checklist_items
    if items is None:
        return _no_evidence(key, title, True, inp.gap("checklists", "the HIPAA checklist is not available"),
                            owner, page)
    problems, details = [], []
    baa = items.get("hipaa.baa_signed")
    first = inp.new_sync.first_success_at if inp.new_sync else None
    if baa is None or not baa.done:
        problems.append("the business associate agreement is not signed")
        if first:
            details.append(f"PHI first entered the new system with the sync of {_fmt_ts(first)}, "
                           "without a signed BAA.")
    elif baa.done_at is None:
        problems.append("the BAA's signing date is not recorded")
    elif first is not None and baa.done_at > first:
        problems.append(f"the BAA was signed {_fmt_ts(baa.done_at)}, after PHI first entered the new system "
                        f"(first sync {_fmt_ts(first)})")
    else:
        when = f"before the first sync of the new source ({_fmt_ts(first)})" if first else \
            "and the new source has not been synced yet"
        details.append(f"BAA signed {_fmt_ts(baa.done_at)}, {when}.")
    for item_key, label in HIPAA_ITEMS.items():
        if item_key == "hipaa.baa_signed":
            continue
        item = items.get(item_key)
        if item is None or not item.done:
            problems.append(f"{_lower_first(label)} not done")
        else:
            details.append(f"{label}: done {_fmt_day(item.done_at)}.")
    who = _item_owner((items.get(k) for k in HIPAA_ITEMS), owner)
    if problems:
        return Criterion(key, title, RED, True, "Open: " + "; ".join(problems) + ".", who, page, tuple(details))
    return Criterion(key, title, GREEN, True, "BAA signed before any PHI reached the new system; "
                     "risk analysis, access, audit logging and training done.", owner, page, tuple(details))


def configuration(inp: ReadinessInputs) -> Criterion:
    """The scheduling, documentation and billing configuration lists and the nine workflows complete."""
    key, title, owner, page = "configuration", "Configuration and workflows", IMPLEMENTATION_LEAD, "checklists"
    progress = inp.checklist_progress
    if progress is None:
        return _no_evidence(key, title, False, inp.gap("checklists", "the checklists are not available"),
                            owner, page)
    details, open_lists = [], []
    for list_key, label in CONFIG_LISTS.items():
        done, total = progress.get(list_key, (0, 0))
        if total == 0:
            open_lists.append(label)
            details.append(f"{label}: no checklist.")
        elif done < total:
            open_lists.append(label)
            details.append(f"{label}: {done} of {total} done.")
        else:
            details.append(f"{label}: all {total} done.")
    if open_lists:
        return Criterion(key, title, AMBER, False, f"Incomplete: {', '.join(open_lists)}.", owner, page,
                         tuple(details))
    return Criterion(key, title, GREEN, False, "Configuration checklists and the nine workflows are complete.",
                     owner, page, tuple(details))


def schedule_state(rows: Iterable[LocationSchedule], t: Thresholds) -> tuple[str, list[str]]:
    """Per location: green inside the cut range, amber outside it, red when not reduced at all."""
    rows = list(rows)
    if not rows or all(r.golive_minutes_per_day <= 0 for r in rows):
        return AMBER, ["Nothing is booked in the new system yet for the first go-live days."]
    states, details = [], []
    for r in rows:
        cut = r.reduction
        base = f"{r.location}: {r.golive_minutes_per_day:,.0f} booked min/day vs baseline {r.baseline_minutes_per_day:,.0f}"
        if cut is None:
            states.append(AMBER)
            details.append(f"{r.location}: no baseline bookings to compare with.")
        elif cut <= 0:
            states.append(RED)
            details.append(f"{base} - not reduced ({_pct(-cut)} more)." if cut < 0 else f"{base} - not reduced.")
        elif cut < t.schedule_cut_min or cut > t.schedule_cut_max:
            states.append(AMBER)
            details.append(f"{base} - cut {_pct(cut)}, outside {_pct(t.schedule_cut_min)}-{_pct(t.schedule_cut_max)}.")
        else:
            states.append(GREEN)
            details.append(f"{base} - cut {_pct(cut)}.")
    return worst(states), details


def go_live_day(inp: ReadinessInputs) -> Criterion:
    """Vendor support, issue channel, debrief, a floater at every location, and the schedule really cut."""
    key, title, owner, page = "go_live_day", "Go-live day plan", ADMINISTRATOR, "checklists"
    states, details, problems = [], [], []
    items = inp.checklist_items
    if items is None:
        states.append(AMBER)
        problems.append(inp.gap("checklists", "go-live day checklist not available"))
    else:
        for item_key, label in GO_LIVE_DAY_ITEMS.items():
            item = items.get(item_key)
            if item is None or not item.done:
                states.append(AMBER)
                problems.append(f"{_lower_first(label)} not done")
            else:
                details.append(f"{label}: done.")
    if inp.super_users is None:
        states.append(AMBER)
        problems.append("no floaters recorded (" + inp.gap("training", "super-users not available") + ")")
    else:
        named = {k.strip().lower(): v for k, v in inp.super_users.items() if v}
        locations = list(inp.locations) or sorted(inp.super_users)
        missing = [loc for loc in locations if loc.strip().lower() not in named]
        for loc in locations:
            if loc.strip().lower() in named:
                details.append(f"Floater at {loc}: {', '.join(named[loc.strip().lower()])}.")
        if missing:
            states.append(AMBER)
            problems.append("no floater at " + ", ".join(missing))
        if not locations:
            states.append(AMBER)
            problems.append("no locations known to check floaters against")
    if inp.schedule is None:
        states.append(AMBER)
        problems.append("schedule cut not measured (" + inp.gap("schedule", "no warehouse data") + ")")
    else:
        sched_state, sched_details = schedule_state(inp.schedule, inp.thresholds)
        states.append(sched_state)
        details.extend(sched_details)
        if sched_state != GREEN:
            problems.append("schedule not cut by " + f"{_pct(inp.thresholds.schedule_cut_min)}-"
                            f"{_pct(inp.thresholds.schedule_cut_max)} at every location")
    state = worst(states)
    who = _item_owner((items.get(k) for k in GO_LIVE_DAY_ITEMS), owner) if items else owner
    evidence = ("Open: " + "; ".join(problems) + ".") if problems else \
        "Support, floaters, issue channel, debrief and a reduced schedule are in place."
    return Criterion(key, title, state, False, evidence, who, page, tuple(details))


def backups(inp: ReadinessInputs) -> Criterion:
    """A verified, restorable backup of the legacy data recorded before cut-over."""
    key, title, owner, page = "backups", "Backups", IT_CONTACT, "checklists"
    items = inp.checklist_items
    if items is None:
        return _no_evidence(key, title, False, inp.gap("checklists", "the migration checklist is not available"),
                            owner, page)
    item = items.get(BACKUP_ITEM)
    who = (item.owner if item and item.owner else owner)
    if item is None or not item.done:
        return Criterion(key, title, RED, False, "No verified, restorable backup of the legacy data is recorded.",
                         who, page)
    details = (f"Evidence: {item.evidence}",) if item.evidence else ()
    if item.done_at is not None and item.done_at.date() >= inp.go_live:
        return Criterion(key, title, AMBER, False, f"Backup verified only on {_fmt_day(item.done_at)}, "
                         f"after cut-over ({_fmt_day(inp.go_live - dt.timedelta(days=1))}).", who, page, details)
    return Criterion(key, title, GREEN, False, f"Legacy backup verified as restorable on {_fmt_day(item.done_at)}"
                     f"{' by ' + item.done_by if item.done_by else ''}.", who, page, details)


def freshness(inp: ReadinessInputs) -> Criterion:
    """Both sources synced successfully within the freshness window."""
    key, title, owner, page = "freshness", "Data freshness", IT_CONTACT, "data_sources"
    hours = inp.thresholds.freshness_hours
    states, details, problems = [], [], []
    for label, sync in (("legacy", inp.legacy_sync), ("new", inp.new_sync)):
        if sync is None:
            states.append(RED)
            problems.append(f"no {label} source " + ("configured" if f"sync_{label}" not in inp.gaps
                                                    else f"sync log ({inp.gaps[f'sync_{label}']})"))
            continue
        if sync.last_success_at is None:
            states.append(RED)
            problems.append(f"{sync.source} never synced")
            continue
        age = (inp.now - sync.last_success_at).total_seconds() / 3600
        details.append(f"{sync.source}: last successful sync {_fmt_ts(sync.last_success_at)} ({age:.0f} h ago).")
        if age > hours:
            states.append(AMBER)
            problems.append(f"{sync.source} last synced {age:.0f} h ago")
        else:
            states.append(GREEN)
        if sync.last_outcome == "failed":
            states.append(AMBER)
            problems.append(f"the last {sync.source} sync failed: {sync.last_error or 'no error text'}")
    if problems:
        return Criterion(key, title, worst(states), False, "Stale: " + "; ".join(problems) + ".", owner, page,
                         tuple(details))
    return Criterion(key, title, GREEN, False, f"Both sources synced within {hours:g} h.", owner, page,
                     tuple(details))


CRITERIA = (timeline, milestone_checkpoints, training_gate, migration, hipaa, configuration, go_live_day,
            backups, freshness)


# ------------------------------------------------------------------ verdict


def verdict_of(criteria: Iterable[Criterion]) -> str:
    criteria = list(criteria)
    if any(c.critical and c.state == RED for c in criteria):
        return NO_GO
    if any(c.state != GREEN for c in criteria):
        return GO_WITH_RISKS
    return GO


def score_of(criteria: Iterable[Criterion]) -> int:
    """0-100: green counts fully, amber half, red nothing; critical criteria weigh double."""
    points = weights = 0.0
    for c in criteria:
        w = 2.0 if c.critical else 1.0
        points += w * {GREEN: 1.0, AMBER: 0.5, RED: 0.0}[c.state]
        weights += w
    return int(100 * points / weights + 0.5) if weights else 0  # half up: 62.5 -> 63


def sentence_of(verdict: str, criteria: Iterable[Criterion]) -> str:
    criteria = list(criteria)
    red_critical = [c.title for c in criteria if c.critical and c.state == RED]
    other = [c.title for c in criteria if c.state != GREEN and not (c.critical and c.state == RED)]
    if verdict == NO_GO:
        n = len(red_critical)
        return (f"No-go: {n} critical criteri{'on blocks' if n == 1 else 'a block'} go-live "
                f"({', '.join(red_critical)}).")
    if verdict == GO_WITH_RISKS:
        n = len(other)
        return (f"Go with risks: nothing critical blocks go-live, but {n} "
                f"criteri{'on needs' if n == 1 else 'a need'} attention ({', '.join(other)}).")
    return "Go: every criterion is green."


def evaluate(inp: ReadinessInputs, data_date: dt.datetime | None = None) -> Readiness:
    """Every criterion and the verdict for one state of the practice."""
    criteria = tuple(rule(inp) for rule in CRITERIA)
    verdict = verdict_of(criteria)
    if data_date is None:
        stamps = [s.last_success_at for s in (inp.legacy_sync, inp.new_sync) if s and s.last_success_at]
        data_date = max(stamps) if stamps else None
    return Readiness(verdict=verdict, sentence=sentence_of(verdict, criteria), score=score_of(criteria),
                     criteria=criteria, today=inp.today, go_live=inp.go_live, data_date=data_date)


def readiness_from_snapshot(snapshot: Mapping) -> Readiness:
    """A frozen decision snapshot (``Readiness.to_dict``) back as a Readiness."""
    criteria = tuple(Criterion.from_dict(c) for c in snapshot.get("criteria", ()))
    data_date = snapshot.get("data_date")
    return Readiness(verdict=snapshot["verdict"], sentence=snapshot.get("sentence", ""),
                     score=int(snapshot.get("score", score_of(criteria))), criteria=criteria,
                     today=dt.date.fromisoformat(snapshot["today"]), go_live=dt.date.fromisoformat(snapshot["go_live"]),
                     data_date=dt.datetime.fromisoformat(data_date) if data_date else None)
