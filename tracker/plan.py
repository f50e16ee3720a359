"""The practice profile and the implementation plan: milestones, their dependencies and the baseline.

The lead enters the profile; ``tracker.plan_rules.propose_plan`` proposes milestones; ``accept_plan``
stores them and keeps their dates as the baseline (the first accepted plan). After that the plan is
edited record by record, each edit checked against the version the editor saw (tracker/editing.py)
and audited with before/after.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from auth import audit
from tracker import plan_rules
from tracker.db import Base, session_scope, utcnow
from tracker.editing import EditConflict, NotFound, apply_changes, conflict

# ------------------------------------------------------------------------------------------ models


class PracticeProfileRow(Base):
    __tablename__ = "practice_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    practice_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    location_count: Mapped[int] = mapped_column(Integer, nullable=False)
    location_names: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    providers_by_discipline: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    current_system: Mapped[str] = mapped_column(String(30), nullable=False)
    contract_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    planning_start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    target_go_live: Mapped[dt.date] = mapped_column(Date, nullable=False)
    rollout: Mapped[str] = mapped_column(String(30), nullable=False)
    parallel_run: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    plan_accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    plan_accepted_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class MilestoneRow(Base):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    checkpoint: Mapped[str | None] = mapped_column(String(40), nullable=True)
    phase: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="not_started")
    blocked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    owner: Mapped[str] = mapped_column(String(80), nullable=False, default="project_lead")
    start_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    baseline_due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class MilestoneDependencyRow(Base):
    __tablename__ = "milestone_dependencies"

    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), primary_key=True)
    depends_on_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), primary_key=True)


# ------------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class PracticeProfile:
    practice_name: str
    location_count: int
    providers_by_discipline: dict
    current_system: str
    contract_date: dt.date
    planning_start: dt.date
    target_go_live: dt.date
    rollout: str
    parallel_run: bool
    location_names: list = field(default_factory=list)
    plan_accepted_at: dt.datetime | None = None
    plan_accepted_by: str | None = None
    version: int = 0

    def rules_input(self) -> plan_rules.ProfileInput:
        return plan_rules.ProfileInput(self.location_count, dict(self.providers_by_discipline), self.current_system,
                                       self.contract_date, self.target_go_live, self.rollout, self.parallel_run,
                                       self.planning_start)

    @property
    def providers(self) -> int:
        return sum(int(v) for v in self.providers_by_discipline.values())


@dataclass(frozen=True)
class MilestoneView:
    id: int
    key: str
    checkpoint: str | None
    phase: str
    title: str
    status: str
    blocked_reason: str | None
    owner: str
    start_date: dt.date | None
    due_date: dt.date | None
    baseline_due_date: dt.date | None
    done_at: dt.datetime | None
    notes: str | None
    depends_on: list[int]
    version: int

    @property
    def evidence(self) -> str | None:
        return self.notes

    def slip_days(self) -> int | None:
        return plan_rules.slip_days(self.due_date, self.baseline_due_date)

    def overdue(self, today: dt.date) -> bool:
        return plan_rules.is_overdue(self.due_date, self.status, today)


PROFILE_FIELDS = ("practice_name", "location_count", "location_names", "providers_by_discipline", "current_system",
                  "contract_date", "planning_start", "target_go_live", "rollout", "parallel_run")
MILESTONE_FIELDS = ("title", "phase", "status", "blocked_reason", "owner", "start_date", "due_date", "notes")


def _profile_view(row: PracticeProfileRow) -> PracticeProfile:
    return PracticeProfile(row.practice_name, row.location_count, dict(row.providers_by_discipline or {}),
                           row.current_system, row.contract_date, row.planning_start, row.target_go_live, row.rollout,
                           bool(row.parallel_run), list(row.location_names or []), row.plan_accepted_at,
                           row.plan_accepted_by, row.version_id)


def _profile_snapshot(row: PracticeProfileRow) -> dict:
    return {f: getattr(row, f) for f in PROFILE_FIELDS}


def _milestone_snapshot(row: MilestoneRow) -> dict:
    return {f: getattr(row, f) for f in MILESTONE_FIELDS}


def _deps(session: Session) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for m, d in session.execute(select(MilestoneDependencyRow.milestone_id, MilestoneDependencyRow.depends_on_id)):
        out.setdefault(m, []).append(d)
    return out


def _milestone_view(row: MilestoneRow, deps: dict[int, list[int]]) -> MilestoneView:
    return MilestoneView(row.id, row.key, row.checkpoint, row.phase, row.title, row.status, row.blocked_reason,
                         row.owner, row.start_date, row.due_date, row.baseline_due_date, row.done_at, row.notes,
                         sorted(deps.get(row.id, [])), row.version_id)


# ------------------------------------------------------------------------------------------ profile


def get_profile(database_url: str) -> PracticeProfile | None:
    with session_scope(database_url) as s:
        row = s.scalar(select(PracticeProfileRow).order_by(PracticeProfileRow.id).limit(1))
        return _profile_view(row) if row else None


def save_profile(database_url: str, actor: audit.Actor, values: dict, expected_version: int | None = None) -> int:
    """Create the profile or update it (``expected_version`` = the version the editor saw). Returns the new
    version. Raises ValueError for a profile that cannot be planned, EditConflict on a concurrent edit."""
    values = {k: values[k] for k in PROFILE_FIELDS if k in values}
    values.setdefault("practice_name", "")
    values.setdefault("location_names", [])
    values["providers_by_discipline"] = {k: int(v) for k, v in values.get("providers_by_discipline", {}).items()}
    plan_rules.check_profile(plan_rules.ProfileInput(
        int(values["location_count"]), values["providers_by_discipline"], values["current_system"],
        values["contract_date"], values["target_go_live"], values["rollout"], bool(values["parallel_run"]),
        values["planning_start"]))
    try:
        with session_scope(database_url) as s:
            row = s.scalar(select(PracticeProfileRow).order_by(PracticeProfileRow.id).limit(1))
            if row is None:
                if expected_version not in (None, 0):
                    raise conflict(s, "practice_profile", "1", values, {})
                row = PracticeProfileRow(**values)
                s.add(row)
                s.flush()
                audit.add(s, actor, audit.CREATE, resource_type="practice_profile", resource_id=str(row.id),
                          after=values)
                return row.version_id
            apply_changes(s, row, expected_version=expected_version if expected_version is not None else
                          row.version_id, changes=values, actor=actor, record_type="practice_profile",
                          record_id=str(row.id), snapshot=_profile_snapshot)
            row.updated_at = utcnow()
            s.flush()
            return row.version_id
    except StaleDataError:
        return _stale(database_url, "practice_profile", values)


def _stale(database_url: str, record_type: str, values: dict, record_id: int | None = None):
    with session_scope(database_url) as s:
        if record_type == "practice_profile":
            row = s.scalar(select(PracticeProfileRow).order_by(PracticeProfileRow.id).limit(1))
            theirs = _profile_snapshot(row) if row else {}
            record_id = row.id if row else 1
        else:
            row = s.get(MilestoneRow, record_id)
            theirs = _milestone_snapshot(row) if row else {}
        raise conflict(s, record_type, str(record_id), values, theirs)


def propose(profile: PracticeProfile) -> plan_rules.ProposedPlan:
    return plan_rules.propose_plan(profile.rules_input())


# ------------------------------------------------------------------------------------------ plan


def accept_plan(database_url: str, actor: audit.Actor, expected_profile_version: int) -> int:
    """Store the proposed plan for the saved profile as milestones, their dates kept as the baseline.

    Only once: after the first acceptance the plan is edited, never regenerated (the baseline stays).
    Returns the number of milestones created.
    """
    with session_scope(database_url) as s:
        row = s.scalar(select(PracticeProfileRow).order_by(PracticeProfileRow.id).limit(1))
        if row is None:
            raise ValueError("Save the practice profile before accepting a plan.")
        if row.version_id != expected_profile_version:
            raise conflict(s, "practice_profile", str(row.id), {"accept plan": True}, _profile_snapshot(row))
        if row.plan_accepted_at is not None or s.scalar(select(MilestoneRow.id).limit(1)) is not None:
            raise ValueError(f"A plan was already accepted on {row.plan_accepted_at or 'an earlier day'}; "
                             "edit its milestones instead.")
        proposed = plan_rules.propose_plan(_profile_view(row).rules_input())
        ids: dict[str, int] = {}
        for i, m in enumerate(proposed.milestones):
            ms = MilestoneRow(key=m.key, checkpoint=m.checkpoint, phase=m.phase, title=m.title, owner=m.owner,
                              start_date=m.start_date, due_date=m.due_date, baseline_due_date=m.due_date,
                              position=i * 10)
            s.add(ms)
            s.flush()
            ids[m.key] = ms.id
        for m in proposed.milestones:
            for dep in m.depends_on:
                s.add(MilestoneDependencyRow(milestone_id=ids[m.key], depends_on_id=ids[dep]))
        row.plan_accepted_at = utcnow()
        row.plan_accepted_by = actor.username
        audit.add(s, actor, "plan.accept", resource_type="plan", resource_id=str(row.id),
                  after={"milestones": len(ids), "go_live": row.target_go_live,
                         "warnings": [w.code for w in proposed.warnings]})
        return len(ids)


def list_milestones(database_url: str) -> list[MilestoneView]:
    with session_scope(database_url) as s:
        deps = _deps(s)
        rows = s.scalars(select(MilestoneRow).order_by(MilestoneRow.due_date, MilestoneRow.position,
                                                       MilestoneRow.id)).all()
        return [_milestone_view(r, deps) for r in rows]


def get_milestone(database_url: str, milestone_id: int) -> MilestoneView:
    with session_scope(database_url) as s:
        row = s.get(MilestoneRow, milestone_id)
        if row is None:
            raise NotFound(f"milestone {milestone_id} does not exist (it may have been removed)")
        return _milestone_view(row, _deps(s))


def milestone_by_key(database_url: str, key: str) -> MilestoneView | None:
    with session_scope(database_url) as s:
        row = s.scalar(select(MilestoneRow).where(MilestoneRow.key == key))
        return _milestone_view(row, _deps(s)) if row else None


def _check_milestone_values(changes: dict) -> None:
    if "title" in changes and not str(changes["title"]).strip():
        raise ValueError("Title: a milestone needs a name.")
    if "status" in changes and changes["status"] not in plan_rules.STATUSES:
        raise ValueError(f"Status: {changes['status']!r} is not one of {', '.join(plan_rules.STATUSES)}.")
    if changes.get("status") == "blocked" and not (changes.get("blocked_reason") or "").strip():
        raise ValueError("Blocked: say what blocks this milestone.")
    if "phase" in changes and changes["phase"] not in plan_rules.PHASES:
        raise ValueError(f"Phase: {changes['phase']!r} is not one of {', '.join(plan_rules.PHASES)}.")
    if "owner" in changes and not str(changes["owner"] or "").strip():
        raise ValueError("Owner: every milestone has one owner.")
    start, due = changes.get("start_date"), changes.get("due_date")
    if start and due and start > due:
        raise ValueError("Dates: the start cannot be after the due date.")


def update_milestone(database_url: str, actor: audit.Actor, milestone_id: int, expected_version: int,
                     **changes) -> MilestoneView:
    """Rename, re-date, reassign, change status/notes. ``blocked_reason`` is cleared unless blocked;
    ``done_at`` is stamped when the status becomes done."""
    unknown = set(changes) - set(MILESTONE_FIELDS)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))} of a milestone")
    _check_milestone_values(changes)
    try:
        with session_scope(database_url) as s:
            row = s.get(MilestoneRow, milestone_id)
            if row is None:
                raise NotFound(f"milestone {milestone_id} does not exist (it may have been removed)")
            if "status" in changes and changes["status"] != "blocked":
                changes["blocked_reason"] = None
            start = changes.get("start_date", row.start_date)
            due = changes.get("due_date", row.due_date)
            if start and due and start > due:
                if "due_date" in changes and "start_date" not in changes:
                    changes["start_date"] = due  # re-dating earlier than the start pulls the start in
                else:
                    raise ValueError("Dates: the start cannot be after the due date.")
            was_done = row.status == "done"
            changed = apply_changes(s, row, expected_version=expected_version, changes=changes, actor=actor,
                                    record_type="milestone", record_id=str(row.id), snapshot=_milestone_snapshot)
            if "status" in changed:
                if row.status == "done" and not was_done:
                    row.done_at = utcnow()
                elif row.status != "done":
                    row.done_at = None
                s.flush()
            return _milestone_view(row, _deps(s))
    except StaleDataError:
        return _stale(database_url, "milestone", changes, milestone_id)


def add_milestone(database_url: str, actor: audit.Actor, *, title: str, phase: str, owner: str,
                  due_date: dt.date | None, start_date: dt.date | None = None, notes: str | None = None,
                  depends_on: list[int] | None = None) -> MilestoneView:
    """A milestone added after the plan was accepted: no baseline date (shown as added later)."""
    values = {"title": title, "phase": phase, "owner": owner, "due_date": due_date, "start_date": start_date}
    _check_milestone_values(values)
    with session_scope(database_url) as s:
        row = MilestoneRow(key=f"custom_{uuid.uuid4().hex[:10]}", phase=phase, title=title.strip(), owner=owner,
                           start_date=start_date or due_date, due_date=due_date, notes=notes,
                           position=10_000)
        s.add(row)
        s.flush()
        audit.add(s, actor, audit.CREATE, resource_type="milestone", resource_id=str(row.id),
                  after={**values, "key": row.key})
        for dep in depends_on or []:
            _add_dependency(s, actor, row.id, dep)
        return _milestone_view(row, _deps(s))


def remove_milestone(database_url: str, actor: audit.Actor, milestone_id: int, expected_version: int) -> None:
    with session_scope(database_url) as s:
        row = s.get(MilestoneRow, milestone_id)
        if row is None:
            raise NotFound(f"milestone {milestone_id} does not exist (it may have been removed)")
        if row.version_id != expected_version:
            raise conflict(s, "milestone", str(row.id), {"remove": True}, _milestone_snapshot(row))
        before = {**_milestone_snapshot(row), "key": row.key, "depends_on": _deps(s).get(row.id, [])}
        s.execute(delete(MilestoneDependencyRow).where(
            (MilestoneDependencyRow.milestone_id == row.id) | (MilestoneDependencyRow.depends_on_id == row.id)))
        s.delete(row)
        audit.add(s, actor, audit.DELETE, resource_type="milestone", resource_id=str(milestone_id), before=before)


def _add_dependency(s: Session, actor: audit.Actor, milestone_id: int, depends_on_id: int) -> None:
    names = dict(s.execute(select(MilestoneRow.id, MilestoneRow.title)
                           .where(MilestoneRow.id.in_([milestone_id, depends_on_id]))).all())
    for mid in (milestone_id, depends_on_id):
        if mid not in names:
            raise NotFound(f"milestone {mid} does not exist (it may have been removed)")
    deps = _deps(s)
    if depends_on_id in deps.get(milestone_id, []):
        return
    if plan_rules.creates_cycle(deps, milestone_id, depends_on_id):
        raise ValueError(f"“{names[milestone_id]}” cannot wait for “{names[depends_on_id]}”: that one already "
                         "waits (directly or through others) for it, which would make a loop.")
    s.add(MilestoneDependencyRow(milestone_id=milestone_id, depends_on_id=depends_on_id))
    audit.add(s, actor, "milestone.add_dependency", resource_type="milestone", resource_id=str(milestone_id),
              after={"depends_on": depends_on_id})


def add_dependency(database_url: str, actor: audit.Actor, milestone_id: int, depends_on_id: int) -> None:
    """``milestone_id`` waits for ``depends_on_id``; refused (ValueError) if it would make a loop."""
    with session_scope(database_url) as s:
        _add_dependency(s, actor, milestone_id, depends_on_id)


def set_dependencies(database_url: str, actor: audit.Actor, milestone_id: int, expected_version: int,
                     depends_on: list[int]) -> MilestoneView:
    """Replace what a milestone waits for, checked against the version the editor saw (a dependency
    another user added meanwhile is never dropped silently). Loops are refused (ValueError)."""
    with session_scope(database_url) as s:
        row = s.get(MilestoneRow, milestone_id)
        if row is None:
            raise NotFound(f"milestone {milestone_id} does not exist (it may have been removed)")
        current = _deps(s).get(milestone_id, [])
        if row.version_id != expected_version:
            raise conflict(s, "milestone", str(row.id), {"depends_on": sorted(depends_on)},
                           {**_milestone_snapshot(row), "depends_on": sorted(current)})
        for gone in set(current) - set(depends_on):
            s.execute(delete(MilestoneDependencyRow).where(MilestoneDependencyRow.milestone_id == milestone_id,
                                                           MilestoneDependencyRow.depends_on_id == gone))
            audit.add(s, actor, "milestone.remove_dependency", resource_type="milestone",
                      resource_id=str(milestone_id), before={"depends_on": gone})
        for new in sorted(set(depends_on) - set(current)):
            _add_dependency(s, actor, milestone_id, new)
        flag_modified(row, "position")  # a dependency change is a change of the milestone: bump its version
        s.flush()
        return _milestone_view(row, _deps(s))


def remove_dependency(database_url: str, actor: audit.Actor, milestone_id: int, depends_on_id: int) -> None:
    with session_scope(database_url) as s:
        result = s.execute(delete(MilestoneDependencyRow).where(
            MilestoneDependencyRow.milestone_id == milestone_id, MilestoneDependencyRow.depends_on_id == depends_on_id))
        if result.rowcount:
            audit.add(s, actor, "milestone.remove_dependency", resource_type="milestone",
                      resource_id=str(milestone_id), before={"depends_on": depends_on_id})


def go_live_milestone(milestones: list[MilestoneView]) -> MilestoneView | None:
    return next((m for m in milestones if m.key == "go_live"), None)


def critical_path(milestones: list[MilestoneView]) -> list[int]:
    """Ids of the open chain that decides the go-live date, earliest first (empty without a go-live)."""
    target = go_live_milestone(milestones)
    if target is None:
        return []
    nodes = [plan_rules.PathNode(m.id, m.due_date, m.status == "done", tuple(m.depends_on)) for m in milestones]
    return plan_rules.critical_path(nodes, target.id)


def milestones_frame(milestones: list[MilestoneView], today: dt.date,
                     open_items: dict[str, int] | None = None) -> pd.DataFrame:
    """The plan as a table for the page and the exports; ``open_items``: open checklist items per
    milestone key (the items that gate it)."""
    titles = {m.id: m.title for m in milestones}
    open_items = open_items or {}
    path = set(critical_path(milestones))
    return pd.DataFrame([{
        "id": m.id, "phase": plan_rules.PHASES.get(m.phase, m.phase), "milestone": m.title,
        "checkpoint": (m.checkpoint or "").replace("_", " "), "owner": owner_label(m.owner),
        "status": plan_rules.STATUSES.get(m.status, m.status), "blocked because": m.blocked_reason or "",
        "start": m.start_date, "due": m.due_date, "baseline due": m.baseline_due_date,
        "slip (days)": m.slip_days(), "overdue": m.overdue(today), "on critical path": m.id in path,
        "depends on": "; ".join(titles.get(d, str(d)) for d in m.depends_on),
        "open checklist items": open_items.get(m.key, 0), "done at": m.done_at, "notes / evidence": m.notes or "",
    } for m in milestones], columns=["id", "phase", "milestone", "checkpoint", "owner", "status", "blocked because",
                                     "start", "due", "baseline due", "slip (days)", "overdue", "on critical path",
                                     "depends on", "open checklist items", "done at", "notes / evidence"])


def owner_label(owner: str | None) -> str:
    if not owner:
        return ""
    return plan_rules.TEAM_ROLES.get(owner, owner)


__all__ = ["EditConflict", "NotFound", "PracticeProfile", "MilestoneView", "get_profile", "save_profile",
           "propose", "accept_plan", "list_milestones", "get_milestone", "milestone_by_key", "update_milestone",
           "add_milestone", "remove_milestone", "add_dependency", "remove_dependency", "set_dependencies", "critical_path",
           "milestones_frame", "owner_label"]
