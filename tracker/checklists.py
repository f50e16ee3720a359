"""Checklists built from the practice's templates: items with owner, due date, done by/when and evidence.

Templates start as the defaults of tracker/templates.py and are stored in the app DB so the practice
can edit them. ``create_checklists`` turns every template item that has no checklist item yet into
one (due = go-live + the template's offset). Each item gates a milestone (by milestone key).

Owners: an owner field holds a team role key (tracker.plan_rules.TEAM_ROLES) or a username. "My items"
of a signed-in user are those owned by their username or by a team role their app role covers
(``ROLE_TEAM``): administrator -> project lead and HIPAA specialist; implementation lead -> project
lead and IT/vendor liaison; billing -> billing lead; clinician -> clinical director; front desk ->
front-desk coordinator; the owner role only gets items assigned to them by username.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, case, func, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from auth import audit
from tracker import templates
from tracker.db import Base, session_scope, utcnow
from tracker.editing import NotFound, apply_changes, conflict
from tracker.plan_rules import TEAM_ROLES

ROLE_TEAM: dict[str, tuple[str, ...]] = {
    "administrator": ("project_lead", "hipaa_specialist"),
    "implementation_lead": ("project_lead", "it_liaison"),
    "owner": (),
    "billing": ("billing_lead",),
    "clinician": ("clinical_director",),
    "front_desk": ("front_desk_coordinator",),
}
LIST_TITLES = {t.key: t.title for t in templates.LISTS}


class ChecklistTemplateRow(Base):
    __tablename__ = "checklist_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    list_key: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    owner: Mapped[str] = mapped_column(String(80), nullable=False)
    due_offset_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    gates: Mapped[str | None] = mapped_column(String(80), nullable=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class ChecklistItemRow(Base):
    __tablename__ = "checklist_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    list_key: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    owner: Mapped[str] = mapped_column(String(80), nullable=False)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    gates: Mapped[str | None] = mapped_column(String(80), nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    done_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


@dataclass(frozen=True)
class ChecklistItemView:
    key: str
    list_key: str
    title: str
    owner: str
    due_date: dt.date | None
    done: bool
    done_by: str | None
    done_at: dt.datetime | None
    evidence: str | None
    gates: str | None
    id: int
    version: int

    def overdue(self, today: dt.date) -> bool:
        return not self.done and self.due_date is not None and self.due_date < today


@dataclass(frozen=True)
class TemplateItemView:
    id: int
    key: str
    list_key: str
    title: str
    owner: str
    due_offset_days: int
    gates: str | None
    active: bool
    version: int


ITEM_FIELDS = ("title", "owner", "due_date", "gates", "done", "evidence")
TEMPLATE_FIELDS = ("title", "owner", "due_offset_days", "gates", "active")


def _view(r: ChecklistItemRow) -> ChecklistItemView:
    return ChecklistItemView(r.key, r.list_key, r.title, r.owner, r.due_date, bool(r.done), r.done_by, r.done_at,
                             r.evidence, r.gates, r.id, r.version_id)


def _snapshot(r: ChecklistItemRow) -> dict:
    return {f: getattr(r, f) for f in ITEM_FIELDS}


def _template_view(r: ChecklistTemplateRow) -> TemplateItemView:
    return TemplateItemView(r.id, r.key, r.list_key, r.title, r.owner, r.due_offset_days, r.gates, bool(r.active),
                            r.version_id)


def _template_snapshot(r: ChecklistTemplateRow) -> dict:
    return {f: getattr(r, f) for f in TEMPLATE_FIELDS}


# ------------------------------------------------------------------------------------------ templates


def ensure_templates(database_url: str, large_group: bool = False) -> int:
    """Store the default templates on first use; later calls leave the practice's edits alone."""
    with session_scope(database_url) as s:
        if s.scalar(select(func.count()).select_from(ChecklistTemplateRow)):
            return 0
        defaults = templates.default_items(large_group)
        for i, t in enumerate(defaults):
            s.add(ChecklistTemplateRow(key=t.key, list_key=t.list_key, title=t.title, owner=t.owner,
                                       due_offset_days=t.due_offset_days, gates=t.gates, position=i * 10))
        return len(defaults)


def list_templates(database_url: str, list_key: str | None = None) -> list[TemplateItemView]:
    stmt = select(ChecklistTemplateRow).order_by(ChecklistTemplateRow.position, ChecklistTemplateRow.id)
    if list_key:
        stmt = stmt.where(ChecklistTemplateRow.list_key == list_key)
    with session_scope(database_url) as s:
        return [_template_view(r) for r in s.scalars(stmt)]


def _check_list(list_key: str) -> None:
    if list_key not in LIST_TITLES:
        raise ValueError(f"List: {list_key!r} is not one of {', '.join(LIST_TITLES)}.")


