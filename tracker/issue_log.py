"""The go-live issue log: anyone signed in logs an issue in seconds; leads triage; a daily debrief.

Days are counted on the timestamps as stored (UTC, like every timestamp in the app DB).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from auth import audit
from tracker.db import Base, session_scope, utcnow
from tracker.editing import NotFound, apply_changes, conflict

CATEGORIES = {"scheduling": "Scheduling", "documentation": "Documentation", "billing": "Billing",
              "access": "Access / log-in", "hardware": "Hardware", "training": "Training"}
SEVERITIES = {"blocker": "Blocker (work stops)", "high": "High", "normal": "Normal", "low": "Low"}
STATUSES = {"open": "Open", "in_progress": "Being worked on", "resolved": "Resolved"}
TRIAGE_ROLES = ("owner", "administrator", "implementation_lead")
TRIAGE_FIELDS = ("owner", "status", "resolution", "severity", "category", "location", "what")


class GoLiveIssueRow(Base):
    __tablename__ = "golive_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    opened_by: Mapped[str] = mapped_column(String(80), nullable=False)
    what: Mapped[str] = mapped_column(Text, nullable=False)
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    severity: Mapped[str] = mapped_column(String(20), nullable=False, default="normal")
    category: Mapped[str] = mapped_column(String(30), nullable=False)
    owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


@dataclass(frozen=True)
class IssueView:
    id: int
    opened_at: dt.datetime
    opened_by: str
    what: str
    location: str
    severity: str
    category: str
    owner: str | None
    status: str
    resolution: str | None
    resolved_at: dt.datetime | None
    resolved_by: str | None
    version: int


def _view(r: GoLiveIssueRow) -> IssueView:
    return IssueView(r.id, r.opened_at, r.opened_by, r.what, r.location, r.severity, r.category, r.owner, r.status,
                     r.resolution, r.resolved_at, r.resolved_by, r.version_id)


def _snapshot(r: GoLiveIssueRow) -> dict:
    return {f: getattr(r, f) for f in TRIAGE_FIELDS}


def _check(values: dict) -> None:
    if "what" in values and not str(values["what"] or "").strip():
        raise ValueError("What happened: describe the issue in a few words.")
    if "category" in values and values["category"] not in CATEGORIES:
        raise ValueError(f"Category: {values['category']!r} is not one of {', '.join(CATEGORIES)}.")
    if "severity" in values and values["severity"] not in SEVERITIES:
        raise ValueError(f"Severity: {values['severity']!r} is not one of {', '.join(SEVERITIES)}.")
    if "status" in values and values["status"] not in STATUSES:
        raise ValueError(f"Status: {values['status']!r} is not one of {', '.join(STATUSES)}.")


def log_issue(database_url: str, actor: audit.Actor, *, what: str, category: str, severity: str = "normal",
              location: str = "", opened_at: dt.datetime | None = None) -> IssueView:
    values = {"what": what, "category": category, "severity": severity, "location": location or ""}
    _check(values)
    with session_scope(database_url) as s:
        row = GoLiveIssueRow(opened_by=actor.username or "unknown", what=what.strip(), category=category,
                             severity=severity, location=(location or "").strip(), opened_at=opened_at or utcnow())
        s.add(row)
        s.flush()
        audit.add(s, actor, audit.CREATE, resource_type="golive_issue", resource_id=str(row.id), after=values)
        return _view(row)


def triage(database_url: str, actor: audit.Actor, issue_id: int, expected_version: int, **changes) -> IssueView:
    """Leads set owner, status and resolution (and may correct the rest). Resolving needs a resolution."""
    unknown = set(changes) - set(TRIAGE_FIELDS)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))} of an issue")
    _check(changes)
    try:
        with session_scope(database_url) as s:
            row = s.get(GoLiveIssueRow, issue_id)
            if row is None:
                raise NotFound(f"issue {issue_id} does not exist")
            resolution = changes.get("resolution", row.resolution)
            if changes.get("status") == "resolved" and not (resolution or "").strip():
                raise ValueError("Resolution: say how the issue was resolved before closing it.")
            was_resolved = row.status == "resolved"
            changed = apply_changes(s, row, expected_version=expected_version, changes=changes, actor=actor,
                                    record_type="golive_issue", record_id=str(issue_id), snapshot=_snapshot)
            if "status" in changed:
                if row.status == "resolved" and not was_resolved:
                    row.resolved_at, row.resolved_by = utcnow(), actor.username
                elif row.status != "resolved":
                    row.resolved_at, row.resolved_by = None, None
                s.flush()
            return _view(row)
    except StaleDataError:
        with session_scope(database_url) as s:
            row = s.get(GoLiveIssueRow, issue_id)
            raise conflict(s, "golive_issue", str(issue_id), changes, _snapshot(row) if row else {}) from None


def list_issues(database_url: str, *, status: str | None = None, opened_by: str | None = None) -> list[IssueView]:
    stmt = select(GoLiveIssueRow).order_by(GoLiveIssueRow.opened_at.desc(), GoLiveIssueRow.id.desc())
    if status:
        stmt = stmt.where(GoLiveIssueRow.status == status)
    if opened_by:
        stmt = stmt.where(GoLiveIssueRow.opened_by == opened_by)
    with session_scope(database_url) as s:
        return [_view(r) for r in s.scalars(stmt)]


def get_issue(database_url: str, issue_id: int) -> IssueView:
    with session_scope(database_url) as s:
        row = s.get(GoLiveIssueRow, issue_id)
        if row is None:
            raise NotFound(f"issue {issue_id} does not exist")
        return _view(row)


def issues_frame(issues: list[IssueView]) -> pd.DataFrame:
    return pd.DataFrame([{
        "id": i.id, "opened": i.opened_at, "opened by": i.opened_by, "what": i.what, "where": i.location,
        "severity": SEVERITIES.get(i.severity, i.severity), "category": CATEGORIES.get(i.category, i.category),
        "owner": i.owner or "", "status": STATUSES.get(i.status, i.status), "resolution": i.resolution or "",
        "resolved": i.resolved_at, "resolved by": i.resolved_by or "",
    } for i in issues], columns=["id", "opened", "opened by", "what", "where", "severity", "category", "owner",
                                 "status", "resolution", "resolved", "resolved by"])


# ------------------------------------------------------------------------------------------ debrief


@dataclass(frozen=True)
class Debrief:
    day: dt.date
    opened: list[IssueView]
    closed: list[IssueView]
    open_blockers: list[IssueView]
    still_open: int
    by_category: pd.DataFrame  # category, opened, closed, open at end of day


def debrief(issues: list[IssueView], day: dt.date) -> Debrief:
    """One day: issues opened and resolved that day, blockers still open at its end, counts per category."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())

    def open_at_end(i: IssueView) -> bool:
        return i.opened_at < end and (i.resolved_at is None or i.resolved_at >= end)

    opened = [i for i in issues if i.opened_at.date() == day]
    closed = [i for i in issues if i.resolved_at is not None and i.resolved_at.date() == day]
    still = [i for i in issues if open_at_end(i)]
    blockers = [i for i in still if i.severity == "blocker"]
    rows = [{"category": label, "opened": sum(i.category == key for i in opened),
             "closed": sum(i.category == key for i in closed), "open at end of day": sum(i.category == key for i in still)}
            for key, label in CATEGORIES.items()]
    return Debrief(day, sorted(opened, key=lambda i: i.opened_at), sorted(closed, key=lambda i: i.resolved_at),
                   blockers, len(still), pd.DataFrame(rows))


