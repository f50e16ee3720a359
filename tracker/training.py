"""Staff training by role group: roster, curriculum, results, and the 90 % go-live gate.

The gate is KPI_SPEC.md's ``training_completion_rate`` per role group: active staff in the group who
completed every required module of the group's curriculum *and* passed that module's proficiency check,
divided by the group's active staff. Go-live is not approved until every group reaches 90 %.

When a person "became trained": the latest date among their required modules, where a module counts
from its completion date or, if later, the date its passing check was recorded. Only results dated on
or before the reporting day count, so the same history answers "where were we on day X".

Forecast ("pace"): the number of people in the group who became trained in the last 14 days
(the reporting day and the 13 days before it) divided by 14 gives people per day. The forecast date is
the reporting day plus the whole days needed, at that pace, to reach ceil(0.9 x active staff) trained
people. No one trained in the window means no pace and no forecast. A group already at or above 90 %
reports the day it crossed the line. "Before go-live" means strictly earlier than the go-live date.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from auth import audit
from tracker.db import Base, session_scope, utcnow
from warehouse.errors import UserFacingError

GATE = 0.90
PACE_WINDOW_DAYS = 14

ROLE_GROUPS = ("front_desk", "clinician", "assistant", "billing", "leadership")
ROLE_GROUP_LABELS = {
    "front_desk": "Front desk",
    "clinician": "Clinicians (PT/OT/SLP)",
    "assistant": "Assistants (PTA/COTA/SLPA)",
    "billing": "Billing",
    "leadership": "Leadership and administration",
}
# Words people type in a roster file, mapped to a role group (compared case-insensitively).
ROLE_GROUP_ALIASES = {
    "front_desk": "front_desk",
    "front desk": "front_desk",
    "frontdesk": "front_desk",
    "reception": "front_desk",
    "clinician": "clinician",
    "clinicians": "clinician",
    "pt": "clinician",
    "ot": "clinician",
    "slp": "clinician",
    "assistant": "assistant",
    "assistants": "assistant",
    "pta": "assistant",
    "cota": "assistant",
    "slpa": "assistant",
    "billing": "billing",
    "leadership": "leadership",
    "admin": "leadership",
    "administration": "leadership",
    "leadership/admin": "leadership",
}

FORMATS = ("sandbox", "video", "reference_card", "live_qa")
FORMAT_LABELS = {
    "sandbox": "Sandbox session",
    "video": "Video",
    "reference_card": "Quick-reference card",
    "live_qa": "Live Q&A",
}
PASS = "pass"
FAIL = "fail"
CHECK_RESULTS = (PASS, FAIL)

# A suggested role-based curriculum a practice can load and then edit: (key, group, title, format, required).
DEFAULT_CURRICULUM = (
    ("FD-SCHED", "front_desk", "Booking, rescheduling and cancellations in the sandbox", "sandbox", True),
    ("FD-INTAKE", "front_desk", "New-patient intake and insurance capture", "sandbox", True),
    ("FD-CARD", "front_desk", "Front-desk quick-reference card", "reference_card", True),
    ("FD-QA", "front_desk", "Live Q&A for the front desk (weeks 1-2)", "live_qa", False),
    ("CL-NOTES", "clinician", "Evaluations and daily notes in the sandbox", "sandbox", True),
    ("CL-OUTCOMES", "clinician", "Outcome measures and progress-note alerts", "video", True),
    ("CL-COSIGN", "clinician", "Co-signing assistant notes", "video", True),
    ("CL-QA", "clinician", "Live Q&A for clinicians (weeks 1-2)", "live_qa", False),
    ("AS-NOTES", "assistant", "Daily notes and the co-signature queue in the sandbox", "sandbox", True),
    ("AS-CARD", "assistant", "Assistant quick-reference card", "reference_card", True),
    ("BI-CLAIMS", "billing", "Charges, claim scrubbing and submission in the sandbox", "sandbox", True),
    ("BI-POSTING", "billing", "Remittances, payment posting and denials", "sandbox", True),
    ("BI-CARD", "billing", "Billing quick-reference card", "reference_card", True),
    ("LD-REPORTS", "leadership", "Reports, permissions and the audit trail", "sandbox", True),
    ("LD-VIDEO", "leadership", "What changes for each role (overview video)", "video", True),
)


class EditConflict(UserFacingError):
    """Somebody else saved this record after you opened it; nothing was overwritten."""


class TrainingError(UserFacingError):
    """A training edit that cannot be saved as entered."""


# ------------------------------------------------------------------------------------------------ models


class Staff(Base):
    """One person on the roster. ``staff_key`` is the practice's own id, used to match imports."""

    __tablename__ = "training_staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_key: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role_group: Mapped[str] = mapped_column(String(20), nullable=False)
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    super_user: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class Module(Base):
    """One piece of a role group's curriculum."""

    __tablename__ = "training_modules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_key: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    role_group: Mapped[str] = mapped_column(String(20), nullable=False)
    format: Mapped[str] = mapped_column(String(20), nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class Result(Base):
    """Completion and proficiency check of one person in one module."""

    __tablename__ = "training_results"
    __table_args__ = (UniqueConstraint("staff_id", "module_id", name="uq_training_results_staff_module"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("training_staff.id", ondelete="CASCADE"), nullable=False, index=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("training_modules.id", ondelete="CASCADE"), nullable=False, index=True
    )
    completed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    check_result: Mapped[str | None] = mapped_column(String(10), nullable=True)
    check_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


# ------------------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class StaffView:
    id: int
    staff_key: str
    name: str
    role_group: str
    location: str
    active: bool
    super_user: bool
    version_id: int


@dataclass(frozen=True)
class ModuleView:
    id: int
    module_key: str
    title: str
    role_group: str
    format: str
    required: bool
    description: str | None
    version_id: int


@dataclass(frozen=True)
class ResultView:
    id: int
    staff_key: str
    module_key: str
    completed_on: dt.date | None
    check_result: str | None
    check_date: dt.date | None
    score: float | None
    version_id: int


@dataclass(frozen=True)
class RoleGroupStatus:
    """One role group against the gate (INTERFACES.md "Training")."""

    role_group: str
    label: str
    active_staff: int
    completed: int
    rate: float | None
    meets_gate: bool
    missing: list[tuple[str, str]] = field(default_factory=list)
    forecast_date: dt.date | None = None
    forecast_before_go_live: bool = False
    pace_per_day: float = 0.0
    needed: int = 0

    def sentence(self, go_live: dt.date) -> str:
        """The line a manager reads, e.g. "Front desk reaches 90 % on Mar 14; go-live is Mar 17"."""
        when = f"go-live is {_day(go_live)}"
        if self.active_staff == 0:
            return f"{self.label}: nobody on the roster yet; {when}."
        if self.meets_gate:
            since = f" on {_day(self.forecast_date)}" if self.forecast_date else ""
            return (
                f"{self.label} reached 90 %{since} ({self.completed} of {self.active_staff} trained); {when}."
            )
        if self.forecast_date is None:
            return (
                f"{self.label} is at {self.rate * 100:.0f} % and nobody finished in the last {PACE_WINDOW_DAYS} days, "
                f"so there is no forecast; {when}."
            )
        return f"{self.label} reaches 90 % on {_day(self.forecast_date)} at the current pace; {when}."


def _day(day: dt.date | None) -> str:
    return "" if day is None else f"{day:%b} {day.day}, {day.year}"


def _staff_view(s: Staff) -> StaffView:
    return StaffView(
        s.id, s.staff_key, s.name, s.role_group, s.location, s.active, s.super_user, s.version_id
    )


def _module_view(m: Module) -> ModuleView:
    return ModuleView(
        m.id, m.module_key, m.title, m.role_group, m.format, m.required, m.description, m.version_id
    )


def normalize_role_group(text: str) -> str | None:
    """The role group a roster cell means, or None."""
    return ROLE_GROUP_ALIASES.get(" ".join(str(text).strip().lower().split()))


# ------------------------------------------------------------------------------------------------ reading


def list_staff(database_url: str, *, include_inactive: bool = True) -> list[StaffView]:
    with session_scope(database_url) as s:
        stmt = select(Staff).order_by(Staff.role_group, Staff.name)
        if not include_inactive:
            stmt = stmt.where(Staff.active.is_(True))
        return [_staff_view(x) for x in s.scalars(stmt)]


def list_modules(database_url: str, role_group: str | None = None) -> list[ModuleView]:
    with session_scope(database_url) as s:
        stmt = select(Module).order_by(Module.role_group, Module.module_key)
        if role_group:
            stmt = stmt.where(Module.role_group == role_group)
        return [_module_view(m) for m in s.scalars(stmt)]


def list_results(database_url: str) -> list[ResultView]:
    with session_scope(database_url) as s:
        rows = s.execute(
            select(Result, Staff.staff_key, Module.module_key)
            .join(Staff, Staff.id == Result.staff_id)
            .join(Module, Module.id == Result.module_id)
            .order_by(Staff.staff_key, Module.module_key)
        ).all()
        return [
            ResultView(r.id, sk, mk, r.completed_on, r.check_result, r.check_date, r.score, r.version_id)
            for r, sk, mk in rows
        ]


def roster_frame(database_url: str) -> pd.DataFrame:
    """The roster as a table for the page and exports."""
    rows = [
        {
            "staff id": v.staff_key,
            "name": v.name,
            "role group": ROLE_GROUP_LABELS.get(v.role_group, v.role_group),
            "location": v.location,
            "active": v.active,
            "super-user": v.super_user,
        }
        for v in list_staff(database_url)
    ]
    return pd.DataFrame(rows, columns=["staff id", "name", "role group", "location", "active", "super-user"])


def curriculum_frame(database_url: str) -> pd.DataFrame:
    rows = [
        {
            "module id": m.module_key,
            "title": m.title,
            "role group": ROLE_GROUP_LABELS.get(m.role_group, m.role_group),
            "format": FORMAT_LABELS.get(m.format, m.format),
            "required": m.required,
        }
        for m in list_modules(database_url)
    ]
    return pd.DataFrame(rows, columns=["module id", "title", "role group", "format", "required"])


def results_frame(database_url: str) -> pd.DataFrame:
    rows = [
        {
            "staff id": r.staff_key,
            "module id": r.module_key,
            "completed on": r.completed_on,
            "check result": r.check_result,
            "check date": r.check_date,
            "score": r.score,
        }
        for r in list_results(database_url)
    ]
    return pd.DataFrame(
        rows, columns=["staff id", "module id", "completed on", "check result", "check date", "score"]
    )


def super_users_by_location(database_url: str) -> dict[str, list[str]]:
    """Active super-users (go-live floaters) per location, names sorted (INTERFACES.md)."""
    out: dict[str, list[str]] = {}
    for v in list_staff(database_url, include_inactive=False):
        if v.super_user:
            out.setdefault(v.location or "(no location)", []).append(v.name)
    return {loc: sorted(names) for loc, names in sorted(out.items())}


# ------------------------------------------------------------------------------------------------ the gate


def module_done_on(
    completed_on: dt.date | None, check_result: str | None, check_date: dt.date | None, today: dt.date
) -> dt.date | None:
    """The day a module counts as done (completed and check passed), or None if not done by ``today``."""
    if completed_on is None or check_result != PASS:
        return None
    done = max(completed_on, check_date or completed_on)
    return done if done <= today else None


def trained_on(required_modules: list[str], done: dict[str, dt.date]) -> dt.date | None:
    """The day a person became trained: every required module done; None if one is missing.

    A group without any required module cannot be trained (nothing proves proficiency)."""
    if not required_modules or any(m not in done for m in required_modules):
        return None
    return max(done[m] for m in required_modules)


def forecast(
    trained_dates: list[dt.date | None],
    active_staff: int,
    today: dt.date,
    window_days: int = PACE_WINDOW_DAYS,
) -> tuple[dt.date | None, float, int]:
    """(forecast date, pace in people per day, people still needed) for one group.

    Already at the gate: the day the group crossed it, found from the trained dates."""
    target = math.ceil(GATE * active_staff - 1e-9)
    dates = sorted(d for d in trained_dates if d is not None and d <= today)
    start = today - dt.timedelta(days=window_days - 1)
    pace = sum(1 for d in dates if d >= start) / window_days
    needed = max(0, target - len(dates))
    if active_staff == 0:
        return None, pace, 0
    if needed == 0:
        return (dates[target - 1] if target > 0 else None), pace, 0
    if pace == 0:
        return None, pace, needed
    return today + dt.timedelta(days=math.ceil(needed / pace - 1e-9)), pace, needed


def group_status(
    role_group: str,
    people: list[tuple[str, bool]],
    modules: list[tuple[str, bool]],
    done: dict[tuple[str, str], dt.date],
    go_live: dt.date,
    today: dt.date,
) -> RoleGroupStatus:
    """Pure gate arithmetic for one group.

    people: (name, active); modules: (title, required); done: (name, title) -> day the module was done."""
    required = [title for title, req in modules if req]
    active = [name for name, is_active in people if is_active]
    trained: list[dt.date | None] = []
    missing: list[tuple[str, str]] = []
    for name in active:
        mine = {title: day for (who, title), day in done.items() if who == name}
        trained.append(trained_on(required, mine))
        missing.extend((name, title) for title in required if title not in mine)
    completed = sum(1 for d in trained if d is not None)
    rate = completed / len(active) if active else None
    when, pace, needed = forecast(trained, len(active), today)
    return RoleGroupStatus(
        role_group=role_group,
        label=ROLE_GROUP_LABELS[role_group],
        active_staff=len(active),
        completed=completed,
        rate=rate,
        meets_gate=rate is not None and rate >= GATE - 1e-12,
        missing=missing,
        forecast_date=when,
        forecast_before_go_live=when is not None and when < go_live,
        pace_per_day=pace,
        needed=needed,
    )


def gate_status(database_url: str, go_live: dt.date, today: dt.date) -> list[RoleGroupStatus]:
    """Every role group against the 90 % gate as of ``today`` (INTERFACES.md "Training")."""
    with session_scope(database_url) as s:
        staff = list(s.scalars(select(Staff)))
        modules = list(s.scalars(select(Module)))
        results = list(s.scalars(select(Result)))
    by_id_staff = {x.id: x for x in staff}
    by_id_module = {m.id: m for m in modules}
    out = []
    for group in ROLE_GROUPS:
        # Names may repeat across a roster; the staff id keeps people apart, the label shows the name.
        people = [(_person_label(x), x.active) for x in staff if x.role_group == group]
        mods = [(m.title, m.required) for m in modules if m.role_group == group]
        done: dict[tuple[str, str], dt.date] = {}
        for r in results:
            person, module = by_id_staff.get(r.staff_id), by_id_module.get(r.module_id)
            if person is None or module is None or person.role_group != group or module.role_group != group:
                continue
            day = module_done_on(r.completed_on, r.check_result, r.check_date, today)
            if day is not None:
                done[(_person_label(person), module.title)] = day
        out.append(group_status(group, sorted(people), sorted(mods), done, go_live, today))
    return out


def _person_label(person: Staff) -> str:
    return f"{person.name} ({person.staff_key})"


def gate_frame(statuses: list[RoleGroupStatus], go_live: dt.date) -> pd.DataFrame:
    rows = [
        {
            "role group": g.label,
            "active staff": g.active_staff,
            "trained": g.completed,
            "completion rate": g.rate,
            "meets 90 % gate": g.meets_gate,
            "still needed": g.needed,
            "pace (people/day, last 14 days)": round(g.pace_per_day, 3),
            "reaches 90 % on": g.forecast_date,
            "before go-live": g.forecast_before_go_live,
            "summary": g.sentence(go_live),
        }
        for g in statuses
    ]
    return pd.DataFrame(rows)


def missing_frame(statuses: list[RoleGroupStatus]) -> pd.DataFrame:
    rows = [
        {"role group": g.label, "person": person, "module still open": module}
        for g in statuses
        for person, module in g.missing
    ]
    return pd.DataFrame(rows, columns=["role group", "person", "module still open"])


# ------------------------------------------------------------------------------------------------ editing


def check_version(obj, expected_version: int | None, what: str) -> None:
    if expected_version is not None and obj.version_id != expected_version:
        raise EditConflict(
            f"{what} was changed by someone else after you opened it; reload and try again "
            "(your change was not saved)."
        )


def apply_changes(
    session: Session, obj, changes: dict, actor: audit.Actor, resource_type: str, resource_id: str
) -> bool:
    """Set changed fields and audit before/after inside the caller's transaction. True if anything changed."""
    before = {k: getattr(obj, k) for k, v in changes.items() if getattr(obj, k) != v}
    if not before:
        return False
    after = {k: changes[k] for k in before}
    for k, v in after.items():
        setattr(obj, k, v)
    audit.add(
        session,
        actor,
        audit.CHANGE,
        resource_type=resource_type,
        resource_id=resource_id,
        before=before,
        after=after,
    )
    return True


def _commit_guard(what: str):
    """Turn a lost optimistic-lock race (StaleDataError at flush) into an EditConflict."""
    import contextlib

    @contextlib.contextmanager
    def guard():
        try:
            yield
        except StaleDataError as exc:
            raise EditConflict(
                f"{what} was changed by someone else at the same time; reload and try again "
                "(your change was not saved)."
            ) from exc

    return guard()


def _validate_staff_fields(name: str, role_group: str) -> None:
    if not name.strip():
        raise TrainingError("A name is required.")
    if role_group not in ROLE_GROUPS:
        raise TrainingError(f"Unknown role group {role_group!r}; use one of {', '.join(ROLE_GROUPS)}.")


def add_staff(
    database_url: str,
    actor: audit.Actor,
    *,
    staff_key: str,
    name: str,
    role_group: str,
    location: str = "",
    active: bool = True,
    super_user: bool = False,
) -> int:
    _validate_staff_fields(name, role_group)
    if not staff_key.strip():
        raise TrainingError("A staff id is required.")
    with session_scope(database_url) as s:
        if s.scalar(select(Staff.id).where(Staff.staff_key == staff_key.strip())):
            raise TrainingError(f"Staff id {staff_key!r} is already on the roster.")
        person = Staff(
            staff_key=staff_key.strip(),
            name=name.strip(),
            role_group=role_group,
            location=location.strip(),
            active=active,
            super_user=super_user,
        )
        s.add(person)
        s.flush()
        audit.add(
            s,
            actor,
            audit.CREATE,
            resource_type="training_staff",
            resource_id=person.staff_key,
            after={
                "name": person.name,
                "role_group": role_group,
                "location": person.location,
                "active": active,
                "super_user": super_user,
            },
        )
        return person.id


def update_staff(
    database_url: str, actor: audit.Actor, staff_id: int, expected_version: int | None, **changes
) -> bool:
    """Change roster fields (name, role_group, location, active, super_user); EditConflict on a stale version."""
    allowed = {"name", "role_group", "location", "active", "super_user"}
    unknown = set(changes) - allowed
    if unknown:
        raise TrainingError(f"Cannot change {', '.join(sorted(unknown))} of a person.")
    with _commit_guard("This person"), session_scope(database_url) as s:
        person = s.get(Staff, staff_id)
        if person is None:
            raise TrainingError(f"No person with id {staff_id} on the roster.")
        check_version(person, expected_version, f"{person.name}'s roster entry")
        _validate_staff_fields(changes.get("name", person.name), changes.get("role_group", person.role_group))
        return apply_changes(s, person, changes, actor, "training_staff", person.staff_key)


def add_module(
    database_url: str,
    actor: audit.Actor,
    *,
    module_key: str,
    title: str,
    role_group: str,
    format: str,
    required: bool = True,
    description: str | None = None,
) -> int:  # noqa: A002
    _validate_module_fields(title, role_group, format)
    if not module_key.strip():
        raise TrainingError("A module id is required.")
    with session_scope(database_url) as s:
        if s.scalar(select(Module.id).where(Module.module_key == module_key.strip())):
            raise TrainingError(f"Module id {module_key!r} already exists.")
        module = Module(
            module_key=module_key.strip(),
            title=title.strip(),
            role_group=role_group,
            format=format,
            required=required,
            description=description,
        )
        s.add(module)
        s.flush()
        audit.add(
            s,
            actor,
            audit.CREATE,
            resource_type="training_module",
            resource_id=module.module_key,
            after={"title": module.title, "role_group": role_group, "format": format, "required": required},
        )
        return module.id


def _validate_module_fields(title: str, role_group: str, fmt: str) -> None:
    if not title.strip():
        raise TrainingError("A module title is required.")
    if role_group not in ROLE_GROUPS:
        raise TrainingError(f"Unknown role group {role_group!r}; use one of {', '.join(ROLE_GROUPS)}.")
    if fmt not in FORMATS:
        raise TrainingError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")


def update_module(
    database_url: str, actor: audit.Actor, module_id: int, expected_version: int | None, **changes
) -> bool:
    allowed = {"title", "role_group", "format", "required", "description"}
    unknown = set(changes) - allowed
    if unknown:
        raise TrainingError(f"Cannot change {', '.join(sorted(unknown))} of a module.")
    with _commit_guard("This module"), session_scope(database_url) as s:
        module = s.get(Module, module_id)
        if module is None:
            raise TrainingError(f"No module with id {module_id}.")
        check_version(module, expected_version, f"Module {module.module_key}")
        _validate_module_fields(
            changes.get("title", module.title),
            changes.get("role_group", module.role_group),
            changes.get("format", module.format),
        )
        return apply_changes(s, module, changes, actor, "training_module", module.module_key)


def load_default_curriculum(database_url: str, actor: audit.Actor) -> int:
    """Add the suggested modules that are not there yet; returns how many were added."""
    existing = {m.module_key for m in list_modules(database_url)}
    added = 0
    for key, group, title, fmt, required in DEFAULT_CURRICULUM:
        if key not in existing:
            add_module(
                database_url,
                actor,
                module_key=key,
                title=title,
                role_group=group,
                format=fmt,
                required=required,
            )
            added += 1
    return added


def validate_result(
    completed_on: dt.date | None,
    check_result: str | None,
    check_date: dt.date | None,
    score: float | None,
    today: dt.date | None = None,
) -> list[tuple[str, str]]:
    """Problems with one result as (column, message); empty when it can be saved."""
    problems: list[tuple[str, str]] = []
    if check_result is not None and check_result not in CHECK_RESULTS:
        problems.append(("check_result", f"{check_result!r} is not pass or fail"))
    if score is not None and not (0 <= score <= 100):
        problems.append(("score", f"{score:g} is outside 0-100"))
    if check_result is not None and completed_on is None:
        problems.append(("completed_on", "a proficiency check needs the module's completion date"))
    if check_date is not None and completed_on is not None and check_date < completed_on:
        problems.append(
            ("check_date", f"check date {check_date} is before the completion date {completed_on}")
        )
    if today is not None:
        for column, day in (("completed_on", completed_on), ("check_date", check_date)):
            if day is not None and day > today:
                problems.append((column, f"{day} is in the future"))
    return problems


def record_result(
    database_url: str,
    actor: audit.Actor,
    *,
    staff_key: str,
    module_key: str,
    completed_on: dt.date | None,
    check_result: str | None = None,
    check_date: dt.date | None = None,
    score: float | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> bool:
    """Record (or correct) one person's result in one module by hand. True if anything changed.

    ``expected_version``: the result's version when the form was opened (None for a new result)."""
    if check_result is not None and check_date is None:
        check_date = completed_on
    problems = validate_result(completed_on, check_result, check_date, score, today)
    if problems:
        raise TrainingError("; ".join(f"{col}: {msg}" for col, msg in problems))
    with _commit_guard("This result"), session_scope(database_url) as s:
        person = s.scalar(select(Staff).where(Staff.staff_key == staff_key))
        module = s.scalar(select(Module).where(Module.module_key == module_key))
        if person is None:
            raise TrainingError(f"Unknown staff id {staff_key!r}.")
        if module is None:
            raise TrainingError(f"Unknown module id {module_key!r}.")
        if module.role_group != person.role_group:
            raise TrainingError(
                f"Module {module_key} belongs to {ROLE_GROUP_LABELS[module.role_group]}, but "
                f"{person.name} is in {ROLE_GROUP_LABELS[person.role_group]}."
            )
        return (
            upsert_result(
                s, actor, person, module, completed_on, check_result, check_date, score, expected_version
            )
            != "unchanged"
        )


def upsert_result(
    s: Session,
    actor: audit.Actor,
    person: Staff,
    module: Module,
    completed_on: dt.date | None,
    check_result: str | None,
    check_date: dt.date | None,
    score: float | None,
    expected_version: int | None = None,
) -> str:
    """Create or update a result inside the caller's transaction (hand entry and imports share it).

    Returns "created", "updated" or "unchanged"."""
    rid = f"{person.staff_key}/{module.module_key}"
    values = {
        "completed_on": completed_on,
        "check_result": check_result,
        "check_date": check_date,
        "score": score,
    }
    result = s.scalar(select(Result).where(Result.staff_id == person.id, Result.module_id == module.id))
    if result is None:
        if expected_version is not None:
            raise EditConflict(f"The result {rid} was removed after you opened it; reload and try again.")
        s.add(Result(staff_id=person.id, module_id=module.id, **values))
        audit.add(s, actor, audit.CREATE, resource_type="training_result", resource_id=rid, after=values)
        return "created"
    check_version(result, expected_version, f"The result {rid}")
    return "updated" if apply_changes(s, result, values, actor, "training_result", rid) else "unchanged"


def get_result(database_url: str, staff_key: str, module_key: str) -> ResultView | None:
    for r in list_results(database_url):
        if r.staff_key == staff_key and r.module_key == module_key:
            return r
    return None