def add_template_item(database_url: str, actor: audit.Actor, *, list_key: str, title: str, owner: str,
                      due_offset_days: int, gates: str | None = None) -> TemplateItemView:
    _check_list(list_key)
    if not title.strip():
        raise ValueError("Title: a template item needs a name.")
    with session_scope(database_url) as s:
        last = s.scalar(select(func.max(ChecklistTemplateRow.position))) or 0
        row = ChecklistTemplateRow(key=f"{list_key}.custom_{uuid.uuid4().hex[:8]}", list_key=list_key,
                                   title=title.strip(), owner=owner, due_offset_days=int(due_offset_days),
                                   gates=gates or templates.LISTS_BY_KEY[list_key].gates, position=last + 10)
        s.add(row)
        s.flush()
        audit.add(s, actor, audit.CREATE, resource_type="checklist_template", resource_id=row.key,
                  after=_template_snapshot(row))
        return _template_view(row)


def update_template_item(database_url: str, actor: audit.Actor, key: str, expected_version: int,
                         **changes) -> TemplateItemView:
    """Rename, reassign, re-time or switch off (active=False) a template item; items already created stay."""
    unknown = set(changes) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))} of a template item")
    if "title" in changes and not str(changes["title"]).strip():
        raise ValueError("Title: a template item needs a name.")
    try:
        with session_scope(database_url) as s:
            row = s.scalar(select(ChecklistTemplateRow).where(ChecklistTemplateRow.key == key))
            if row is None:
                raise NotFound(f"template item {key} does not exist")
            apply_changes(s, row, expected_version=expected_version, changes=changes, actor=actor,
                          record_type="checklist_template", record_id=key, snapshot=_template_snapshot)
            return _template_view(row)
    except StaleDataError:
        with session_scope(database_url) as s:
            row = s.scalar(select(ChecklistTemplateRow).where(ChecklistTemplateRow.key == key))
            raise conflict(s, "checklist_template", key, changes, _template_snapshot(row)) from None


def create_checklists(database_url: str, actor: audit.Actor, go_live: dt.date, large_group: bool = False) -> int:
    """Create a checklist item for every active template item that has none yet. Returns how many."""
    ensure_templates(database_url, large_group)
    with session_scope(database_url) as s:
        existing = set(s.scalars(select(ChecklistItemRow.key)))
        created = []
        for t in s.scalars(select(ChecklistTemplateRow).where(ChecklistTemplateRow.active.is_(True))
                           .order_by(ChecklistTemplateRow.position)):
            if t.key in existing:
                continue
            s.add(ChecklistItemRow(key=t.key, list_key=t.list_key, title=t.title, owner=t.owner,
                                   due_date=go_live + dt.timedelta(days=t.due_offset_days), gates=t.gates,
                                   position=t.position))
            created.append(t.key)
        if created:
            audit.add(s, actor, audit.CREATE, resource_type="checklist", resource_id="from templates",
                      after={"items": len(created), "go_live": go_live})
        return len(created)


# ------------------------------------------------------------------------------------------ items


def item_state(database_url: str, item_key: str) -> ChecklistItemView | None:
    with session_scope(database_url) as s:
        row = s.scalar(select(ChecklistItemRow).where(ChecklistItemRow.key == item_key))
        return _view(row) if row else None


def list_progress(database_url: str, list_key: str) -> tuple[int, int]:
    """(done, total) items of one list; (0, 0) when the list has no items yet."""
    with session_scope(database_url) as s:
        total, done = s.execute(select(func.count(), func.coalesce(func.sum(
            case((ChecklistItemRow.done.is_(True), 1), else_=0)), 0)).where(ChecklistItemRow.list_key == list_key)).one()
        return int(done), int(total)


def list_items(database_url: str, list_key: str | None = None) -> list[ChecklistItemView]:
    stmt = select(ChecklistItemRow).order_by(ChecklistItemRow.position, ChecklistItemRow.id)
    if list_key:
        stmt = stmt.where(ChecklistItemRow.list_key == list_key)
    with session_scope(database_url) as s:
        return [_view(r) for r in s.scalars(stmt)]


def _check_item_values(changes: dict) -> None:
    if "title" in changes and not str(changes["title"]).strip():
        raise ValueError("Title: an item needs a name.")
    if "owner" in changes and not str(changes["owner"] or "").strip():
        raise ValueError("Owner: every item has one owner.")


def update_item(database_url: str, actor: audit.Actor, item_key: str, expected_version: int,
                **changes) -> ChecklistItemView:
    """Edit an item. Ticking it done needs evidence (a note or a link) and stamps who and when;
    unticking clears both."""
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))} of a checklist item")
    _check_item_values(changes)
    try:
        with session_scope(database_url) as s:
            row = s.scalar(select(ChecklistItemRow).where(ChecklistItemRow.key == item_key))
            if row is None:
                raise NotFound(f"checklist item {item_key} does not exist (it may have been removed)")
            evidence = changes.get("evidence", row.evidence)
            if changes.get("done") and not row.done and not (evidence or "").strip():
                raise ValueError(f"“{row.title}”: add evidence (a note or a link) before ticking it done.")
            was_done = row.done
            changed = apply_changes(s, row, expected_version=expected_version, changes=changes, actor=actor,
                                    record_type="checklist_item", record_id=item_key, snapshot=_snapshot)
            if "done" in changed:
                if row.done and not was_done:
                    row.done_by, row.done_at = actor.username, utcnow()
                elif not row.done:
                    row.done_by, row.done_at = None, None
                s.flush()
            return _view(row)
    except StaleDataError:
        with session_scope(database_url) as s:
            row = s.scalar(select(ChecklistItemRow).where(ChecklistItemRow.key == item_key))
            raise conflict(s, "checklist_item", item_key, changes, _snapshot(row) if row else {}) from None