def issue_days(issues: list[IssueView]) -> list[dt.date]:
    days = {i.opened_at.date() for i in issues} | {i.resolved_at.date() for i in issues if i.resolved_at}
    return sorted(days, reverse=True)


def _latin1(text: str) -> str:
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'").replace("\u201c", '"')
    return text.replace("\u201d", '"').encode("latin-1", "replace").decode("latin-1")


def debrief_pdf(d: Debrief, practice_name: str, generated_by: str) -> bytes:
    """A printable one-to-two page debrief (fpdf2, built-in fonts)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, _latin1(f"End-of-day debrief - {d.day:%A %d %B %Y}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin1(f"{practice_name} - prepared by {generated_by} on {utcnow():%Y-%m-%d %H:%M} UTC"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, _latin1(f"Opened today: {len(d.opened)}   Resolved today: {len(d.closed)}   "
                           f"Still open: {d.still_open}   Open blockers: {len(d.open_blockers)}"),
             new_x="LMARGIN", new_y="NEXT")

    def table(title: str, header: list[str], widths: list[int], rows: list[list[str]]) -> None:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, _latin1(title), new_x="LMARGIN", new_y="NEXT")
        if not rows:
            pdf.set_font("Helvetica", "I", 9)
            pdf.cell(0, 6, "None.", new_x="LMARGIN", new_y="NEXT")
            return
        pdf.set_font("Helvetica", "", 9)
        with pdf.table(col_widths=widths, text_align="LEFT") as t:
            head = t.row()
            for h in header:
                head.cell(h)
            for r in rows:
                line = t.row()
                for value in r:
                    line.cell(_latin1(str(value)))

    table("By category", ["Category", "Opened", "Resolved", "Open at end of day"], [70, 30, 30, 50],
          [[r["category"], r["opened"], r["closed"], r["open at end of day"]] for r in d.by_category.to_dict("records")])
    table("Blockers still open", ["#", "What", "Where", "Category", "Owner"], [10, 80, 35, 30, 35],
          [[i.id, i.what, i.location, CATEGORIES.get(i.category, i.category), i.owner or "unassigned"]
           for i in d.open_blockers])
    table("Opened today", ["#", "What", "Severity", "Category", "Status"], [10, 90, 30, 30, 30],
          [[i.id, i.what, SEVERITIES.get(i.severity, i.severity).split(" ")[0], CATEGORIES.get(i.category, i.category),
            STATUSES.get(i.status, i.status)] for i in d.opened])
    table("Resolved today", ["#", "What", "Resolution", "By"], [10, 70, 80, 30],
          [[i.id, i.what, i.resolution or "", i.resolved_by or ""] for i in d.closed])
    return bytes(pdf.output())
