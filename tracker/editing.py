"""Optimistic locking for every editable rollout record (plan, milestones, checklist items, issues).

A screen remembers the ``version`` of the record it showed. Saving passes that version back: if the
record moved on in the meantime (someone else saved), nothing is written and ``EditConflict`` tells
the second writer who changed what, so they can look and re-apply. The ORM's ``version_id_col``
covers the last gap (a change landing between our read and our write raises StaleDataError at
flush, which is turned into the same conflict).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth import audit
from auth.models import AuditEvent


@dataclass
class EditConflict(Exception):
    """Somebody else saved this record after you opened it; your change was not saved."""

    record_type: str
    record_id: str
    yours: dict
    theirs: dict
    changed_by: str | None = None
    changed_at: dt.datetime | None = None
    differing: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        who = self.changed_by or "someone else"
        when = f" at {self.changed_at:%H:%M:%S}" if self.changed_at else ""
        what = ", ".join(self.differing) or "this record"
        return (f"{who} changed this {self.record_type.replace('_', ' ')}{when} after you opened it "
                f"({what}). Your change was not saved: look at their version and apply yours again if "
                "still needed.")


class NotFound(LookupError):
    pass


def last_change(session: Session, record_type: str, record_id: str) -> tuple[str | None, dt.datetime | None]:
    row = session.execute(select(AuditEvent.username, AuditEvent.ts)
                          .where(AuditEvent.resource_type == record_type,
                                 AuditEvent.resource_id == str(record_id))
                          .order_by(AuditEvent.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (None, None)


def conflict(session: Session, record_type: str, record_id: str, yours: dict, theirs: dict) -> EditConflict:
    who, when = last_change(session, record_type, record_id)
    differing = [k for k in yours if k in theirs and theirs[k] != yours[k]]
    return EditConflict(record_type, str(record_id), yours, theirs, who, when, differing)


def apply_changes(session: Session, obj, *, expected_version: int, changes: dict, actor: audit.Actor,
                  record_type: str, record_id: str, snapshot, action: str | None = None) -> dict:
    """Check the version, apply ``changes``, audit before/after. Returns the fields that changed.

    ``snapshot(obj) -> dict`` gives the record's editable fields (for the conflict and the audit).
    """
    if obj.version_id != expected_version:
        raise conflict(session, record_type, record_id, changes, snapshot(obj))
    current = snapshot(obj)
    changed = {k: v for k, v in changes.items() if current.get(k) != v}
    if not changed:
        return {}
    for key, value in changed.items():
        setattr(obj, key, value)
    audit.add(session, actor, action or f"{record_type}.update", resource_type=record_type,
              resource_id=str(record_id), before={k: current.get(k) for k in changed}, after=changed)
    session.flush()
    return changed