def add_item(database_url: str, actor: audit.Actor, *, list_key: str, title: str, owner: str,
             due_date: dt.date | None, gates: str | None = None) -> ChecklistItemView:
    _check_list(list_key)
    _check_item_values({"title": title, "owner": owner})
    with session_scope(database_url) as s:
        last = s.scalar(select(func.max(ChecklistItemRow.position))) or 0
        row = ChecklistItemRow(key=f"{list_key}.custom_{uuid.uuid4().hex[:8]}", list_key=list_key, title=title.strip(),
                               owner=owner, due_date=due_date, gates=gates or templates.LISTS_BY_KEY[list_key].gates,
                               position=last + 10)
        s.add(row)
        s.flush()
        audit.add(s, actor, audit.CREATE, resource_type="checklist_item", resource_id=row.key, after=_snapshot(row))
        return _view(row)


def remove_item(database_url: str, actor: audit.Actor, item_key: str, expected_version: int) -> None:
    with session_scope(database_url) as s:
        row = s.scalar(select(ChecklistItemRow).where(ChecklistItemRow.key == item_key))
        if row is None:
            raise NotFound(f"checklist item {item_key} does not exist (it may have been removed)")
        if row.version_id != expected_version:
            raise conflict(s, "checklist_item", item_key, {"remove": True}, _snapshot(row))
        audit.add(s, actor, audit.DELETE, resource_type="checklist_item", resource_id=item_key, before=_snapshot(row))
        s.delete(row)


# ------------------------------------------------------------------------------------------ progress


def team_roles_for(role: str) -> tuple[str, ...]:
    return ROLE_TEAM.get(role, ())


def is_mine(owner: str, username: str, role: str) -> bool:
    return owner == username or owner in team_roles_for(role)


def my_items(database_url: str, username: str, role: str) -> list[ChecklistItemView]:
    return [i for i in list_items(database_url) if is_mine(i.owner, username, role)]


def owner_label(owner: str | None) -> str:
    return TEAM_ROLES.get(owner or "", owner or "")


def open_items_by_milestone(items: list[ChecklistItemView]) -> dict[str, int]:
    """How many open checklist items gate each milestone (by milestone key)."""
    out: dict[str, int] = {}
    for i in items:
        if not i.done and i.gates:
            out[i.gates] = out.get(i.gates, 0) + 1
    return out


def progress_by_list(items: list[ChecklistItemView]) -> pd.DataFrame:
    rows = []
    for key, title in LIST_TITLES.items():
        mine = [i for i in items if i.list_key == key]
        done = sum(i.done for i in mine)
        rows.append({"list_key": key, "list": title, "done": done, "total": len(mine),
                     "progress": done / len(mine) if mine else 0.0})
    return pd.DataFrame(rows)


def progress_by_owner(items: list[ChecklistItemView], today: dt.date) -> pd.DataFrame:
    by: dict[str, list[ChecklistItemView]] = {}
    for i in items:
        by.setdefault(i.owner, []).append(i)
    rows = [{"owner": owner_label(o), "done": sum(i.done for i in lst), "total": len(lst),
             "overdue": sum(i.overdue(today) for i in lst), "progress": sum(i.done for i in lst) / len(lst)}
            for o, lst in sorted(by.items())]
    return pd.DataFrame(rows, columns=["owner", "done", "total", "overdue", "progress"])


def items_frame(items: list[ChecklistItemView], today: dt.date, milestone_titles: dict[str, str] | None = None
                ) -> pd.DataFrame:
    """Checklist items as a table for the pages and the exports."""
    milestone_titles = milestone_titles or {}
    return pd.DataFrame([{
        "key": i.key, "list": LIST_TITLES.get(i.list_key, i.list_key), "item": i.title, "owner": owner_label(i.owner),
        "due": i.due_date, "done": i.done, "done by": i.done_by or "", "done at": i.done_at,
        "evidence": i.evidence or "", "overdue": i.overdue(today),
        "gates milestone": milestone_titles.get(i.gates or "", i.gates or ""),
    } for i in items], columns=["key", "list", "item", "owner", "due", "done", "done by", "done at", "evidence",
                                "overdue", "gates milestone"])


def owner_choices(database_url: str) -> list[str]:
    """Team roles first, then the usernames of active logins (an owner field holds either)."""
    from auth.models import User

    with session_scope(database_url) as s:
        names = list(s.scalars(select(User.username).where(User.active.is_(True)).order_by(User.username)))
    return [*TEAM_ROLES, *[n for n in names if n not in TEAM_ROLES]]
