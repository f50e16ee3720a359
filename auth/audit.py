"""Write and read the audit log. Every view of patient-level data and every change goes through here.

Never call ``record`` inside a cached function: on a cache hit the body does not run and the view
would go unrecorded (ENGINEERING_NOTES.md §3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import AuditEvent
from tracker.db import session_scope

# Actions with a fixed meaning; areas may add their own verbs (e.g. "milestone.update").
SIGN_IN = "sign_in"
SIGN_OUT = "sign_out"
SIGN_IN_FAILED = "sign_in_failed"
LOCKED_OUT = "locked_out"
IDLE_TIMEOUT = "idle_timeout"
VIEW_PATIENT_DATA = "view_patient_data"
CHANGE = "change"
CREATE = "create"
DELETE = "delete"
EXPORT = "export"


@dataclass(frozen=True)
class Actor:
    """Who did it: taken from the signed-in user (or the command line)."""

    username: str | None
    role: str | None = None
    session_uid: str | None = None


def add(session: Session, actor: Actor, action: str, *, resource_type: str | None = None,
        resource_id: str | None = None, page: str | None = None, detail: dict | None = None,
        before: dict | None = None, after: dict | None = None, note: str | None = None) -> None:
    """Add an audit row inside the caller's transaction (so the change and its record commit together)."""
    session.add(AuditEvent(username=actor.username, role=actor.role, session_uid=actor.session_uid,
                           action=action, resource_type=resource_type,
                           resource_id=None if resource_id is None else str(resource_id), page=page,
                           detail=_jsonable(detail), before=_jsonable(before), after=_jsonable(after), note=note))


def record(database_url: str, actor: Actor, action: str, **kwargs) -> None:
    """Write one audit row in its own short transaction."""
    with session_scope(database_url) as session:
        add(session, actor, action, **kwargs)


def _jsonable(value):
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def usernames(database_url: str) -> list[str]:
    """Every name that appears in the log (including failed sign-ins with unknown names)."""
    with session_scope(database_url) as session:
        return sorted(n for n in session.scalars(select(AuditEvent.username).distinct()) if n)


def actions(database_url: str) -> list[str]:
    with session_scope(database_url) as session:
        return sorted(session.scalars(select(AuditEvent.action).distinct()))


def events(database_url: str, *, since: dt.datetime | None = None, username: str | None = None,
           action: str | None = None, limit: int = 5000, until: dt.datetime | None = None) -> pd.DataFrame:
    """The newest audit rows first, as a frame for the audit log page and exports.

    ``since`` is inclusive and ``until`` exclusive (UTC, like the stored timestamps)."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if since is not None:
        stmt = stmt.where(AuditEvent.ts >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.ts < until)
    if username:
        stmt = stmt.where(AuditEvent.username == username)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    with session_scope(database_url) as session:
        rows = session.scalars(stmt).all()
        return pd.DataFrame([{
            "when": r.ts, "user": r.username, "role": r.role, "action": r.action,
            "record type": r.resource_type, "record": r.resource_id, "page": r.page,
            "detail": r.detail, "before": r.before, "after": r.after, "note": r.note,
        } for r in rows], columns=["when", "user", "role", "action", "record type", "record", "page",
                                   "detail", "before", "after", "note"])
